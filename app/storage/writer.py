"""Group commit: writes from many requests share one transaction, and each caller is answered
only once its write is durable. Under load this turns N commits into one; idle, it adds nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import suppress
from functools import cache, partial
from typing import TYPE_CHECKING, Any, cast

import structlog
from sqlalchemy import Insert, Table, insert
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from app.storage.models import Base

if TYPE_CHECKING:
    from app.storage.db import Database

log = structlog.get_logger("app.storage.writer")
# A write: plain synchronous ORM work on the batch's session. It may run on the writer's thread,
# so it touches only its own data and the session, never the event loop.
WriteOp = Callable[[Session], None]
DeferredAction = Callable[[Session, list[object]], None]
DEFERRED = "deferred_writes"


def defer(session: Session, key: str, action: DeferredAction, item: object, *, order: int = 2) -> None:
    """Collect `item` under `key`; after the batch's ops ran, `action` gets every collected item
    at once (one executemany instead of one statement per op). Actions run by `order`, then in
    the order their keys first appeared, so rows that others refer to go in first."""
    deferred: dict[str, tuple[int, DeferredAction, list[object]]]
    deferred = session.info.setdefault(DEFERRED, {})
    deferred.setdefault(key, (order, action, []))[2].append(item)


def insert_later(session: Session, model: type[Base], values: dict[str, Any], *, order: int = 2) -> None:
    """Insert a row with the batch's other rows of `model`'s table: one Core executemany per table
    and set of keys, in the order the rows were added (the audit chain relies on it), without the
    ORM's per-object bookkeeping."""
    table = cast(Table, model.__table__)
    key = f"insert:{table.name}:{','.join(values)}"
    defer(session, key, partial(_insert_all, table), values, order=order)


@cache
def insert_statement(table: Table) -> Insert:
    return insert(table)  # built once per table: SQLAlchemy then finds its compiled form faster


def _insert_all(table: Table, session: Session, rows: list[object]) -> None:
    session.execute(insert_statement(table), cast(list[dict[str, Any]], rows))


def run_deferred(session: Session) -> None:
    """Run the collected actions (the writer does this before each commit)."""
    deferred: dict[str, tuple[int, DeferredAction, list[object]]] = session.info.pop(DEFERRED, {})
    for _, action, items in sorted(deferred.values(), key=lambda entry: entry[0]):
        action(session, items)


class WriterClosed(RuntimeError):
    pass


class GroupCommitWriter:
    def __init__(self, database: Database, max_batch: int = 256) -> None:
        self.database = database
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
        ops = [op for op, _ in batch]

        def work(session: Session) -> None:
            for op in ops:
                op(session)
            run_deferred(session)

        try:
            await self.database.transaction(work)
        except Exception as exc:
            if len(batch) == 1 or not _one_write_at_fault(exc):
                # The database itself failed (unreachable, timed out, locked): every write of
                # the batch would fail the same way, one by one, for minutes. Fail them now.
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


def _one_write_at_fault(exc: BaseException) -> bool:
    """Whether the error is one write's own (a constraint it broke, a value it carried, a bug in
    its op), so that its neighbours deserve a retry without it; errors of the connection or the
    server are the whole batch's."""
    if isinstance(exc, IntegrityError | DataError):
        return True
    if isinstance(exc, DBAPIError | OSError | TimeoutError):
        return False
    return not any(isinstance(e, OSError | TimeoutError) for e in _causes(exc))


def _causes(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc.__cause__ or exc.__context__
    while current is not None and current not in seen and len(seen) < 10:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _settle(batch: list[tuple[WriteOp, asyncio.Future[None]]], error: BaseException | None) -> None:
    for _, future in batch:
        if future.done():
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(None)
