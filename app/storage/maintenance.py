"""Background upkeep, off the request path: renew this process's leases, mark runs whose owner
died as interrupted, and delete history past its retention."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Collection
from contextlib import suppress
from typing import Protocol

import structlog
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.storage.audit import AuditEvent, append_in
from app.storage.events import TERMINAL, Event, EventLog
from app.storage.executions import ACTIVE, ExecutionStore
from app.storage.models import ExecutionRow, utcnow
from app.storage.responses import ResponseStore
from app.storage.writer import GroupCommitWriter

CLAIM_BATCH = 50
log = structlog.get_logger("app.storage.maintenance")


class Resumer(Protocol):
    """The workflow executor, as seen by upkeep."""

    async def resume(self, rows: list[ExecutionRow]) -> list[str]: ...

    async def cancel_requested(self, execution_ids: list[str]) -> None: ...


RETENTION_EVERY_SECONDS = 3600.0


class Maintenance:
    """One loop on one timer doing this process's upkeep: renew the leases of the runs it works on,
    take over (resume or mark interrupted) the runs of processes whose leases expired, and delete
    history past its retention."""

    def __init__(
        self,
        store: ExecutionStore,
        writer: GroupCommitWriter,
        *,
        instance_id: str,
        lease_seconds: float,
        retention_days: float,
        events: EventLog,
        resumer: Resumer | None = None,
        live: Callable[[], Collection[str]] = frozenset,
        responses: ResponseStore | None = None,
    ) -> None:
        self.store = store
        self.responses = responses
        self.writer = writer
        self.instance_id = instance_id
        self.lease_seconds = lease_seconds
        self.retention = dt.timedelta(days=retention_days)
        self.events = events
        self.resumer = resumer
        self.live = live  # the runs this process is working on: only their leases are renewed
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="storage-maintenance")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        last_retention = 0.0
        loop = asyncio.get_running_loop()
        while True:
            try:
                await self.store.renew_leases(self.instance_id, self.lease_seconds, self.live())
                await self.interrupt_orphans()
                if self.resumer is not None:
                    await self.resumer.cancel_requested(await self.store.cancel_requested(self.instance_id))
                if loop.time() - last_retention >= RETENTION_EVERY_SECONDS:
                    await self.apply_retention()
                    last_retention = loop.time()
            except Exception as exc:  # upkeep must outlive a database hiccup
                log.warning("maintenance_failed", error=type(exc).__name__, detail=str(exc)[:200])
            await asyncio.sleep(max(0.5, self.lease_seconds / 3))

    async def interrupt_orphans(self) -> int:
        """Runs still active whose lease expired belong to a process that died. Workflows are
        claimed and resumed from their last completed step (when a resumer is set); the rest
        are marked interrupted, with a terminal event for their subscribers."""
        orphans = await self.store.expired_leases()
        if not orphans:
            return 0
        resumed = await self._resume_workflows(self.resumer) if self.resumer is not None else set()
        to_interrupt = [i for i in orphans if i not in resumed]
        if not to_interrupt:
            return 0
        staged: list[Event] = []
        # Runs this process numbers (its own, if their lease lapsed while it stalled) take their
        # next number here, on the loop; the others continue from what is stored.
        local = {i: self.events.reserve(i)[0] for i in to_interrupt if self.events.numbering(i)}

        def op(session: Session) -> None:
            now = utcnow()
            result = session.execute(
                update(ExecutionRow)
                .where(
                    ExecutionRow.id.in_(to_interrupt),
                    ExecutionRow.status.in_(ACTIVE),
                    ExecutionRow.lease_expires_at < now,
                )
                .values(
                    status="interrupted",
                    finished_at=now,
                    lease_owner=None,
                    lease_expires_at=None,
                    error={
                        "code": "interrupted",
                        "message": "the process running it stopped before it finished",
                    },
                )
                .returning(ExecutionRow.id)
            )
            done = list(result.scalars())
            staged[:] = [
                self.events.stage(session, i, local[i], TERMINAL, {"status": "interrupted"})
                if i in local
                else self.events.stage_next(session, i, TERMINAL, {"status": "interrupted"})
                for i in done
            ]
            if done:
                append_in(
                    session,
                    *[
                        AuditEvent("run_interrupted", None, None, None, "interrupted", {"execution_id": i})
                        for i in done
                    ],
                )

        await self.writer.submit(op)
        await self.events.publish(staged)
        log.warning("runs_interrupted", count=len(staged))
        return len(staged)

    async def _resume_workflows(self, resumer: Resumer) -> set[str]:
        """Claim and resume every claimable workflow, a batch at a time (none is marked
        interrupted because more than one batch of them expired at once); their ids."""
        claimed_ids: set[str] = set()
        while True:
            claimed = await self.store.claim_expired_workflows(
                self.instance_id, self.lease_seconds, CLAIM_BATCH
            )
            if claimed:
                await resumer.resume(claimed)
                log.warning("runs_resumed", count=len(claimed))
            claimed_ids.update(row.id for row in claimed)
            if len(claimed) < CLAIM_BATCH:
                return claimed_ids

    async def apply_retention(self) -> int:
        """Delete finished runs, and the Responses API's stored answers, past the retention."""
        cutoff = utcnow() - self.retention
        deleted = await self.store.delete_older_than(cutoff)
        answers = await self.responses.delete_older_than(cutoff) if self.responses else 0
        if deleted or answers:
            log.info("retention_applied", deleted=deleted, responses=answers)
        return deleted
