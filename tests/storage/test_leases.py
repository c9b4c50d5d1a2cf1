"""Leases are renewed only for runs a live task is working on: a run whose task died lets its
lease lapse, so the orphan sweep ends or resumes it instead of it staying `running` forever."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.main import create_app
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
