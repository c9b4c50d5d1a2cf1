"""Health, liveness and readiness: cheap, bounded in time, cached, and honest about dependencies."""

from __future__ import annotations

import asyncio
import signal
import socket
import time

import httpx
import pytest

from app.main import create_app
from app.observability.health import HealthService, drain_on_signals
from tests.conftest import database_backend, open_client


async def test_health_reports_each_dependency(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "healthy"
    assert body["version"]
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["database"]["backend"] == (
        "postgresql" if database_backend() == "postgres" else "sqlite"
    )
    assert body["checks"]["redis"] == {"status": "disabled"}
    assert body["checks"]["llm"]["provider"] == "offline"
    assert "x-ratelimit-limit" not in response.headers


async def test_live_and_ready_need_no_key(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/health/live")).json() == {"status": "ok", "detail": None}
    assert (await client.get("/api/v1/health/ready")).status_code == 200


async def test_unreachable_database_is_unhealthy_503_and_not_ready(make_settings) -> None:  # type: ignore[no-untyped-def]
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    settings = make_settings(
        database_url=f"postgresql+asyncpg://nobody@127.0.0.1:{port}/none",
        health_check_timeout_seconds=0.5,
    )
    async for client in open_client(create_app(settings)):
        started = time.perf_counter()
        response = await client.get("/api/v1/health")
        assert time.perf_counter() - started < 1.5
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "unhealthy"
        assert body["checks"]["database"]["status"] == "down"
        ready = await client.get("/api/v1/health/ready")
        assert ready.status_code == 503
        assert ready.json()["detail"] == "down: database"
        assert (await client.get("/api/v1/health/live")).status_code == 200


async def test_readiness_turns_false_while_draining(app) -> None:  # type: ignore[no-untyped-def]
    async for client in open_client(app):
        container = app.state.container
        assert (await client.get("/api/v1/health/ready")).status_code == 200
        container.health.draining = True  # what shutdown sets first
        response = await client.get("/api/v1/health/ready")
        assert response.status_code == 503
        assert response.json()["detail"] == "shutting down"
        container.health.draining = False
    # Leaving the lifespan closes the container, which marks it draining.
    assert app.state.container.health.draining is True


async def test_checks_are_cached_and_shared_by_concurrent_callers() -> None:
    calls = 0

    async def slow_check() -> None:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)

    service = HealthService({"db": slow_check}, critical={"db"}, timeout=1, cache_seconds=60)
    reports = await asyncio.gather(*(service.report() for _ in range(20)))
    assert calls == 1
    assert all(report.status == "healthy" for report in reports)
    await service.report()
    assert calls == 1


async def test_a_hanging_check_is_cut_off_at_its_timeout() -> None:
    async def hangs() -> None:
        await asyncio.sleep(30)

    service = HealthService({"db": hangs, "cache": None}, critical={"db"}, timeout=0.1, cache_seconds=0)
    started = time.perf_counter()
    report = await service.report()
    assert time.perf_counter() - started < 0.5
    assert report.status == "unhealthy" and not report.ready
    assert report.checks["db"]["status"] == "down"
    assert report.checks["cache"] == {"status": "disabled"}


async def test_a_failing_noncritical_check_degrades_but_stays_ready() -> None:
    async def ok() -> None:
        return None

    async def broken() -> None:
        raise ConnectionError("refused")

    service = HealthService({"db": ok, "cache": broken}, critical={"db"}, timeout=1, cache_seconds=0)
    report = await service.report()
    assert report.status == "degraded" and report.ready
    assert report.checks["cache"] == {"status": "down", "error": "ConnectionError"}


@pytest.mark.postgres
async def test_health_against_real_postgresql(make_settings, database_url: str) -> None:  # type: ignore[no-untyped-def]
    async for client in open_client(create_app(make_settings(database_url=database_url))):
        body = (await client.get("/api/v1/health")).json()
        assert body["status"] == "healthy"
        assert body["checks"]["database"] == {
            "status": "ok",
            "latency_ms": body["checks"]["database"]["latency_ms"],
            "backend": "postgresql",
        }


def test_readiness_turns_false_the_moment_a_stop_signal_arrives() -> None:
    """The server's handler (uvicorn's, here a stand-in) still runs; readiness is false first."""
    seen: list[int] = []

    def server_handler(signum: int, frame: object) -> None:
        seen.append(signum)

    previous = signal.signal(signal.SIGTERM, server_handler)
    try:
        health = HealthService({}, critical=set(), timeout=1, cache_seconds=0)
        restore = drain_on_signals(health)
        assert not health.draining
        signal.raise_signal(signal.SIGTERM)
        assert health.draining and seen == [signal.SIGTERM]
        restore()
        assert signal.getsignal(signal.SIGTERM) is server_handler
    finally:
        signal.signal(signal.SIGTERM, previous)
