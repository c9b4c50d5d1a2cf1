"""Blocking work of one kind cannot starve another: minute-long samples hold no thread while
they wait, and name resolution has a pool of its own."""

from __future__ import annotations

import asyncio
import time

from app import blocking
from app.main import create_app
from tests.conftest import PLAIN_KEY, open_client

AUTH = {"X-API-Key": PLAIN_KEY}


async def test_ten_long_samples_do_not_slow_a_tcp_check(make_settings, listener: int) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(network_allow_targets=["127.0.0.0/8", "localhost"], rate_limit="1000/second")
    sample = {
        "task": "sample cpu",
        "agent_id": "system_monitoring",
        "context": {"duration": 8, "interval": 1},
    }
    # `localhost` is resolved by the system resolver: the check needs a thread for it.
    check = {"task": f"is port {listener} open on localhost?", "context": {"checks": ["tcp"]}}
    async for client in open_client(create_app(settings)):
        samples = [
            asyncio.create_task(client.post("/api/v1/orchestrate", json=sample, headers=AUTH))
            for _ in range(10)
        ]
        try:
            await asyncio.sleep(1.0)  # every sample is under way
            assert not any(task.done() for task in samples)
            started = time.perf_counter()
            response = await client.post("/api/v1/orchestrate", json=check, headers=AUTH)
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, response.text
            assert response.json()["results"][0]["output"]["checks"]["tcp"][0]["open"] is True
            assert elapsed < 1.0, f"the TCP check took {elapsed:.2f} s behind ten samples"
        finally:
            for task in samples:
                task.cancel()
            await asyncio.gather(*samples, return_exceptions=True)


async def test_each_kind_of_blocking_work_has_its_own_bounded_pool() -> None:
    assert blocking.pool("dns") is blocking.pool("dns")
    assert blocking.pool("dns") is not blocking.pool("sampling")
    for kind, size in blocking.SIZES.items():
        assert blocking.pool(kind)._max_workers == size
    # A pool full of slow work of its kind leaves the others free.
    release = asyncio.Event()
    loop = asyncio.get_running_loop()

    def wait_for_release() -> None:
        asyncio.run_coroutine_threadsafe(release.wait(), loop).result(timeout=10)

    stuck = [
        asyncio.create_task(blocking.run("sampling", wait_for_release))
        for _ in range(blocking.SIZES["sampling"])
    ]
    try:
        started = time.perf_counter()
        assert await asyncio.wait_for(blocking.run("dns", lambda: "answered"), 2) == "answered"
        assert time.perf_counter() - started < 0.5
    finally:
        release.set()
        await asyncio.gather(*stuck)
