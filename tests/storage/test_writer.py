"""The group-commit writer: a failing write does not take its batch neighbours down with it,
and a retried write keeps the event numbers it was given."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy.orm import Session

from app.bus.memory import MemoryBus
from app.storage import migrate
from app.storage.db import Database
from app.storage.events import TERMINAL, EventLog
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

        def slow(_: Session) -> None:
            time.sleep(0.2)  # holds the writer so the next two writes share one batch

        def bad(_: Session) -> None:
            raise Boom("a neighbour's write fails")

        busy = writer.enqueue(slow)
        await asyncio.sleep(0.05)
        finishing = asyncio.create_task(events.emit("run-1", TERMINAL, {"status": "completed"}))
        await asyncio.sleep(0)  # its write is queued; `bad` goes after it, in the same batch
        failing = writer.enqueue(bad)
        await busy
        with pytest.raises(Boom):
            await failing
        await finishing  # retried on its own after the batch failed, with the same number
        assert writer.batches >= 3
        replayed = await events.replay("run-1")
        assert [(e["seq"], e["type"]) for e in replayed] == [(1, "execution_started"), (2, TERMINAL)]
        assert not events.numbering("run-1")  # the terminal event ended the run's numbering
    finally:
        await writer.close()
        await database.close()


async def test_closing_the_database_twice_is_harmless(test_database_url: str) -> None:
    database = Database(test_database_url)
    await migrate.upgrade(database.engine)
    await database.close()
    await database.close()
