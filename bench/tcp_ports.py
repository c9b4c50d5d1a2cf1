"""Benchmark: 100 TCP ports on loopback checked in one `POST /api/v1/orchestrate`.

Run: `.venv/bin/python bench/tcp_ports.py` (after `make test` or `make run` made the venv).
Half the ports listen, half are closed; the request goes through the whole app in process
(auth, rate limit, routing, the network agent). Prints agent time and request time.
"""

from __future__ import annotations

import asyncio
import socket
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

PORTS = 100
ROUNDS = 30


def closed_ports(count: int) -> list[int]:
    ports = []
    for _ in range(count):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            ports.append(probe.getsockname()[1])
    return ports


async def main() -> None:
    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    servers = [await asyncio.start_server(accept, "127.0.0.1", 0) for _ in range(PORTS // 2)]
    ports = [s.sockets[0].getsockname()[1] for s in servers] + closed_ports(PORTS - PORTS // 2)
    with tempfile.TemporaryDirectory() as data:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            api_keys=["bench:bench-key-123"],
            database_url=f"sqlite+aiosqlite:///{data}/bench.db",
            network_allow_targets=["127.0.0.0/8"],
            rate_limit="100000/minute",
            log_level="WARNING",
        )
        app = create_app(settings)
        agent_ms, request_ms = [], []
        async with LifespanManager(app) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                body = {
                    "task": "are these ports open?",
                    "agent_id": "network_diagnostics",
                    "context": {"hostname": "127.0.0.1", "ports": ports, "checks": ["tcp"]},
                }
                for _ in range(ROUNDS):
                    started = time.perf_counter()
                    response = await client.post(
                        "/api/v1/orchestrate", json=body, headers={"X-API-Key": "bench-key-123"}
                    )
                    request_ms.append((time.perf_counter() - started) * 1000)
                    result = response.json()["results"][0]
                    tcp = result["output"]["checks"]["tcp"]
                    assert len(tcp) == PORTS and sum(e["open"] for e in tcp) == PORTS // 2
                    agent_ms.append(result["duration_ms"])
    for server in servers:
        server.close()

    def row(name: str, values: list[float]) -> str:
        ordered = sorted(values)
        p95 = ordered[int(len(ordered) * 0.95) - 1]
        return f"{name:<14} min {ordered[0]:7.2f}  median {statistics.median(ordered):7.2f}  p95 {p95:7.2f}  max {ordered[-1]:7.2f} ms"

    print(
        f"{PORTS} TCP ports on 127.0.0.1 ({PORTS // 2} open, {PORTS - PORTS // 2} closed), {ROUNDS} requests"
    )
    print(row("agent time", agent_ms))
    print(row("request time", request_ms))


if __name__ == "__main__":
    asyncio.run(main())
