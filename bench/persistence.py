"""Benchmark: what recording every run costs on the request path (SQLite, group commit).

Run: `.venv/bin/python bench/persistence.py [--requests 3000] [--concurrency 32]`.
The same `POST /api/v1/orchestrate` (network agent, one TCP port on loopback, offline LLM) is
sent in process with the recorder on, then off; prints throughput, p50/p99 and how many
writes each commit carried.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.main import create_app  # noqa: E402
from app.settings import Settings  # noqa: E402


async def measure(port: int, requests: int, concurrency: int, record: bool, data: str) -> dict[str, float]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        api_keys=["bench:bench-key-123"],
        database_url=f"sqlite+aiosqlite:///{data}/bench-{record}.db",
        network_allow_targets=["127.0.0.0/8"],
        rate_limit="100000000/minute",
        log_level="WARNING",
    )
    app = create_app(settings)
    body = {"task": f"is port {port} open on 127.0.0.1", "context": {"checks": ["tcp"]}}
    latencies: list[float] = []
    async with LifespanManager(app) as manager:
        container = app.state.container
        if not record:
            container.orchestrator.recorder = None
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            queue: asyncio.Queue[int] = asyncio.Queue()

            async def worker() -> None:
                while not queue.empty():
                    queue.get_nowait()
                    started = time.perf_counter()
                    response = await client.post(
                        "/api/v1/orchestrate", json=body, headers={"X-API-Key": "bench-key-123"}
                    )
                    assert response.status_code == 200
                    latencies.append(time.perf_counter() - started)

            queue.put_nowait(0)
            await worker()  # warm up
            latencies.clear()
            for _ in range(requests):
                queue.put_nowait(0)
            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            wall = time.perf_counter() - started
        writer = container.writer
    ordered = sorted(latencies)
    return {
        "rps": len(ordered) / wall,
        "p50": statistics.median(ordered) * 1000,
        "p99": ordered[int(len(ordered) * 0.99) - 1] * 1000,
        "writes_per_commit": writer.writes / writer.batches if writer.batches else 0.0,
    }


async def main(requests: int, concurrency: int) -> None:
    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(accept, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    with tempfile.TemporaryDirectory() as data:
        off = await measure(port, requests, concurrency, False, data)
        on = await measure(port, requests, concurrency, True, data)
    server.close()
    print(
        f"{requests} orchestrations, {concurrency} concurrent, in process, SQLite (WAL, synchronous=NORMAL)"
    )
    for name, figures in (("recorder off", off), ("recorder on", on)):
        print(f"{name:<13} {figures['rps']:7.0f} req/s  p50 {figures['p50']:6.2f} ms  p99 {figures['p99']:6.2f} ms"
              f"  writes/commit {figures['writes_per_commit']:.1f}")  # fmt: skip
    print(f"throughput kept with recording: {on['rps'] / off['rps']:.0%}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.concurrency))
