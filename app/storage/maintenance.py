"""Background upkeep, off the request path: renew this process's leases, mark runs whose owner
died as interrupted, and delete history past its retention."""

from __future__ import annotations

import asyncio
import datetime as dt
from contextlib import suppress

import structlog
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.storage.audit import AuditEvent, append_in
from app.storage.executions import ACTIVE, ExecutionStore
from app.storage.models import ExecutionRow, utcnow
from app.storage.writer import GroupCommitWriter

log = structlog.get_logger("app.storage.maintenance")
RETENTION_EVERY_SECONDS = 3600.0


class Maintenance:
    def __init__(
        self,
        store: ExecutionStore,
        writer: GroupCommitWriter,
        *,
        instance_id: str,
        lease_seconds: float,
        retention_days: float,
    ) -> None:
        self.store = store
        self.writer = writer
        self.instance_id = instance_id
        self.lease_seconds = lease_seconds
        self.retention = dt.timedelta(days=retention_days)
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
                await self.store.renew_leases(self.instance_id, self.lease_seconds)
                await self.interrupt_orphans()
                if loop.time() - last_retention >= RETENTION_EVERY_SECONDS:
                    await self.apply_retention()
                    last_retention = loop.time()
            except Exception as exc:  # upkeep must outlive a database hiccup
                log.warning("maintenance_failed", error=type(exc).__name__, detail=str(exc)[:200])
            await asyncio.sleep(max(0.5, self.lease_seconds / 3))

    async def interrupt_orphans(self) -> int:
        """Runs still `running` whose lease expired belong to a process that died: mark them."""
        orphans = await self.store.expired_leases()
        if not orphans:
            return 0

        async def op(session: AsyncSession) -> None:
            now = utcnow()
            result = await session.execute(
                update(ExecutionRow)
                .where(
                    ExecutionRow.id.in_(orphans),
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
            )
            if result.rowcount:  # type: ignore[attr-defined]
                await append_in(
                    session,
                    *[
                        AuditEvent("run_interrupted", None, None, None, "interrupted", {"execution_id": i})
                        for i in orphans
                    ],
                )

        await self.writer.submit(op)
        log.warning("runs_interrupted", count=len(orphans))
        return len(orphans)

    async def apply_retention(self) -> int:
        deleted = await self.store.delete_older_than(utcnow() - self.retention)
        if deleted:
            log.info("retention_applied", deleted=deleted)
        return deleted
