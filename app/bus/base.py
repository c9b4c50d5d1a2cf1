"""Publish, subscribe, unsubscribe: the bus interface every implementation keeps."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

Message = dict[str, Any]


class Subscription(Protocol):
    """Messages of one topic in publish order; `close()` unsubscribes (also on `async with` exit)."""

    def __aiter__(self) -> AsyncIterator[Message]: ...

    async def get(self, timeout: float | None = None) -> Message | None: ...

    async def close(self) -> None: ...


class MessageBus(Protocol):
    name: str

    async def publish(self, topic: str, message: Message) -> None: ...

    async def subscribe(self, topic: str) -> Subscription: ...

    async def close(self) -> None: ...
