"""Group commit: writes from many requests share one transaction, and each caller is answered
only once its write is durable. Under load this turns N commits into one; idle, it adds nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import suppress

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

log = structlog.get_logger("app.storage.writer")
WriteOp = Callable[[AsyncSession], Awaitable[None]]
DEFERRED = "deferred_writes"


def defer(
    session: AsyncSession,
    key: str,
    action: Callable[[AsyncSession, list[object]], Awaitable[None]],
    item: object,
) -> None:
    """Collect `item` under `key`; after the batch's ops ran, `action` gets every collected item
    at once (one executemany instead of one statement per op)."""
    deferred: dict[str, tuple[Callable[[AsyncSession, list[object]], Awaitable[None]], list[object]]]
    deferred = session.info.setdefault(DEFERRED, {})
    deferred.setdefault(key, (action, []))[1].append(item)


class WriterClosed(RuntimeError):
    pass


class GroupCommitWriter:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], max_batch: int = 256) -> None:
        self.sessions = sessions
        self.max_batch = max_batch
        self._queue: asyncio.Queue[tuple[WriteOp, asyncio.Future[None]]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self.batches = 0
        self.writes = 0

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="group-commit-writer")

    def enqueue(self, op: WriteOp) -> asyncio.Future[None]:
        """Queue `op` without waiting; the future completes when its transaction commits. Ops
        commit in the order they were queued."""
        if self._closed:
            raise WriterClosed("the writer is closed")
        if self._task is None:
            self.start()
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((op, future))
        return future

    async def submit(self, op: WriteOp) -> None:
        """Queue `op` and return once the transaction holding it has committed."""
        await asyncio.shield(self.enqueue(op))

    async def close(self) -> None:
        """Finish every queued write, then stop."""
        self._closed = True
        if self._task is None:
            return
        await self._queue.join()
        self._task.cancel()
        with suppress(asyncio.CancelledError):
            await self._task

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._commit(batch)
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def _commit(self, batch: list[tuple[WriteOp, asyncio.Future[None]]]) -> None:
        try:
            async with self.sessions() as session, session.begin():
                for op, _ in batch:
                    await op(session)
                for action, items in session.info.pop(DEFERRED, {}).values():
                    await action(session, items)
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch, exc)
                return
            # One bad write must not fail its neighbours: retry each on its own.
            log.warning("group_commit_batch_failed", size=len(batch), error=type(exc).__name__)
            for item in batch:
                await self._commit([item])
            return
        self.batches += 1
        self.writes += len(batch)
        _settle(batch, None)


def _settle(batch: list[tuple[WriteOp, asyncio.Future[None]]], error: BaseException | None) -> None:
    for _, future in batch:
        if future.done():
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(None)
