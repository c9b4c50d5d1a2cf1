"""The group-commit writer: a failing write does not take its batch neighbours down with it,
and a retried write keeps the event numbers it was given."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.bus.memory import MemoryBus
from app.storage import migrate
from app.storage.db import Database
from app.storage.events import TERMINAL, EventLog
from app.storage.models import EventRow
from app.storage.writer import GroupCommitWriter


class Boom(RuntimeError):
    pass


async def test_retried_write_keeps_its_event_numbers(test_database_url: str) -> None:
    database = Database(test_database_url)
    await migrate.upgrade(database.engine)
    writer = GroupCommitWriter(database)
    events = EventLog(writer, database.sessions, MemoryBus())
    writer.start()
    try:
        await events.emit("run-1", "execution_started", {})
        [seq] = events.reserve("run-1", final=True)
        staged: list[EventRow] = []

        def finish(session: Session) -> None:
            staged[:] = [events.stage(session, "run-1", seq, TERMINAL, {"status": "completed"})]

        def bad(_: Session) -> None:
            raise Boom("a neighbour's write fails")

        # Both queued before the writer runs again: one batch, deterministically.
        finishing, failing = writer.enqueue(finish), writer.enqueue(bad)
        batches = writer.batches
        with pytest.raises(Boom):
            await failing
        await finishing  # retried on its own after the batch failed, with the same number
        assert writer.batches == batches + 1  # the batch failed; the retried write committed alone
        replayed = await events.replay("run-1")
        assert [(e["seq"], e["type"]) for e in replayed] == [(1, "execution_started"), (2, TERMINAL)]
        assert not events.numbering("run-1")  # the terminal event ended the run's numbering
    finally:
        await writer.close()
        await database.close()


async def test_a_database_failure_fails_the_whole_batch_at_once(test_database_url: str) -> None:
    """An error of the database (here a table that is not there), not of one write, is not
    retried write by write: every write of the batch gets it at once."""
    database = Database(test_database_url)
    await migrate.upgrade(database.engine)
    writer = GroupCommitWriter(database)
    writer.start()
    attempts: list[int] = []
    try:

        def broken(session: Session) -> None:
            attempts.append(1)
            session.execute(text("SELECT * FROM no_such_table"))

        futures = [writer.enqueue(broken) for _ in range(5)]
        results = await asyncio.gather(*futures, return_exceptions=True)
        assert all(isinstance(r, DBAPIError) for r in results)
        assert len(attempts) == 1  # the batch stopped at the first; none was retried on its own
    finally:
        await writer.close()
        await database.close()


async def test_closing_the_database_twice_is_harmless(test_database_url: str) -> None:
    database = Database(test_database_url)
    await migrate.upgrade(database.engine)
    await database.close()
    await database.close()
