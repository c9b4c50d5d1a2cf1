"""Rate limits: per key label, per client address without a key, shared through Redis, bounded on failure."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator

import pytest

from app.errors import RateLimited
from app.main import create_app
from app.security.rate_limit import RateLimiter
from tests.conftest import HASHED_KEY, PLAIN_KEY, open_client

OPS = {"X-API-Key": PLAIN_KEY}
BOT = {"X-API-Key": HASHED_KEY}


async def test_over_the_limit_is_429_with_retry_after(make_settings) -> None:  # type: ignore[no-untyped-def]
    async for client in open_client(create_app(make_settings(rate_limit="3/minute"))):
        remaining = []
        for _ in range(3):
            ok = await client.get("/api/v1/me", headers=OPS)
            assert ok.status_code == 200
            assert ok.headers["x-ratelimit-limit"] == "3"
            remaining.append(int(ok.headers["x-ratelimit-remaining"]))
        assert remaining == [2, 1, 0]
        refused = await client.get("/api/v1/me", headers=OPS)
        assert refused.status_code == 429
        body = refused.json()["error"]
        assert body["code"] == "rate_limited"
        assert body["request_id"] == refused.headers["x-request-id"]
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.headers["x-ratelimit-remaining"] == "0"

        # Budgets are per key label: another key still has its whole budget.
        assert (await client.get("/api/v1/me", headers=BOT)).status_code == 200
        # Health is never limited.
        for _ in range(10):
            assert (await client.get("/api/v1/health/live")).status_code == 200


async def test_failed_authentication_spends_the_client_address_budget(make_settings) -> None:  # type: ignore[no-untyped-def]
    async for client in open_client(create_app(make_settings(rate_limit="2/minute"))):
        codes = [
            (await client.get("/api/v1/me", headers={"X-API-Key": f"guess-{i}-xxxxxx"})).status_code
            for i in range(4)
        ]
        assert codes == [401, 401, 429, 429]


async def test_forwarded_for_is_believed_only_from_trusted_proxies(make_settings) -> None:  # type: ignore[no-untyped-def]
    untrusted = create_app(make_settings(auth_enabled=False))
    async for client in open_client(untrusted):
        response = await client.get("/api/v1/me", headers={"X-Forwarded-For": "203.0.113.7"})
        assert response.json()["client_ip"] == "127.0.0.1"

    trusted = create_app(make_settings(auth_enabled=False, trusted_proxies=["127.0.0.0/8"]))
    async for client in open_client(trusted):
        response = await client.get(
            "/api/v1/me", headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.7, 127.0.0.2"}
        )
        # The nearest address that is not a trusted proxy is the client; earlier hops are spoofable.
        assert response.json()["client_ip"] == "203.0.113.7"

    # One address (not a CIDR) trusted; a second proxy that appended its own header line rather
    # than extending the first: the lines are one list, walked from the nearest hop.
    one_proxy = create_app(make_settings(auth_enabled=False, trusted_proxies=["127.0.0.1"]))
    async for client in open_client(one_proxy):
        response = await client.get(
            "/api/v1/me", headers=[("X-Forwarded-For", "198.51.100.1"), ("X-Forwarded-For", "203.0.113.9")]
        )
        assert response.json()["client_ip"] == "203.0.113.9"


async def test_unauthenticated_budget_is_per_client_address(make_settings) -> None:  # type: ignore[no-untyped-def]
    app = create_app(
        make_settings(auth_enabled=False, trusted_proxies=["127.0.0.1/32"], rate_limit="1/minute")
    )
    async for client in open_client(app):
        first = {"X-Forwarded-For": "203.0.113.1"}
        second = {"X-Forwarded-For": "203.0.113.2"}
        assert (await client.get("/api/v1/me", headers=first)).status_code == 200
        assert (await client.get("/api/v1/me", headers=first)).status_code == 429
        assert (await client.get("/api/v1/me", headers=second)).status_code == 200


@pytest.mark.redis
async def test_two_instances_on_one_redis_share_one_budget(make_settings, redis_url: str) -> None:  # type: ignore[no-untyped-def]
    # A unique key label per run, so the shared Redis holds no earlier budget for it.
    label = f"shared{uuid.uuid4().hex[:12]}"
    secret = f"shared-secret-{uuid.uuid4().hex}"
    settings = make_settings(api_keys=[f"{label}:{secret}"], rate_limit="5/minute", redis_url=redis_url)
    headers = {"X-API-Key": secret}
    first_app, second_app = create_app(settings), create_app(settings)
    async for first in open_client(first_app):
        async for second in open_client(second_app):
            codes = []
            for i in range(8):
                client = first if i % 2 == 0 else second
                codes.append((await client.get("/api/v1/me", headers=headers)).status_code)
            assert codes == [200] * 5 + [429] * 3
            health = (await first.get("/api/v1/health")).json()
            assert health["checks"]["redis"]["status"] == "ok"


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A loopback TCP server that accepts connections and never answers: a hung Redis."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    yield server.getsockname()[1]
    server.close()


@pytest.fixture
def closed_port() -> int:
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    port: int = probe.getsockname()[1]
    probe.close()  # nothing listens here any more: connections are refused
    return port


@pytest.mark.parametrize("redis_kind", ["hung", "refused"])
async def test_dead_redis_does_not_hang_requests_and_fails_open(  # type: ignore[no-untyped-def]
    make_settings, silent_server: int, closed_port: int, redis_kind: str
) -> None:
    port = silent_server if redis_kind == "hung" else closed_port
    settings = make_settings(
        redis_url=f"redis://127.0.0.1:{port}/0",
        redis_timeout_seconds=0.2,
        rate_limit="2/minute",
        health_check_timeout_seconds=0.6,
    )
    async for client in open_client(create_app(settings)):
        started = time.perf_counter()
        first = await client.get("/api/v1/me", headers=OPS)
        assert time.perf_counter() - started < 1.0
        assert first.status_code == 200
        # Fail open means local limits, not no limits.
        codes = [(await client.get("/api/v1/me", headers=OPS)).status_code for _ in range(2)]
        assert codes == [200, 429]

        started = time.perf_counter()
        health = await client.get("/api/v1/health")
        assert time.perf_counter() - started < 1.5
        assert health.status_code == 200
        assert health.json()["status"] == "degraded"
        assert health.json()["checks"]["redis"]["status"] == "down"
        ready = await client.get("/api/v1/health/ready")
        assert ready.status_code == 200, ready.text


async def test_dead_redis_fails_closed_when_configured(make_settings, silent_server: int) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(
        redis_url=f"redis://127.0.0.1:{silent_server}/0",
        redis_timeout_seconds=0.2,
        rate_limit_fail_mode="closed",
        health_check_timeout_seconds=0.3,
    )
    async for client in open_client(create_app(settings)):
        started = time.perf_counter()
        response = await client.get("/api/v1/me", headers=OPS)
        assert time.perf_counter() - started < 1.0
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "service_unavailable"
        assert "retry-after" in response.headers
        ready = await client.get("/api/v1/health/ready")
        assert ready.status_code == 503


@pytest.mark.parametrize("rate", ["2/second;5/minute", "5/second;2/minute"])
async def test_the_tightest_of_a_compound_rate_applies(rate: str) -> None:
    limiter = RateLimiter(rate)
    first = await limiter.check("k")
    assert (first.limit, first.remaining) == (2, 1)
    second = await limiter.check("k")
    assert second.remaining == 0
    with pytest.raises(RateLimited) as refused:
        await limiter.check("k")
    assert refused.value.details["limit"] == 2
    assert int(refused.value.headers["Retry-After"]) >= 1
    # Another identity is untouched.
    assert (await limiter.check("other")).remaining == 1
