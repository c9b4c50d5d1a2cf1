"""The append-only audit log. Each entry carries the SHA-256 of the previous entry's hash and its
own content, so editing, deleting or reordering any row breaks the chain where it happened."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, cast

import structlog
from sqlalchemy import Table, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from app.storage.models import AuditRow, utcnow
from app.storage.writer import GroupCommitWriter, insert_later

log = structlog.get_logger("app.audit")
GENESIS = "0" * 64
_AUDIT_LOCK = 7_433_002  # serialises appends across replicas on PostgreSQL
_AUDIT = cast(Table, AuditRow.__table__)
_HEAD = select(_AUDIT.c.hash).order_by(_AUDIT.c.id.desc()).limit(1)  # Core, built once: read per batch


@dataclass(frozen=True)
class AuditEvent:
    event: str
    actor: str | None = None
    client_ip: str | None = None
    request_id: str | None = None
    outcome: str | None = None
    details: dict[str, Any] | None = None


def entry_hash(prev_hash: str, at: dt.datetime, event: AuditEvent | AuditRow) -> str:
    content = {
        "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "event": event.event,
        "actor": event.actor,
        "client_ip": event.client_ip,
        "request_id": event.request_id,
        "outcome": event.outcome,
        "details": event.details or {},
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


def append_in(session: Session, *events: AuditEvent) -> None:
    """Append to the chain inside an open transaction (other writes' transactions included).

    The chain head is read once per transaction and kept in `session.info`; the batch's rows are
    inserted in chain order by one executemany at its end, so ids follow the chain."""
    if not events:
        return
    prev = session.info.get("audit_head")
    if prev is None:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _AUDIT_LOCK})
        with session.no_autoflush:
            last = session.execute(_HEAD).scalar()
        prev = last or GENESIS
    for event in events:
        at = utcnow()
        digest = entry_hash(prev, at, event)
        row = {
            "event": event.event,
            "actor": event.actor,
            "client_ip": event.client_ip,
            "request_id": event.request_id,
            "outcome": event.outcome,
            "details": event.details or {},  # not deep-copied: nothing changes it after it is queued
            "at": at,
            "prev_hash": prev,
            "hash": digest,
        }
        insert_later(session, AuditRow, row)
        prev = digest
    session.info["audit_head"] = prev


class AuditLog:
    def __init__(self, writer: GroupCommitWriter, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.writer = writer
        self.sessions = sessions

    async def record(self, *events: AuditEvent) -> None:
        """Append and wait until the entries are durable."""

        def op(session: Session) -> None:
            append_in(session, *events)

        await self.writer.submit(op)

    async def record_or_log(self, *events: AuditEvent) -> None:
        """For events on a request that must answer anyway (401, 429): a failed write is logged,
        never turned into a 500."""
        try:
            await self.record(*events)
        except Exception as exc:
            log.error("audit_write_failed", events=[e.event for e in events], error=type(exc).__name__)

    async def page(self, *, before_id: int | None, limit: int, event: str | None = None) -> list[AuditRow]:
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if before_id is not None:
            query = query.where(AuditRow.id < before_id)
        if event:
            query = query.where(AuditRow.event == event)
        async with self.sessions() as session:
            return list((await session.execute(query)).scalars())


@dataclass
class _Window:
    started: float
    first: AuditEvent
    more: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    last_request_id: str | None = None


class RepeatedEvents:
    """Audit rows for events that arrive in floods (failed keys, throttled callers): the first of
    each kind per actor and address in a window is written at once; the rest are counted and
    written as one row (outcome `repeated`, details `count`) when the window closes. A key
    guesser cannot make the service write a row per request."""

    def __init__(
        self,
        audit: AuditLog,
        *,
        window_seconds: float = 60.0,
        max_open: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.audit = audit
        self.window = window_seconds
        self.max_open = max_open
        self.clock = clock
        self._open: dict[tuple[str, str | None, str | None], _Window] = {}

    async def record(self, event: AuditEvent) -> None:
        key = (event.event, event.actor, event.client_ip)
        now = self.clock()
        window = self._open.get(key)
        if window is not None and now - window.started < self.window:
            window.more += 1
            outcome = event.outcome or ""
            window.outcomes[outcome] = window.outcomes.get(outcome, 0) + 1
            window.last_request_id = event.request_id
            return
        closed = self._close(now)  # this key's window, if any, is past its time too
        self._open[key] = _Window(started=now, first=event)
        await self.audit.record_or_log(*closed, event)

    async def flush(self, *, everything: bool = False) -> int:
        """Write the tallies of closed windows (all of them at shutdown); how many rows."""
        closed = self._close(float("inf") if everything else self.clock())
        if closed:
            await self.audit.record_or_log(*closed)
        return len(closed)

    def _close(self, now: float) -> list[AuditEvent]:
        ended = [key for key, window in self._open.items() if now - window.started >= self.window]
        while len(self._open) - len(ended) >= self.max_open:  # bounded memory: oldest first
            ended.append(next(key for key in self._open if key not in ended))
        summaries = []
        for key in ended:
            window = self._open.pop(key)
            if window.more:
                summaries.append(
                    AuditEvent(
                        window.first.event,
                        window.first.actor,
                        window.first.client_ip,
                        window.last_request_id,
                        "repeated",
                        {
                            "count": window.more,
                            "window_seconds": self.window,
                            "outcomes": window.outcomes,
                            **(window.first.details or {}),
                        },
                    )
                )
        return summaries


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int
    first_bad_id: int | None = None
    problem: str | None = None


async def verify_chain(sessions: async_sessionmaker[AsyncSession], batch: int = 1000) -> ChainReport:
    """Walk the log in order, recomputing every hash."""
    prev = GENESIS
    count = 0
    async for row in _rows(sessions, batch):
        count += 1
        if row.prev_hash != prev:
            return ChainReport(False, count, row.id, "prev_hash does not match the previous entry")
        if entry_hash(prev, row.at, row) != row.hash:
            return ChainReport(False, count, row.id, "content does not match its hash (edited)")
        prev = row.hash
    return ChainReport(True, count)


async def _rows(sessions: async_sessionmaker[AsyncSession], batch: int) -> AsyncIterator[AuditRow]:
    last_id = 0
    while True:
        async with sessions() as session:
            rows = list(
                (
                    await session.execute(
                        select(AuditRow).where(AuditRow.id > last_id).order_by(AuditRow.id).limit(batch)
                    )
                ).scalars()
            )
        if not rows:
            return
        for row in rows:
            yield row
        last_id = rows[-1].id
