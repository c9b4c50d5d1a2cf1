"""Benchmark: N concurrent orchestrations whose interpretation goes to Bedrock (boto3, Converse)
against a local stand-in that takes 1 s per call.

Run: `.venv/bin/python bench/bedrock_concurrency.py [--requests 200] [--delay 1.0]`.
Each request runs the network agent (one TCP port on loopback) and then one Bedrock call.
The stand-in runs in its own process, as Bedrock would be elsewhere (`--standin-thread` puts it
in the service's process, competing for its interpreter). Prints wall time, latency
percentiles of each of `--rounds` bursts (the first opens the connections to Bedrock, the
next reuse them) and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.main import create_app  # noqa: E402
from app.settings import Settings  # noqa: E402
from tests.llm.standins import Script, bedrock_app, serve  # noqa: E402


@contextmanager
def standin_process(delay: float) -> Iterator[str]:
    """The Bedrock stand-in under uvicorn in a child process; yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = (
        "import uvicorn\nfrom tests.llm.standins import Script, bedrock_app\n"
        f"uvicorn.run(bedrock_app(Script(delay={delay!r})), host='127.0.0.1', port={port}, "
        "log_level='warning', lifespan='off', backlog=4096)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)  # noqa: S603
    try:
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("the Bedrock stand-in did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


async def run(requests: int, delay: float, in_thread: bool, rounds: int) -> None:
    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    listener = await asyncio.start_server(accept, "127.0.0.1", 0, backlog=4096)
    port = listener.sockets[0].getsockname()[1]
    script = Script(delay=delay)
    standin = serve(bedrock_app(script)) if in_thread else standin_process(delay)
    with standin as url, tempfile.TemporaryDirectory() as data:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            api_keys=["bench:bench-key-123"],
            database_url=f"sqlite+aiosqlite:///{data}/bench.db",
            network_allow_targets=["127.0.0.0/8"],
            rate_limit="1000000/minute",
            log_level="WARNING",
            llm_provider="bedrock",
            bedrock_endpoint_url=url,
            aws_access_key_id="AKIDBENCHMARK",
            aws_secret_access_key="bench-secret",
            llm_concurrency=max(256, requests + 16),
            llm_max_retries=0,
        )
        app = create_app(settings)
        body = {"task": f"check connectivity to 127.0.0.1 on port {port}", "context": {"checks": ["tcp"]}}
        async with LifespanManager(app) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=60) as client:

                async def one() -> tuple[float, dict[str, object]]:
                    started = time.perf_counter()
                    response = await client.post(
                        "/api/v1/orchestrate", json=body, headers={"X-API-Key": "bench-key-123"}
                    )
                    return time.perf_counter() - started, response.json()

                await one()  # warm up imports
                bursts = []
                for _ in range(rounds):  # the first burst also opens the connections to Bedrock
                    started = time.perf_counter()
                    outcomes = await asyncio.gather(*(one() for _ in range(requests)))
                    bursts.append((time.perf_counter() - started, outcomes))
    listener.close()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    where = "in the service's process" if in_thread else "in its own process"
    print(
        f"{requests} concurrent orchestrations, Bedrock stand-in answering in {delay:g} s, stand-in {where}"
    )
    for index, (wall, outcomes) in enumerate(bursts, 1):
        latencies = sorted(seconds for seconds, _ in outcomes)
        interpreted = sum(1 for _, b in outcomes if b["results"][0]["summary_source"] == "llm")  # type: ignore[index]
        kind = "cold: opens the connections" if index == 1 else "connections kept alive"
        print(f"burst {index} ({kind}): wall time {wall:.2f} s; interpreted by Bedrock: {interpreted}/{requests}; "
              f"latency min {latencies[0]:.2f} median {statistics.median(latencies):.2f} "
              f"p99 {latencies[int(len(latencies) * 0.99) - 1]:.2f} max {latencies[-1]:.2f} s")  # fmt: skip
    print(f"peak RSS of the service's process (app and client): {rss_mb:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--delay", type=float, default=1.0)
    parser.add_argument("--standin-thread", action="store_true", help="serve the stand-in in this process")
    parser.add_argument("--rounds", type=int, default=2, help="bursts, one after the other")
    args = parser.parse_args()
    asyncio.run(run(args.requests, args.delay, args.standin_thread, args.rounds))


if __name__ == "__main__":
    main()
