"""Benchmark: four agents coordinated in one request, each result interpreted by an LLM stand-in
that takes 200 ms (Bedrock Converse through aiobotocore). Target: the whole request within 1.25x of one
agent's request.

Run: `.venv/bin/python bench/fanout.py [--rounds 10]`.
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
from tests.llm.standins import Script, bedrock_app, serve  # noqa: E402

LOGS = "2024-05-01T10:00:00Z ERROR db timeout on db01\n2024-05-01T10:00:01Z INFO recovered\n"
COMPOSE = "services:\n  web:\n    image: nginx:1.27\n"


async def main(rounds: int) -> None:
    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    listener = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    context = {
        "hostname": "127.0.0.1",
        "ports": [port],
        "checks": ["tcp"],
        "logs": LOGS,
        "config": COMPOSE,
        "duration": 0,
    }
    agents = ["network_diagnostics", "log_analysis", "infrastructure", "system_monitoring"]
    bodies = {agent: {"task": "check", "agent_id": agent, "context": context} for agent in agents}
    bodies["four"] = {"task": "check", "agents": agents, "context": context}  # fmt: skip
    with serve(bedrock_app(Script(delay=0.2))) as url, tempfile.TemporaryDirectory() as data:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            api_keys=["bench:bench-key-123"], database_url=f"sqlite+aiosqlite:///{data}/b.db",
            network_allow_targets=["127.0.0.0/8"], rate_limit="1000000/minute", log_level="WARNING",
            llm_provider="bedrock", bedrock_endpoint_url=url, aws_access_key_id="AKIDBENCHMARK",
            aws_secret_access_key="bench-secret", llm_max_retries=0,
        )  # fmt: skip
        app = create_app(settings)
        timings: dict[str, list[float]] = {name: [] for name in bodies}
        async with LifespanManager(app) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://b", timeout=30) as client:
                for _ in range(rounds + 1):
                    for name, body in bodies.items():
                        started = time.perf_counter()
                        response = await client.post(
                            "/api/v1/orchestrate", json=body, headers={"X-API-Key": "bench-key-123"}
                        )
                        assert response.status_code == 200, response.text
                        assert all(r["summary_source"] == "llm" for r in response.json()["results"])
                        timings[name].append(time.perf_counter() - started)
    listener.close()
    medians = {name: statistics.median(values[1:]) * 1000 for name, values in timings.items()}
    slowest = max(medians[agent] for agent in agents)
    print(f"{rounds} rounds, LLM stand-in answering in 200 ms")
    for agent in agents:
        print(f"{agent:<20} alone  median {medians[agent]:7.1f} ms")
    print(
        f"all four coordinated median {medians['four']:7.1f} ms  ({medians['four'] / slowest:.2f}x the slowest alone)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    asyncio.run(main(parser.parse_args().rounds))
