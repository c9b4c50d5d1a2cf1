"""A shared board for agents coordinated in one run: what one agent finds, the others can read
while they are still working (and subscribers to the run see it live)."""

from __future__ import annotations

import asyncio
import contextlib

from app.agents.base import Finding
from app.bus.base import MessageBus


class Blackboard:
    def __init__(self, bus: MessageBus | None = None, topic: str | None = None) -> None:
        self.bus = bus
        self.topic = topic
        self._posts: list[tuple[str, Finding]] = []
        self._changed = asyncio.Condition()

    async def post(self, agent_id: str, finding: Finding) -> None:
        async with self._changed:
            self._posts.append((agent_id, finding))
            self._changed.notify_all()
        if self.bus is not None and self.topic is not None:
            with contextlib.suppress(Exception):  # live viewers are a bonus, never a failure
                await self.bus.publish(
                    self.topic,
                    {"type": "finding_posted", "agent_id": agent_id, "finding": finding.model_dump()},
                )

    def read(self, exclude: str | None = None) -> list[tuple[str, Finding]]:
        return [(agent, finding) for agent, finding in self._posts if agent != exclude]

    async def wait_for(self, code: str, timeout: float) -> Finding | None:
        """The first finding with `code` posted by anyone, waiting up to `timeout` seconds."""

        def found() -> Finding | None:
            return next((f for _, f in self._posts if f.code == code), None)

        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: found() is not None), timeout)
            except TimeoutError:
                return None
        return found()
