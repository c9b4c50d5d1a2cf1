"""Writes an orchestration's life into storage: the running row, then its outcome with LLM usage
and audit entries, each group-committed.

When the row is written: a run's start is recorded as soon as it starts when the caller is told
its id before the end (a streamed run), and otherwise `START_GRACE_SECONDS` later, unless the run
ended first: then its row, events and audit entries go in one write with the outcome. Either
way the answer is sent only once everything about the run is durable; what a process that dies
in a run's first quarter second loses is the row of a run whose caller got no answer and no id.
Longer runs are listed as running, and found by the orphan sweep, as before."""

from __future__ import annotations

import asyncio
import datetime as dt
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import structlog
from sqlalchemy import Table, bindparam, or_, select, update
from sqlalchemy.orm import Session

from app.errors import AppError
from app.security.redaction import SecretRedactor
from app.storage.audit import AuditEvent, append_in
from app.storage.events import TERMINAL, Event, EventLog
from app.storage.executions import ACTIVE, agents_column
from app.storage.models import EventRow, ExecutionRow, UsageRow, utcnow
from app.storage.writer import GroupCommitWriter, WriteOp, WriterClosed, defer, insert_later, insert_statement

if TYPE_CHECKING:
    from app.orchestration.orchestrator import Orchestration, TaskRequest
    from app.orchestration.router import RoutingDecision


log = structlog.get_logger("app.recorder")
START_GRACE_SECONDS = 0.25


@dataclass
class _Start:
    """A run's start, not yet queued: its row, audit entries and first event's number."""

    row: dict[str, Any]
    audit: list[AuditEvent]
    seq: int
    agents: list[str]
    timer: asyncio.TimerHandle | None = None


class ExecutionRecorder:
    def __init__(
        self,
        writer: GroupCommitWriter,
        redactor: SecretRedactor,
        events: EventLog,
        *,
        instance_id: str,
        lease_seconds: float,
    ) -> None:
        self.writer = writer
        self.redactor = redactor
        self.events = events
        # Start writes still committing, with their staged events, by execution id.
        self._starting: dict[str, tuple[asyncio.Future[None], list[Event]]] = {}
        # Starts held back for a moment (see the module's docstring), by execution id.
        self._held: dict[str, _Start] = {}
        self.instance_id = instance_id
        self.lease_seconds = lease_seconds

    async def started(
        self,
        execution_id: str,
        request: TaskRequest,
        routing: RoutingDecision,
        warnings: list[str],
        *,
        hold: bool = False,
    ) -> None:
        """Record a run's start: queued now, or with `hold` (its caller learns its id only from
        the answer) `START_GRACE_SECONDS` from now unless the outcome comes first."""
        now = utcnow()
        task = self.redactor.scrub(request.task)
        row = {
            "id": execution_id,
            "kind": "orchestration",
            "status": "running",
            "owner": request.key_label,
            "request_id": request.request_id,
            "task": task,
            "agents": agents_column(routing.agents),
            "input": self.redactor.redact({"task": task, "context": dict(request.context)}),
            "routing": _routing(routing),
            "steps": [],
            "results": [],
            "warnings": list(warnings),
            "created_at": now,
            "started_at": now,
            "lease_owner": self.instance_id,
            # Renewed by this process's maintenance loop while it lives; expiry means it died.
            "lease_expires_at": now + dt.timedelta(seconds=self.lease_seconds),
        }
        [seq] = self.events.reserve(execution_id)
        start = _Start(row, _start_audit(execution_id, request, routing, warnings), seq, list(routing.agents))
        if hold:
            start.timer = asyncio.get_running_loop().call_later(
                START_GRACE_SECONDS, self._release, execution_id
            )
            self._held[execution_id] = start
        else:
            self._queue_start(execution_id, start)

    def _release(self, execution_id: str) -> None:
        start = self._held.pop(execution_id, None)
        if start is None:
            return
        try:
            self._queue_start(execution_id, start)
        except WriterClosed:  # too late to write anything: the process is stopping
            log.warning("start_not_recorded", execution_id=execution_id)

    def release_held(self) -> None:
        """Queue every start still held (before the writer closes): runs cut short by the
        shutdown are then recorded, and ended by the orphan sweep, as any other."""
        for execution_id in list(self._held):
            held = self._held[execution_id]
            if held.timer is not None:
                held.timer.cancel()
            self._release(execution_id)

    def _start_op(self, execution_id: str, start: _Start, staged: list[Event]) -> WriteOp:
        def op(session: Session) -> None:
            insert_later(session, ExecutionRow, start.row, order=0)  # before the events naming it
            staged[:] = [
                self.events.stage(
                    session, execution_id, start.seq, "execution_started", {"agents": start.agents}
                )
            ]
            append_in(session, *start.audit)

        return op

    def _queue_start(self, execution_id: str, start: _Start) -> None:
        staged: list[Event] = []
        # Queued, not awaited: the agents run while it commits. The outcome waits for it (ops
        # commit in order, so the answer is only sent once both rows are durable).
        future = self.writer.enqueue(self._start_op(execution_id, start, staged))
        self._starting[execution_id] = (future, staged)

    def abandon(self, execution_id: str) -> None:
        held = self._held.pop(execution_id, None)
        if held is not None and held.timer is not None:
            held.timer.cancel()
        self._starting.pop(execution_id, None)
        self.events.forget(execution_id)

    async def _started_committed(self, execution_id: str) -> None:
        pending = self._starting.pop(execution_id, None)
        if pending is None:
            return
        future, staged = pending
        await asyncio.shield(future)
        await self.events.publish(staged)

    async def finished(self, execution_id: str, request: TaskRequest, run: Orchestration) -> None:
        results = [self.redactor.redact(r.model_dump(mode="json")) for r in run.results]
        findings = [f for r in run.results for f in r.findings]
        usage_rows: list[dict[str, Any]] = [
            {
                "at": utcnow(),
                "owner": request.key_label,
                "execution_id": execution_id,
                "provider": r.llm.provider or "",
                "model": r.llm.model or "",
                "input_tokens": r.llm.input_tokens,
                "output_tokens": r.llm.output_tokens,
                "cost_usd": r.llm.cost_usd,
            }
            for r in run.results
            if r.llm is not None and r.llm.provider and (r.llm.input_tokens or r.llm.output_tokens)
        ]
        values: dict[str, Any] = {
            "status": run.status,
            "results": results,
            "summary": self.redactor.scrub(run.summary),
            "findings_count": len(findings),
            "critical_count": sum(1 for f in findings if f.severity == "critical"),
            "input_tokens": sum(u["input_tokens"] for u in usage_rows),
            "output_tokens": sum(u["output_tokens"] for u in usage_rows),
            "cost_usd": round(sum(u["cost_usd"] for u in usage_rows), 8),
            "duration_ms": run.duration_ms,
        }
        event = AuditEvent(
            "orchestration_finished",
            request.key_label,
            request.client_ip,
            request.request_id,
            run.status,
            {
                "execution_id": execution_id,
                "agents": run.routing.agents,
                "critical_findings": values["critical_count"],
            },
        )
        progress = [
            ("agent_finished", {"agent_id": r.agent_id, "status": r.status, "summary": r.summary})
            for r in run.results
        ]
        await self._finish(execution_id, values, usage_rows, [event], progress)

    async def failed(self, execution_id: str, request: TaskRequest, error: AppError) -> None:
        values = {"status": "failed", "error": {"code": error.code, "message": error.message}}
        name = "target_refused" if error.code == "target_not_allowed" else "orchestration_finished"
        event = AuditEvent(
            name,
            request.key_label,
            request.client_ip,
            request.request_id,
            error.code,
            {"execution_id": execution_id, "message": error.message, "details": error.details},
        )
        await self._finish(execution_id, values, [], [event], [])

    async def cancelled(self, execution_id: str, request: TaskRequest, reason: str) -> None:
        values = {"status": "cancelled", "error": {"code": "cancelled", "message": f"Cancelled: {reason}."}}
        event = AuditEvent(
            "orchestration_finished",
            request.key_label,
            request.client_ip,
            request.request_id,
            "cancelled",
            {"execution_id": execution_id, "reason": reason},
        )
        try:
            await self._finish(execution_id, values, [], [event], [])
        except Exception as exc:  # the lease lapses and the orphan sweep ends it instead
            log.warning("cancel_record_failed", execution_id=execution_id, error=type(exc).__name__)
            self.abandon(execution_id)

    async def _finish(
        self,
        execution_id: str,
        values: dict[str, Any],
        usage: list[dict[str, Any]],
        events: list[AuditEvent],
        progress: list[tuple[str, dict[str, Any]]],
    ) -> None:
        held = self._held.pop(execution_id, None)
        if held is None:
            await self._started_committed(execution_id)
        elif held.timer is not None:
            held.timer.cancel()
        row = {
            "id": execution_id,
            **values,
            "finished_at": utcnow(),
            "lease_owner": None,
            "lease_expires_at": None,
        }

        kinds = [*progress, (TERMINAL, {"status": values["status"]})]
        seqs = self.events.reserve(execution_id, len(kinds), final=True)
        prepared = [
            self.events.prepare(execution_id, seq, kind, data)
            for seq, (kind, data) in zip(seqs, kinds, strict=True)
        ]
        if held is not None:
            await self._write_whole(held, row, usage, events, prepared)
            return
        written: list[bool] = []

        def op(session: Session) -> None:
            defer(session, "execution_outcomes", _update_outcomes, Outcome(row, prepared, written), order=1)
            for usage_row in usage:
                insert_later(session, UsageRow, usage_row)
            append_in(session, *events)

        await self.writer.submit(op)
        if written and written[0]:
            await self.events.publish(prepared)
        else:  # the orphan sweep ended it first (this process stalled past its lease)
            log.warning("outcome_dropped", execution_id=execution_id, status=values["status"])

    async def _write_whole(
        self,
        start: _Start,
        outcome: dict[str, Any],
        usage: list[dict[str, Any]],
        events: list[AuditEvent],
        prepared: list[dict[str, Any]],
    ) -> None:
        """A run that ended before its start was written: its row as it ended, every event and
        audit entry, in one write (no row existed, so no orphan sweep can have ended it)."""
        execution_id = start.row["id"]
        first = self.events.prepare(execution_id, start.seq, "execution_started", {"agents": start.agents})
        first["at"] = start.row["started_at"]  # when it happened, before the events after it
        rows = [first, *prepared]
        final = {**start.row, **outcome}

        def op(session: Session) -> None:
            insert_later(session, ExecutionRow, final, order=0)
            for event in rows:
                insert_later(session, EventRow, event)
            for usage_row in usage:
                insert_later(session, UsageRow, usage_row)
            append_in(session, *start.audit, *events)

        try:
            await self.writer.submit(op)
        except Exception:
            # The outcome could not be written (a value the database refused, the database
            # gone): the start on its own still records the run and its audit entries, and the
            # orphan sweep ends it, as when a start was written first.
            with suppress(Exception):
                await self.writer.submit(self._start_op(execution_id, start, []))
            raise
        await self.events.publish(rows)


@dataclass(frozen=True)
class Outcome:
    """A run's final values and events, written only while the run is still active."""

    row: dict[str, Any]
    events: list[dict[str, Any]]
    written: list[bool]  # the write appends True (applied) or False (the run had already ended)


def _update_outcomes(session: Session, items: list[object]) -> None:
    """Every outcome of a batch: the runs still active (locked against a concurrent orphan sweep
    on PostgreSQL) get one Core executemany UPDATE per shape of row (a failure sets `error`, a
    success `results`) and their final events; a run the sweep already ended gets neither, so it
    never has two terminal states or two terminal events."""
    outcomes = [item for item in items if isinstance(item, Outcome)]
    ids = [o.row["id"] for o in outcomes]
    query = _ACTIVE_LOCKED if session.get_bind().dialect.name == "postgresql" else _ACTIVE
    active = set(session.execute(query, {"ids": ids}).scalars())
    by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    events: list[dict[str, Any]] = []
    for outcome in outcomes:
        live = outcome.row["id"] in active
        outcome.written[:] = [live]  # a batch retried op by op decides again
        if not live:
            continue
        values = {key: value for key, value in outcome.row.items() if key != "id"}
        values["row_id"] = outcome.row["id"]
        by_shape.setdefault(tuple(sorted(values)), []).append(values)
        events.extend(outcome.events)
    for group in by_shape.values():
        session.execute(_GUARDED_UPDATE, group)
    if events:
        session.execute(insert_statement(cast(Table, EventRow.__table__)), events)


# Core statements built once (each batch only binds its values).
_EXECUTIONS = cast(Table, ExecutionRow.__table__)
_ACTIVE = select(_EXECUTIONS.c.id).where(
    _EXECUTIONS.c.id.in_(bindparam("ids", expanding=True)), _EXECUTIONS.c.status.in_(ACTIVE)
)
_ACTIVE_LOCKED = _ACTIVE.with_for_update()
# One executemany for many outcomes: an IN list would be an expanding parameter, which
# executemany refuses (every batch of two or more outcomes failed, then went one by one).
_GUARDED_UPDATE = update(_EXECUTIONS).where(
    _EXECUTIONS.c.id == bindparam("row_id"), or_(*(_EXECUTIONS.c.status == status for status in ACTIVE))
)


def _routing(decision: RoutingDecision) -> dict[str, Any]:
    return {
        "agents": decision.agents,
        "strategy": decision.strategy,
        "confidence": decision.confidence,
        "reason": decision.reason,
        "scores": decision.scores,
    }


def _start_audit(
    execution_id: str, request: TaskRequest, routing: RoutingDecision, warnings: list[str]
) -> list[AuditEvent]:
    """The audit rows of a run's start: who started what, and any prompt injection flagged."""
    who = (request.key_label, request.client_ip, request.request_id)
    events = [
        AuditEvent(
            "orchestration_started", *who, "running", {"execution_id": execution_id, "agents": routing.agents}
        )
    ]
    if warnings:
        events.append(
            AuditEvent(
                "prompt_injection_flagged",
                *who,
                "flagged",
                {"execution_id": execution_id, "warnings": warnings},
            )
        )
    return events
