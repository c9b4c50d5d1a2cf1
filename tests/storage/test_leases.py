"""Leases are renewed only for runs a live task is working on: a run whose task died lets its
lease lapse, so the orphan sweep ends or resumes it instead of it staying `running` forever."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.main import create_app
from app.storage.maintenance import CLAIM_BATCH
from app.storage.models import ExecutionRow, utcnow
from tests.conftest import open_client


async def test_only_live_runs_have_their_leases_renewed(make_settings) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_settings())
    async for _ in open_client(app):
        container = app.state.container
        soon = utcnow() + dt.timedelta(seconds=5)
        async with container.database.sessions() as session, session.begin():
            for run_id in ("alive", "dead", "elsewhere"):
                session.add(
                    ExecutionRow(
                        id=run_id, kind="workflow", status="running", created_at=utcnow(),
                        lease_owner="other" if run_id == "elsewhere" else "me", lease_expires_at=soon,
                    )
                )  # fmt: skip
        renewed = await container.executions.renew_leases("me", 600, ["alive", "elsewhere", "absent"])
        assert renewed == 1
        async with container.database.sessions() as session:
            leases = dict(
                (await session.execute(select(ExecutionRow.id, ExecutionRow.lease_expires_at))).all()
            )
        assert leases["alive"] > soon + dt.timedelta(seconds=500)
        assert leases["dead"] == soon and leases["elsewhere"] == soon
        assert await container.executions.renew_leases("me", 600, []) == 0


async def test_a_sweep_resumes_every_expired_workflow_however_many(make_settings) -> None:  # type: ignore[no-untyped-def]
    """More than one claim batch expired at once (a replica with many runs died): every one is
    resumed, none is marked interrupted for want of room in the batch."""
    app = create_app(make_settings())
    definition = {
        "id": "quick",
        "steps": [{"id": "read", "agent": "log_analysis", "input": {"logs": "2024-05-01 12:00:00 INFO ok"}}],
    }
    async for _ in open_client(app):
        container = app.state.container
        expired = utcnow() - dt.timedelta(seconds=5)
        ids = [f"orphan-{n:03d}" for n in range(CLAIM_BATCH * 2 + 5)]
        async with container.database.sessions() as session, session.begin():
            for run_id in ids:
                session.add(
                    ExecutionRow(
                        id=run_id, kind="workflow", status="running", created_at=utcnow(), workflow_id="quick",
                        definition=definition, steps=[], lease_owner="a-dead-replica", lease_expires_at=expired,
                    )
                )  # fmt: skip
        assert await container.maintenance.interrupt_orphans() == 0
        for run_id in ids:
            await container.workflows.wait(run_id)
        async with container.database.sessions() as session:
            statuses = dict((await session.execute(select(ExecutionRow.id, ExecutionRow.status))).all())
        assert {statuses[i] for i in ids} == {"completed"}
