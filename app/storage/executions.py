"""Execution history: one row per orchestration or workflow run, written through group commit,
owned by the key that started it, leased by the process running it."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.storage.db import delete_in_batches
from app.storage.models import EventRow, ExecutionRow, UsageRow, utcnow

Status = Literal["pending", "running", "completed", "partial", "failed", "cancelled", "interrupted"]
Kind = Literal["orchestration", "workflow"]
ACTIVE = ("pending", "running")


class ExecutionRecord(BaseModel):
    execution_id: str
    kind: str
    status: Status
    owner: str | None
    request_id: str | None
    task: str | None
    workflow_id: str | None
    agents: list[str]
    input: dict[str, Any]
    routing: dict[str, Any] | None
    steps: list[Any]
    results: list[Any]
    summary: str | None
    error: dict[str, Any] | None
    warnings: list[Any]
    findings_count: int
    critical_count: int
    llm_usage: dict[str, Any]
    duration_ms: float | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: ExecutionRow) -> ExecutionRecord:
        return cls(
            execution_id=row.id,
            kind=row.kind,
            status=row.status,
            owner=row.owner,
            request_id=row.request_id,
            task=row.task,
            workflow_id=row.workflow_id,
            agents=[a for a in row.agents.split(",") if a],
            input=row.input or {},
            routing=row.routing,
            steps=row.steps or [],
            results=row.results or [],
            summary=row.summary,
            error=row.error,
            warnings=row.warnings or [],
            findings_count=row.findings_count,
            critical_count=row.critical_count,
            llm_usage={
                "input_tokens": row.input_tokens,
                "output_tokens": row.output_tokens,
                "cost_usd": row.cost_usd,
            },
            duration_ms=row.duration_ms,
            created_at=row.created_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
        )


@dataclass(frozen=True)
class ExecutionFilter:
    owner: str | None = None  # None: every owner (admins)
    status: str | None = None
    kind: str | None = None
    agent: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def encode_cursor(created_at: dt.datetime, execution_id: str) -> str:
    raw = json.dumps([created_at.isoformat(), execution_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, str]:
    """Raise ValueError for anything that is not a cursor this service made."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, execution_id = json.loads(raw)
        at = dt.datetime.fromisoformat(created)
    except (ValueError, TypeError, json.JSONDecodeError) as exc:
        raise ValueError("not a valid cursor") from exc
    if at.tzinfo is None or not isinstance(execution_id, str):
        raise ValueError("not a valid cursor")
    return at, execution_id


def agents_column(agents: list[str]) -> str:
    return "," + ",".join(agents) + "," if agents else ""


class ExecutionStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def get(self, execution_id: str) -> ExecutionRecord | None:
        async with self.sessions() as session:
            row = await session.get(ExecutionRow, execution_id)
        return ExecutionRecord.from_row(row) if row else None

    async def page(
        self, filters: ExecutionFilter, *, limit: int, cursor: str | None = None
    ) -> tuple[list[ExecutionRecord], str | None]:
        """Newest first; the cursor is the last row's (created_at, id), so rows arriving while a
        client pages never shift what it sees."""
        query = select(ExecutionRow).order_by(ExecutionRow.created_at.desc(), ExecutionRow.id.desc())
        conditions = []
        if filters.owner is not None:
            conditions.append(ExecutionRow.owner == filters.owner)
        if filters.status:
            conditions.append(ExecutionRow.status == filters.status)
        if filters.kind:
            conditions.append(ExecutionRow.kind == filters.kind)
        if filters.agent:
            conditions.append(ExecutionRow.agents.contains(f",{filters.agent},", autoescape=True))
        if filters.since:
            conditions.append(ExecutionRow.created_at >= filters.since)
        if filters.until:
            conditions.append(ExecutionRow.created_at < filters.until)
        if cursor:
            at, last_id = decode_cursor(cursor)
            conditions.append(
                or_(
                    ExecutionRow.created_at < at,
                    and_(ExecutionRow.created_at == at, ExecutionRow.id < last_id),
                )
            )
        if conditions:
            query = query.where(*conditions)
        async with self.sessions() as session:
            rows = list((await session.execute(query.limit(limit + 1))).scalars())
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1].created_at, rows[-1].id) if more and rows else None
        return [ExecutionRecord.from_row(row) for row in rows], next_cursor

    async def renew_leases(self, owner: str, ttl: float, live: Collection[str]) -> int:
        """Extend the leases of the runs this process is still working on: only `live` ones, so
        a run whose task died (a bug, a lost database write) lets its lease lapse and is swept."""
        renewed = 0
        ids = list(live)
        for start in range(0, len(ids), 500):
            async with self.sessions() as session, session.begin():
                result = await session.execute(
                    update(ExecutionRow)
                    .where(
                        ExecutionRow.id.in_(ids[start : start + 500]),
                        ExecutionRow.lease_owner == owner,
                        ExecutionRow.status.in_(ACTIVE),
                    )
                    .values(lease_expires_at=utcnow() + dt.timedelta(seconds=ttl))
                )
            renewed += int(result.rowcount or 0)  # type: ignore[attr-defined]
        return renewed

    async def expired_leases(self) -> list[str]:
        async with self.sessions() as session:
            result = await session.execute(
                select(ExecutionRow.id).where(
                    ExecutionRow.status.in_(ACTIVE), ExecutionRow.lease_expires_at < utcnow()
                )
            )
        return list(result.scalars())

    async def claim_expired_workflows(self, owner: str, ttl: float, limit: int = 50) -> list[ExecutionRow]:
        """Take over workflows whose owner's lease expired. On PostgreSQL candidates are locked
        with FOR UPDATE SKIP LOCKED, so replicas sweeping together never claim the same run; the
        conditional UPDATE makes the claim safe on SQLite too."""
        now = utcnow()
        async with self.sessions() as session, session.begin():
            query = (
                select(ExecutionRow.id)
                .where(
                    ExecutionRow.kind == "workflow",
                    ExecutionRow.status.in_(ACTIVE),
                    ExecutionRow.lease_expires_at < now,
                    ExecutionRow.definition.is_not(None),
                    ExecutionRow.cancel_requested.is_(False),
                )
                .limit(limit)
            )
            if session.bind is not None and session.bind.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            candidates = list((await session.execute(query)).scalars())
            if not candidates:
                return []
            claimed = await session.execute(
                update(ExecutionRow)
                .where(ExecutionRow.id.in_(candidates), ExecutionRow.lease_expires_at < now)
                .values(lease_owner=owner, lease_expires_at=now + dt.timedelta(seconds=ttl))
                .returning(ExecutionRow.id)
            )
            ids = list(claimed.scalars())
            rows = list(
                (await session.execute(select(ExecutionRow).where(ExecutionRow.id.in_(ids)))).scalars()
            )
        return rows

    async def cancel_requested(self, owner: str) -> list[str]:
        async with self.sessions() as session:
            result = await session.execute(
                select(ExecutionRow.id).where(
                    ExecutionRow.lease_owner == owner,
                    ExecutionRow.cancel_requested.is_(True),
                    ExecutionRow.status.in_(ACTIVE),
                )
            )
        return list(result.scalars())

    async def delete_older_than(self, cutoff: dt.datetime, batch: int = 1000) -> int:
        """Delete finished runs created before `cutoff` with their usage and events."""

        async def delete_runs(session: AsyncSession, ids: list[str]) -> None:
            await session.execute(delete(UsageRow).where(UsageRow.execution_id.in_(ids)))
            await session.execute(delete(EventRow).where(EventRow.execution_id.in_(ids)))
            await session.execute(delete(ExecutionRow).where(ExecutionRow.id.in_(ids)))

        finished = select(ExecutionRow.id).where(
            ExecutionRow.created_at < cutoff, ExecutionRow.status.not_in(ACTIVE)
        )
        return await delete_in_batches(self.sessions, finished, delete_runs, batch)

    async def usage_by_owner(self, owner: str | None = None) -> dict[str, dict[str, Any]]:
        query = select(
            UsageRow.owner,
            UsageRow.provider,
            func.count(),
            func.coalesce(func.sum(UsageRow.input_tokens), 0),
            func.coalesce(func.sum(UsageRow.output_tokens), 0),
            func.coalesce(func.sum(UsageRow.cost_usd), 0.0),
        ).group_by(UsageRow.owner, UsageRow.provider)
        if owner is not None:
            query = query.where(UsageRow.owner == owner)
        totals: dict[str, dict[str, Any]] = {}
        async with self.sessions() as session:
            for label, provider, calls, tokens_in, tokens_out, cost in await session.execute(query):
                entry = totals.setdefault(
                    label or "anonymous",
                    {"calls": 0, "input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0, "by_provider": {}},
                )
                entry["calls"] += calls
                entry["input_tokens"] += int(tokens_in)
                entry["output_tokens"] += int(tokens_out)
                entry["cost_usd"] = round(entry["cost_usd"] + float(cost), 8)
                entry["by_provider"][provider] = entry["by_provider"].get(provider, 0) + calls
        return totals
