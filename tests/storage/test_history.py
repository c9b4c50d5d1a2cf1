"""Execution history: survives restarts, belongs to its key, pages stably, keeps no secrets."""

from __future__ import annotations

import asyncio
import datetime as dt

import httpx
from sqlalchemy import select, update
from structlog.testing import capture_logs

from app.main import create_app
from app.storage.db import Database
from app.storage.models import AuditRow, EventRow, ExecutionRow, ResponseRow
from tests.conftest import HASHED_KEY, PLAIN_KEY, open_client

OPS = {"X-API-Key": PLAIN_KEY}
BOT = {"X-API-Key": HASHED_KEY}


def settings_for(make_settings, **extra):  # type: ignore[no-untyped-def]
    return make_settings(**{"network_allow_targets": ["127.0.0.0/8"], "admin_key_labels": ["bot"], **extra})


async def run(client: httpx.AsyncClient, port: int, headers: dict[str, str] = OPS, **context: object) -> str:
    response = await client.post(
        "/api/v1/orchestrate",
        json={"task": f"is port {port} open on 127.0.0.1", "context": {"checks": ["tcp"], **context}},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["execution_id"])


async def test_history_survives_a_restart(make_settings, listener: int) -> None:  # type: ignore[no-untyped-def]
    settings = settings_for(make_settings)
    async for client in open_client(create_app(settings)):
        execution_id = await run(client, listener)
    async for client in open_client(create_app(settings)):
        record = (await client.get(f"/api/v1/executions/{execution_id}", headers=OPS)).json()
    assert record["status"] == "completed" and record["kind"] == "orchestration"
    assert record["owner"] == "ops" and record["agents"] == ["network_diagnostics"]
    assert record["results"][0]["output"]["checks"]["tcp"][0]["open"] is True
    assert record["routing"]["strategy"] == "single"
    assert record["finished_at"] >= record["created_at"]


async def test_another_key_gets_404_and_admin_sees_everything(make_settings, listener: int) -> None:  # type: ignore[no-untyped-def]
    settings = settings_for(
        make_settings,
        admin_key_labels=["boss"],
        api_keys=[f"ops:{PLAIN_KEY}", f"bot:{HASHED_KEY}", "boss:boss-secret-key-1"],
    )
    async for client in open_client(create_app(settings)):
        ops_run = await run(client, listener)
        bot_run = await run(client, listener, BOT)
        assert (await client.get(f"/api/v1/executions/{ops_run}", headers=BOT)).status_code == 404
        bot_list = (await client.get("/api/v1/executions", headers=BOT)).json()["executions"]
        assert [r["execution_id"] for r in bot_list] == [bot_run]
        boss = {"X-API-Key": "boss-secret-key-1"}
        everything = (await client.get("/api/v1/executions", headers=boss)).json()["executions"]
        assert {r["execution_id"] for r in everything} == {ops_run, bot_run}
        assert (await client.get(f"/api/v1/executions/{ops_run}", headers=boss)).status_code == 200
        only_ops = (await client.get("/api/v1/executions?owner=ops", headers=boss)).json()["executions"]
        assert [r["execution_id"] for r in only_ops] == [ops_run]
        audit = (await client.get("/api/v1/audit?event=admin_read", headers=boss)).json()["entries"]
        assert any(e["details"].get("execution_id") == ops_run for e in audit)
        assert (await client.get("/api/v1/audit", headers=OPS)).status_code == 403


async def test_pagination_is_stable_while_new_rows_arrive(make_settings, listener: int) -> None:  # type: ignore[no-untyped-def]
    async for client in open_client(create_app(settings_for(make_settings))):
        first_batch = [await run(client, listener) for _ in range(5)]
        page1 = (await client.get("/api/v1/executions?limit=2", headers=OPS)).json()
        assert [r["execution_id"] for r in page1["executions"]] == first_batch[::-1][:2]
        for _ in range(3):  # newer runs arrive between pages
            await run(client, listener)
        seen = [r["execution_id"] for r in page1["executions"]]
        cursor = page1["next_cursor"]
        while cursor:
            page = (await client.get(f"/api/v1/executions?limit=2&cursor={cursor}", headers=OPS)).json()
            seen += [r["execution_id"] for r in page["executions"]]
            cursor = page["next_cursor"]
        assert seen == first_batch[::-1]
        bad = await client.get("/api/v1/executions?cursor=not-a-cursor", headers=OPS)
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_cursor"


async def test_filters_by_status_agent_and_time(make_settings, listener: int) -> None:  # type: ignore[no-untyped-def]
    async for client in open_client(create_app(settings_for(make_settings))):
        execution_id = await run(client, listener)
        refused = await client.post("/api/v1/orchestrate", json={"task": "ping 169.254.169.254"}, headers=OPS)
        assert refused.status_code == 403

        async def ids(query: str, client: httpx.AsyncClient = client) -> list[str]:
            body = (await client.get(f"/api/v1/executions?{query}", headers=OPS)).json()
            return [r["execution_id"] for r in body["executions"]]

        assert execution_id in await ids("status=completed")
        failed = await ids("status=failed")
        assert len(failed) == 1 and failed[0] != execution_id
        assert len(await ids("agent=network_diagnostics")) == 2
        assert await ids("agent=log_analysis") == []
        future = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat().replace("+00:00", "Z")
        assert await ids(f"since={future}") == []
        assert len(await ids(f"until={future}")) == 2
        record = (await client.get(f"/api/v1/executions/{failed[0]}", headers=OPS)).json()
        assert record["error"]["code"] == "target_not_allowed"


async def test_secrets_in_inputs_are_redacted_in_storage(make_settings, listener: int) -> None:  # type: ignore[no-untyped-def]
    settings = settings_for(make_settings)
    async for client in open_client(create_app(settings)):
        response = await client.post(
            "/api/v1/orchestrate",
            json={
                "task": f"is port {listener} open on 127.0.0.1? my key is {PLAIN_KEY}, Bearer abc.def.ghi",
                "context": {"checks": ["tcp"], "password": "hunter2-secret", "db": {"api_token": "tok-123456"},
                            "note": "aws_secret_access_key=AbCdEf0123456789"},
            },
            headers=OPS,
        )  # fmt: skip
        execution_id = response.json()["execution_id"]
        record = (await client.get(f"/api/v1/executions/{execution_id}", headers=OPS)).json()
    assert record["input"]["context"]["password"] == "[redacted]"
    assert record["input"]["context"]["db"]["api_token"] == "[redacted]"
    database = Database(settings.database_url)
    async with database.sessions() as session:
        row = (
            await session.execute(select(ExecutionRow).where(ExecutionRow.id == execution_id))
        ).scalar_one()
    await database.close()
    stored = f"{row.task} {row.input} {row.results} {row.summary}"
    for secret in (PLAIN_KEY, "hunter2-secret", "tok-123456", "AbCdEf0123456789", "abc.def.ghi"):
        assert secret not in stored, secret


async def test_retention_deletes_old_finished_runs_only(make_settings, listener: int) -> None:  # type: ignore[no-untyped-def]
    settings = settings_for(make_settings, execution_retention_days=1)
    app = create_app(settings)
    async for client in open_client(app):
        old, recent = await run(client, listener), await run(client, listener)
        container = app.state.container
        async with container.database.sessions() as session, session.begin():
            await session.execute(
                update(ExecutionRow).where(ExecutionRow.id == old)
                .values(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=3))
            )  # fmt: skip
        assert await container.maintenance.apply_retention() == 1
        assert (await client.get(f"/api/v1/executions/{old}", headers=OPS)).status_code == 404
        assert (await client.get(f"/api/v1/executions/{recent}", headers=OPS)).status_code == 200


async def test_responses_api_answers_expire_with_history_and_keep_no_secret(make_settings) -> None:  # type: ignore[no-untyped-def]
    settings = settings_for(make_settings, execution_retention_days=1)
    app = create_app(settings)
    async for client in open_client(app):
        ids = []
        for text in ("check our TLS certificate", "check our TLS certificate, db_password=hunter2-secret"):
            response = await client.post("/v1/responses", json={"input": text}, headers=OPS)
            assert response.status_code == 200, response.text
            ids.append(response.json()["id"])
        container = app.state.container
        async with container.database.sessions() as session, session.begin():
            stored = (await session.execute(select(ResponseRow).where(ResponseRow.id == ids[1]))).scalar_one()
            assert "hunter2" not in f"{stored.turns} {stored.body}" and "[redacted]" in str(stored.turns)
            await session.execute(
                update(ResponseRow).where(ResponseRow.id == ids[0])
                .values(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=3))
            )  # fmt: skip
        await container.maintenance.apply_retention()
        assert (await client.get(f"/v1/responses/{ids[0]}", headers=OPS)).status_code == 404
        assert (await client.get(f"/v1/responses/{ids[1]}", headers=OPS)).status_code == 200


async def test_a_short_run_is_written_once_with_everything_in_order(make_settings, listener: int) -> None:  # type: ignore[no-untyped-def]
    """A run that ends within the start's grace is one write: its row as it ended, its events
    numbered from 1 and its audit entries with `orchestration_started` first."""
    settings = settings_for(make_settings)
    app = create_app(settings)
    async for client in open_client(app):
        writer = app.state.container.writer
        before = writer.writes
        execution_id = await run(client, listener)
        assert writer.writes == before + 1
        record = (await client.get(f"/api/v1/executions/{execution_id}", headers=OPS)).json()
        assert record["status"] == "completed" and record["finished_at"] >= record["started_at"]
    database = Database(settings.database_url)
    try:
        async with database.sessions() as session:
            events = (
                await session.execute(
                    select(EventRow.seq, EventRow.type)
                    .where(EventRow.execution_id == execution_id)
                    .order_by(EventRow.id)
                )
            ).all()
            audit = (
                await session.execute(select(AuditRow.event, AuditRow.details).order_by(AuditRow.id))
            ).all()
    finally:
        await database.close()
    assert [tuple(e) for e in events] == [
        (1, "execution_started"),
        (2, "agent_finished"),
        (3, "execution_finished"),
    ]
    mine = [event for event, details in audit if details.get("execution_id") == execution_id]
    assert mine == ["orchestration_started", "orchestration_finished"]


async def test_a_run_longer_than_the_grace_is_listed_running_then_finished(
    make_settings, tcp_listener: int
) -> None:  # type: ignore[no-untyped-def]
    """Past the grace the running row is written on its own, then updated with the outcome."""
    app = create_app(settings_for(make_settings))
    async for client in open_client(app):
        writer = app.state.container.writer
        before = writer.writes
        task = asyncio.create_task(
            client.post(
                "/api/v1/orchestrate",
                json={
                    "task": f"http check of http://127.0.0.1:{tcp_listener}/",
                    "context": {"checks": ["http"]},
                    "timeout_seconds": 1.5,
                },
                headers=OPS,
            )
        )
        running: list[dict[str, object]] = []
        for _ in range(100):  # a silent server: the HTTP check waits for its timeout
            running = (await client.get("/api/v1/executions?status=running", headers=OPS)).json()[
                "executions"
            ]
            if running or task.done():
                break
            await asyncio.sleep(0.05)
        response = await task
        assert response.status_code == 200, response.text
        assert [r["execution_id"] for r in running] == [response.json()["execution_id"]]
        assert writer.writes == before + 2  # the start on its own, then the outcome
        record = (await client.get(f"/api/v1/executions/{running[0]['execution_id']}", headers=OPS)).json()
        assert record["status"] == response.json()["status"] != "running"


async def test_outcomes_of_runs_past_the_grace_commit_together(
    make_settings, listener: int, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Runs whose start was written on its own end with an UPDATE each: many in one batch are one
    executemany, never a failed batch retried write by write."""
    monkeypatch.setattr("app.orchestration.recorder.START_GRACE_SECONDS", 0.0)
    app = create_app(settings_for(make_settings))
    with capture_logs() as logs:
        async for client in open_client(app):
            writer = app.state.container.writer
            ids = await asyncio.gather(*(run(client, listener) for _ in range(30)))
            assert writer.writes >= 60  # each run's start on its own, then its outcome
            listed = (await client.get("/api/v1/executions?limit=100", headers=OPS)).json()["executions"]
            assert sorted(r["execution_id"] for r in listed) == sorted(ids)
            assert {r["status"] for r in listed} == {"completed"}
    assert not [entry for entry in logs if entry["event"] == "group_commit_batch_failed"]


async def test_concurrent_writes_share_commits(make_settings, listener: int) -> None:  # type: ignore[no-untyped-def]
    app = create_app(settings_for(make_settings))
    async for client in open_client(app):
        ids = await asyncio.gather(*(run(client, listener) for _ in range(40)))
        writer = app.state.container.writer
        assert len(set(ids)) == 40
        assert writer.writes >= 40  # a run's start and outcome, together when it ends at once
        assert writer.batches < writer.writes  # several writes per transaction under load
        listed = (await client.get("/api/v1/executions?limit=200", headers=OPS)).json()["executions"]
        assert len(listed) == 40
