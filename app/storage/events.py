"""Run progress events: written durably in order (per-run sequence numbers), then published on
the bus, so live subscribers get them at once and late ones replay them from the database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from app.bus.base import MessageBus
from app.security.redaction import SecretRedactor
from app.storage.models import EventRow, utcnow
from app.storage.writer import GroupCommitWriter, insert_later

log = structlog.get_logger("app.events")
TERMINAL = "execution_finished"


def topic(execution_id: str) -> str:
    return f"run:{execution_id}"


# An event as written: the row's values (execution_id, seq, at, type, data), published as they are
# once committed instead of being turned into ORM objects first.
Event = dict[str, Any]


def event_message(row: EventRow | Event) -> dict[str, Any]:
    if isinstance(row, dict):
        return {**row, "at": row["at"].isoformat()}
    return {
        "execution_id": row.execution_id,
        "seq": row.seq,
        "type": row.type,
        "at": row.at.isoformat(),
        "data": row.data,
    }


def _values(execution_id: str, seq: int, kind: str, data: dict[str, Any]) -> Event:
    return {"execution_id": execution_id, "seq": seq, "at": utcnow(), "type": kind, "data": data}


def _staged(session: Session, execution_id: str, seq: int, kind: str, data: dict[str, Any]) -> Event:
    values = _values(execution_id, seq, kind, data)
    insert_later(session, EventRow, values)
    return values  # what `publish` sends once committed


class EventLog:
    def __init__(
        self,
        writer: GroupCommitWriter,
        sessions: async_sessionmaker[AsyncSession],
        bus: MessageBus,
        redactor: SecretRedactor | None = None,
    ) -> None:
        self.writer = writer
        # Events are stored, published to other replicas and streamed: summaries in them can
        # quote pasted material, so they are scrubbed like every stored record.
        self.redactor = redactor or SecretRedactor()
        self.sessions = sessions
        self.bus = bus
        self._next: dict[str, int] = {}

    async def prime(self, execution_id: str) -> None:
        """Continue a run's numbering after a restart (its events so far are in the database)."""
        async with self.sessions() as session:
            last = (
                await session.execute(
                    select(func.max(EventRow.seq)).where(EventRow.execution_id == execution_id)
                )
            ).scalar()
        self._next[execution_id] = int(last or 0) + 1

    def reserve(self, execution_id: str, count: int = 1, *, final: bool = False) -> list[int]:
        """Sequence numbers for `count` events about to be written. Taken on the event loop when
        the write is queued, never inside it: a write retried after a neighbour in its batch
        failed reuses its numbers. `final` (the run's terminal event) ends the run's numbering."""
        start = self._next.get(execution_id, 1)
        if final:
            self._next.pop(execution_id, None)
        else:
            self._next[execution_id] = start + count
        return list(range(start, start + count))

    def numbering(self, execution_id: str) -> bool:
        """Whether this process numbers the run's events (it runs it, or resumed it)."""
        return execution_id in self._next

    def forget(self, execution_id: str) -> None:
        self._next.pop(execution_id, None)

    def prepare(self, execution_id: str, seq: int, kind: str, data: dict[str, Any]) -> Event:
        """An event's row, for a write that inserts it only if a condition holds (the run's
        outcome is still unwritten); the same values are what to publish if it was."""
        return _values(execution_id, seq, kind, self.redactor.redact(data))

    def stage(self, session: Session, execution_id: str, seq: int, kind: str, data: dict[str, Any]) -> Event:
        """Add an event, numbered by `reserve`, to a write that is being committed anyway;
        publish it after the commit."""
        return _staged(session, execution_id, seq, kind, self.redactor.redact(data))

    def stage_next(self, session: Session, execution_id: str, kind: str, data: dict[str, Any]) -> Event:
        """Stage an event for a run this process is not numbering (another process ran it):
        the next number after the last one stored."""
        last = session.execute(
            select(func.max(EventRow.seq)).where(EventRow.execution_id == execution_id)
        ).scalar()
        return _staged(session, execution_id, int(last or 0) + 1, kind, self.redactor.redact(data))

    async def write(
        self,
        execution_id: str,
        kind: str,
        data: dict[str, Any],
        work: Callable[[Session], bool | None] | None = None,
    ) -> list[Event]:
        """The one way to record an event with the write it belongs to: its number is reserved
        now, on the loop (a retried write keeps it); `work` runs in the same transaction and may
        return False to drop the event (the run is no longer this process's to tell about); once
        committed, the event is published. A terminal event ends the run's numbering."""
        [seq] = self.reserve(execution_id, final=kind == TERMINAL)
        rows: list[Event] = []

        def op(session: Session) -> None:
            if work is not None and work(session) is False:
                return
            rows[:] = [self.stage(session, execution_id, seq, kind, data)]

        await self.writer.submit(op)
        await self.publish(rows)
        return rows

    async def emit(self, execution_id: str, kind: str, data: dict[str, Any]) -> None:
        await self.write(execution_id, kind, data)

    async def publish(self, rows: list[Event]) -> None:
        for row in rows:
            try:
                await self.bus.publish(topic(row["execution_id"]), event_message(row))
            except Exception as exc:  # subscribers fall back to replaying from the database
                log.warning(
                    "event_publish_failed", error=type(exc).__name__, execution_id=row["execution_id"]
                )

    async def replay(self, execution_id: str, after: int = 0) -> list[dict[str, Any]]:
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(EventRow)
                    .where(EventRow.execution_id == execution_id, EventRow.seq > after)
                    .order_by(EventRow.seq)
                )
            ).scalars()
            return [event_message(row) for row in rows]
