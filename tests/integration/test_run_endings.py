"""Every run ends: a streaming client that goes away cancels its run (recorded, not left
`running`), and a failure that is not an AppError (the database refusing the outcome) still
ends the stream with the error envelope instead of leaving it open forever."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text, update

from app.main import create_app
from app.storage.models import ExecutionRow, utcnow
from tests.conftest import PLAIN_KEY, database_backend, open_client
from tests.integration.uvicorn_process import clean_env, start, stop

KEY = "run-endings-key"
SAMPLE = {
    "task": "sample cpu and memory",
    "agent_id": "system_monitoring",
    "context": {"duration": 6, "interval": 1},
}


def test_a_streaming_client_that_disconnects_leaves_a_cancelled_run(tmp_path: Path) -> None:
    env = clean_env(API_KEYS=f"ops:{KEY}", DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'runs.db'}")
    process, base = start(tmp_path, ["app.main:app"], env)
    try:
        headers = {"X-API-Key": KEY, "Accept": "text/event-stream"}
        execution_id = None
        with httpx.stream(
            "POST", f"{base}/api/v1/orchestrate", json=SAMPLE, headers=headers, timeout=10
        ) as stream:
            for line in stream.iter_lines():
                if line.startswith("data:") and "execution_id" in line:
                    execution_id = json.loads(line[5:])["execution_id"]
                    break  # leave while the 6-second sample is still running
        assert execution_id
        left = time.monotonic()
        status = "running"
        while status == "running" and time.monotonic() - left < 4:  # well before the sample ends
            time.sleep(0.2)
            record = httpx.get(f"{base}/api/v1/executions/{execution_id}", headers={"X-API-Key": KEY}).json()
            status = record["status"]
        assert status == "cancelled", record
        assert "caller went away" in record["error"]["message"]
        events = httpx.get(
            f"{base}/api/v1/executions/{execution_id}/events", headers={"X-API-Key": KEY}, timeout=5
        ).text
        assert events.count("event: execution_finished") == 1 and '"cancelled"' in events
    finally:
        stop(process)


@pytest.mark.skipif(database_backend() != "sqlite", reason="breaks the SQLite file it owns")
async def test_a_database_error_in_the_outcome_write_ends_the_stream_with_an_error(
    make_settings, listener: int
) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_settings(network_allow_targets=["127.0.0.0/8"]))
    async for client in open_client(app):
        async with app.state.container.database.engine.begin() as connection:
            await connection.execute(text("ALTER TABLE execution_events RENAME TO events_gone"))
        task = {"task": f"is port {listener} open on 127.0.0.1?", "context": {"checks": ["tcp"]}}
        headers = {"X-API-Key": PLAIN_KEY, "Accept": "text/event-stream"}
        response = await asyncio.wait_for(client.post("/api/v1/orchestrate", json=task, headers=headers), 20)
        assert response.status_code == 200
        assert "event: error" in response.text
        error = json.loads(response.text.split("event: error", 1)[1].split("data:", 1)[1].split("\n", 1)[0])
        assert error["error"]["code"] in ("internal_error", "service_unavailable")


async def test_a_running_orchestration_can_be_cancelled(make_settings) -> None:  # type: ignore[no-untyped-def]
    auth = {"X-API-Key": PLAIN_KEY}
    async for client in open_client(create_app(make_settings())):
        asking = asyncio.create_task(client.post("/api/v1/orchestrate", json=SAMPLE, headers=auth))
        running: list[dict[str, object]] = []
        for _ in range(100):
            page = (await client.get("/api/v1/executions?status=running", headers=auth)).json()
            running = page["executions"]
            if running:
                break
            await asyncio.sleep(0.05)
        [record] = running
        started = time.monotonic()
        accepted = await client.post(f"/api/v1/executions/{record['execution_id']}/cancel", headers=auth)
        assert accepted.status_code == 202, accepted.text
        answer = await asyncio.wait_for(asking, 5)
        assert time.monotonic() - started < 2  # well before the 6-second sample would end
        assert answer.status_code == 409 and answer.json()["error"]["code"] == "cancelled"
        after = (await client.get(f"/api/v1/executions/{record['execution_id']}", headers=auth)).json()
        assert after["status"] == "cancelled" and "cancelled on request" in after["error"]["message"]
        again = await client.post(f"/api/v1/executions/{record['execution_id']}/cancel", headers=auth)
        assert again.status_code == 409 and again.json()["error"]["code"] == "not_cancellable"


async def test_a_run_the_sweep_ended_keeps_that_ending_when_its_owner_finishes_late(make_settings) -> None:  # type: ignore[no-untyped-def]
    """The owner stalled past its lease: the orphan sweep marked the run interrupted. When the
    owner finishes after all, the stored outcome and the one terminal event stay the sweep's."""
    app = create_app(make_settings())
    auth = {"X-API-Key": PLAIN_KEY}
    short = {**SAMPLE, "context": {"duration": 2, "interval": 1}}
    async for client in open_client(app):
        container = app.state.container
        asking = asyncio.create_task(client.post("/api/v1/orchestrate", json=short, headers=auth))
        running: list[dict[str, object]] = []
        while not running:
            await asyncio.sleep(0.05)
            running = (await client.get("/api/v1/executions?status=running", headers=auth)).json()[
                "executions"
            ]
        execution_id = str(running[0]["execution_id"])
        async with container.database.sessions() as session, session.begin():
            await session.execute(
                update(ExecutionRow)
                .where(ExecutionRow.id == execution_id)
                .values(lease_expires_at=utcnow() - dt.timedelta(seconds=1))
            )
        assert await container.maintenance.interrupt_orphans() == 1
        answer = await asyncio.wait_for(asking, 10)
        assert answer.status_code == 200  # the caller still gets what the agents found
        record = (await client.get(f"/api/v1/executions/{execution_id}", headers=auth)).json()
        assert record["status"] == "interrupted"
        events = (await client.get(f"/api/v1/executions/{execution_id}/events", headers=auth)).text
        assert events.count("event: execution_finished") == 1 and '"interrupted"' in events


async def test_when_one_agent_is_refused_its_siblings_are_stopped(make_settings) -> None:  # type: ignore[no-untyped-def]
    auth = {"X-API-Key": PLAIN_KEY}
    body = {
        "task": "check 169.254.169.254 and sample cpu",
        "agents": ["network_diagnostics", "system_monitoring"],
        "context": {
            "hostname": "169.254.169.254",
            "checks": ["tcp"],
            "ports": [80],
            "duration": 8,
            "interval": 1,
        },
    }
    async for client in open_client(create_app(make_settings())):
        started = time.monotonic()
        response = await client.post("/api/v1/orchestrate", json=body, headers=auth)
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "target_not_allowed"
        assert time.monotonic() - started < 2  # not after the 8-second sample
