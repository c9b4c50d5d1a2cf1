"""A run's progress as a stream: the orchestration runs in its own task and its progress events
come out of one queue, for the streaming endpoints."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

from app.errors import AppError
from app.orchestration.orchestrator import Orchestrator, TaskRequest


async def run_with_progress(
    orchestrator: Orchestrator, request: TaskRequest
) -> AsyncIterator[tuple[str, Any]]:
    """Yield ("routed", data), ("agent_finished", result)... then ("done", Orchestration) or
    ("error", AppError), while the orchestration runs in its own task."""
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

    async def progress(kind: str, data: dict[str, Any]) -> None:
        await queue.put((kind, data))

    async def run() -> None:
        try:
            outcome = await orchestrator.run(_with_progress(request, progress))
        except AppError as exc:
            await queue.put(("error", exc))
            return
        except Exception as exc:  # anything else still ends the stream, with the 500 envelope
            await queue.put(("error", AppError(f"The run failed unexpectedly ({type(exc).__name__}).")))
            return
        await queue.put(("done", outcome))

    task = asyncio.create_task(run())
    try:
        while True:
            kind, data = await queue.get()
            yield kind, data
            if kind in ("done", "error"):
                return
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _with_progress(request: TaskRequest, progress: Any) -> TaskRequest:
    return replace(request, progress=progress)
