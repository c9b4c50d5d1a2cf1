"""Faults mid-load: PostgreSQL or Redis gone (through a proxy the test controls), an LLM that
hangs. The service degrades as documented, fails fast with 503 in the error envelope, recovers
by itself, and loses or duplicates no execution record."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.main import create_app
from app.storage import migrate
from app.storage.db import Database
from app.storage.models import ExecutionRow
from app.storage.writer import GroupCommitWriter
from tests.conftest import PLAIN_KEY, open_client, reset_postgres
from tests.llm.standins import Script, bedrock_app, serve
from tests.reliability.tcp_proxy import TcpProxy

AUTH = {"X-API-Key": PLAIN_KEY}


def via(url: str, port: int) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host))


async def burst(client: httpx.AsyncClient, port: int, count: int) -> list[httpx.Response]:
    body = {"task": f"is port {port} open on 127.0.0.1", "context": {"checks": ["tcp"]}}
    return list(
        await asyncio.gather(
            *(client.post("/api/v1/orchestrate", json=body, headers=AUTH) for _ in range(count))
        )
    )


@pytest.mark.postgres
async def test_postgres_outage_fails_fast_with_503_and_recovers(
    make_settings, database_url: str, listener: int
) -> None:  # type: ignore[no-untyped-def]
    reset_postgres(database_url)
    target = urlsplit(database_url)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 5432)
    await proxy.up()
    settings = make_settings(database_url=via(database_url, proxy.port), network_allow_targets=["127.0.0.0/8"],
                             health_check_timeout_seconds=1.0)  # fmt: skip
    app = create_app(settings)
    async for client in open_client(app):
        before = await burst(client, listener, 10)
        assert {r.status_code for r in before} == {200}
        await proxy.down()
        started = time.perf_counter()
        during = await burst(client, listener, 10)
        assert time.perf_counter() - started < 8
        assert {r.status_code for r in during} == {503}
        assert {r.json()["error"]["code"] for r in during} == {"database_unavailable"}
        assert "retry-after" in during[0].headers
        assert (await client.get("/api/v1/health/ready")).status_code == 503
        await proxy.up()
        deadline = time.monotonic() + 10
        while (await client.get("/api/v1/health/ready")).status_code != 200 and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        after = await burst(client, listener, 10)
        assert {r.status_code for r in after} == {200}
        ids = [r.json()["execution_id"] for r in before + after]
        async with app.state.container.database.sessions() as session:
            stored = (await session.execute(select(ExecutionRow.id, ExecutionRow.status))).all()
            count = (await session.execute(select(func.count()).select_from(ExecutionRow))).scalar()
    await proxy.down()
    assert sorted(i for i, _ in stored) == sorted(ids)  # nothing lost, nothing duplicated
    assert count == 20 and {s for _, s in stored} == {"completed"}


@pytest.mark.redis
async def test_redis_outage_degrades_and_recovers(make_settings, redis_url: str, listener: int) -> None:  # type: ignore[no-untyped-def]
    target = urlsplit(redis_url)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 6379)
    await proxy.up()
    settings = make_settings(redis_url=via(redis_url, proxy.port), network_allow_targets=["127.0.0.0/8"],
                             redis_timeout_seconds=0.2, health_check_timeout_seconds=0.5)  # fmt: skip
    async for client in open_client(create_app(settings)):
        assert {r.status_code for r in await burst(client, listener, 5)} == {200}
        await proxy.down()
        started = time.perf_counter()
        during = await burst(client, listener, 10)
        assert time.perf_counter() - started < 5
        assert {r.status_code for r in during} == {200}  # fail open: limited per replica, still served
        health = (await client.get("/api/v1/health")).json()
        assert health["status"] == "degraded" and health["checks"]["redis"]["status"] == "down"
        assert (await client.get("/api/v1/health/ready")).status_code == 200
        await proxy.up()
        deadline = time.monotonic() + 10
        while (await client.get("/api/v1/health")).json()[
            "status"
        ] != "healthy" and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        assert (await client.get("/api/v1/health")).json()["status"] == "healthy"
    await proxy.down()


async def test_a_hanging_llm_ends_at_the_deadline_with_the_rule_based_result(
    make_settings, listener: int
) -> None:  # type: ignore[no-untyped-def]
    script = Script(delay=30)
    with serve(bedrock_app(script)) as url:
        settings = make_settings(
            llm_provider="bedrock", bedrock_endpoint_url=url, aws_access_key_id="AKIDEXAMPLETEST",
            aws_secret_access_key="test-secret-key", network_allow_targets=["127.0.0.0/8"],
            llm_deadline_seconds=1.0, llm_call_timeout_seconds=1.0, llm_max_retries=0,
        )  # fmt: skip
        async for client in open_client(create_app(settings)):
            started = time.perf_counter()
            response = (await burst(client, listener, 1))[0]
            elapsed = time.perf_counter() - started
    assert response.status_code == 200 and elapsed < 3
    result = response.json()["results"][0]
    assert result["summary_source"] == "rules" and result["llm"]["used"] is False
    assert "every LLM provider failed" in result["llm"]["detail"]


@pytest.mark.postgres
async def test_a_black_holed_database_fails_a_batch_of_writes_at_once_not_one_by_one(
    database_url: str,
) -> None:
    """Twenty writes queued while PostgreSQL's packets are dropped fail together after one
    connect timeout, instead of being retried one by one (twenty timeouts, a minute here)."""
    reset_postgres(database_url)
    target = urlsplit(database_url)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 5432)
    await proxy.up()
    database = Database(via(database_url, proxy.port), connect_timeout=2.0)
    await migrate.upgrade(database.engine)
    writer = GroupCommitWriter(database)
    writer.start()
    try:
        await writer.submit(lambda session: None)  # a connection is made and pooled
        await proxy.black_hole()

        def write(session: Session) -> None:
            session.execute(select(1))

        started = time.perf_counter()
        results = await asyncio.gather(*(writer.submit(write) for _ in range(20)), return_exceptions=True)
        elapsed = time.perf_counter() - started
        assert all(isinstance(r, Exception) for r in results)
        assert elapsed < 15, f"{elapsed:.1f} s: the batch was retried write by write"
    finally:
        await proxy.down()
        await writer.close()
        await database.close()
