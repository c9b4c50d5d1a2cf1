"""Benchmark: N concurrent orchestrations whose interpretation goes to Bedrock (botocore's Converse through aiobotocore)
against a local stand-in that takes 1 s per call.

Run: `.venv/bin/python bench/bedrock_concurrency.py [--requests 200] [--workers 1] [--delay 1.0]`.
Each request runs the network agent (one TCP port on loopback) and then one Bedrock call.
`--workers N` serves the app under uvicorn with N workers and sends the requests from this
process; without it (0) app and an httpx client share this process. The stand-in runs in its own
process, as Bedrock would be elsewhere (`--standin-thread` puts it in this one). Prints wall time
and latency percentiles of each of `--rounds` bursts (the first opens the connections to
Bedrock, the next reuse them) and the service's peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import json as _json
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
from asgi_lifespan import LifespanManager

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.main import create_app  # noqa: E402
from app.settings import Settings  # noqa: E402
from tests.llm.standins import Script, bedrock_app, serve  # noqa: E402


def wait_for_port(port: int, what: str, seconds: float = 30.0) -> None:
    """Return once something accepts connections on 127.0.0.1:`port`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not start")


@contextmanager
def standin_process(delay: float) -> Iterator[str]:
    """The Bedrock stand-in under uvicorn in a child process; yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = (
        "import uvicorn\nfrom starlette.responses import Response\n"
        "from tests.llm.standins import Script, bedrock_app\n"
        f"script = Script(delay={delay!r})\napp = bedrock_app(script)\n"
        "async def set_delay(request):\n"
        "    script.delay = float(request.query_params['seconds'])\n"
        "    return Response(status_code=204)\n"
        "app.add_route('/_bench/delay', set_delay, methods=['POST'])\n"
        f"uvicorn.run(app, host='127.0.0.1', port={port}, log_level='warning', lifespan='off', backlog=4096)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)  # noqa: S603
    try:
        wait_for_port(port, "the Bedrock stand-in")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@asynccontextmanager
async def in_process_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=60) as client:
            yield client


class RawClient:
    """HTTP/1.1 over asyncio streams, one connection per request: a client that costs next to
    nothing, so the figures are the service's (httpx's pool struggles with hundreds of new
    connections at once)."""

    def __init__(self, port: int) -> None:
        self.port = port

    async def post(self, path: str, json: dict[str, object], headers: dict[str, str]) -> SimpleResponse:
        payload = _json.dumps(json).encode()
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        request = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{head}"
                   f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n").encode() + payload  # fmt: skip
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            writer.write(request)
            raw = await reader.read()
        finally:
            writer.close()
        header, _, body = raw.partition(b"\r\n\r\n")
        status = int(header.split(b" ", 2)[1])
        if b"transfer-encoding: chunked" in header.lower():
            body = _dechunk(body)
        return SimpleResponse(status, body)


class SimpleResponse:
    def __init__(self, status_code: int, body: bytes) -> None:
        self.status_code = status_code
        self.body = body

    def json(self) -> dict[str, object]:
        data: dict[str, object] = _json.loads(self.body)
        return data


def _dechunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2 :]
    return out


@asynccontextmanager
async def server_client(settings: dict[str, str], workers: int) -> AsyncIterator[RawClient]:
    """The service under uvicorn with `workers` processes; the client in this process."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.isupper() or k in ("PATH", "HOME", "LANG")}
    env.update({"PYTHONPATH": str(ROOT), **settings})
    command = [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(port), "--workers", str(workers),
               "--no-access-log", "--log-level", "warning", "--backlog", "4096"]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603
    try:
        await asyncio.to_thread(wait_for_port, port, "the service")
        await asyncio.sleep(1.0 if workers > 1 else 0.2)  # every worker up
        SERVER_PID.append(process.pid)
        yield RawClient(port)
        SERVER_RSS.append(_tree_peak_rss_mb(process.pid))
    finally:
        process.terminate()
        process.wait(timeout=30)


SERVER_RSS: list[float] = []
SERVER_PID: list[int] = []
BASELINE_RSS: list[float] = []


def _tree_pids(pid: int) -> list[int]:
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(child) for child in children.read_text().split()]
    return pids


def _reset_peaks(pid: int) -> None:
    """Reset VmHWM to the current RSS (Linux: `5` to clear_refs) for a process and its children."""
    for one in _tree_pids(pid):
        Path(f"/proc/{one}/clear_refs").write_text("5")


def _tree_peak_rss_mb(pid: int, field: str = "VmHWM") -> float:
    """Peak RSS (VmHWM), or RSS now (VmRSS), of a process and its children, summed, in MiB."""
    total = 0
    for one in _tree_pids(pid):
        match = re.search(rf"{field}:\s+(\d+) kB", Path(f"/proc/{one}/status").read_text())
        total += int(match.group(1)) if match else 0
    return total / 1024


async def run(requests: int, delay: float, in_thread: bool, rounds: int, workers: int) -> None:
    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    listener = await asyncio.start_server(accept, "127.0.0.1", 0, backlog=4096)
    port = listener.sockets[0].getsockname()[1]
    script = Script(delay=delay)
    standin = serve(bedrock_app(script)) if in_thread else standin_process(delay)
    with standin as url, tempfile.TemporaryDirectory() as data:
        values = {
            "api_keys": "bench:bench-key-123",
            "database_url": f"sqlite+aiosqlite:///{data}/bench.db",
            "network_allow_targets": "127.0.0.0/8",
            "rate_limit": "1000000/minute",
            "log_level": "WARNING",
            "llm_provider": "bedrock",
            "bedrock_endpoint_url": url,
            "aws_access_key_id": "AKIDBENCHMARK",
            "aws_secret_access_key": "bench-secret",
            "llm_concurrency": str(max(256, requests + 16)),
            "llm_max_retries": "0",
        }
        if workers:
            session: Any = server_client({k.upper(): v for k, v in values.items()}, workers)
        else:
            session = in_process_client(Settings(_env_file=None, **values))  # type: ignore[call-arg, arg-type]
        body = {"task": f"check connectivity to 127.0.0.1 on port {port}", "context": {"checks": ["tcp"]}}
        async with session as client:

            async def one() -> tuple[float, dict[str, object]]:
                started = time.perf_counter()
                response = await client.post(
                    "/api/v1/orchestrate", json=body, headers={"X-API-Key": "bench-key-123"}
                )
                return time.perf_counter() - started, response.json()

            for _ in range(max(1, workers)):
                await one()  # warm up imports
            if workers:
                _reset_peaks(SERVER_PID[-1])  # the peak from here on: start-up's does not count
                BASELINE_RSS.append(_tree_peak_rss_mb(SERVER_PID[-1], "VmRSS"))
            bursts = []
            for _ in range(rounds):  # the first burst also opens the connections to Bedrock
                started = time.perf_counter()
                outcomes = await asyncio.gather(*(one() for _ in range(requests)))
                bursts.append((time.perf_counter() - started, outcomes))
            sustained = None
            if not in_thread:  # the same path with Bedrock answering at once: what the CPU allows
                await asyncio.to_thread(httpx.post, f"{url}/_bench/delay?seconds=0")
                sustained = await _sustained(
                    one, seconds=SUSTAINED_SECONDS, connections=SUSTAINED_CONNECTIONS
                )
    listener.close()
    where = "in the service's process" if in_thread else "in its own process"
    service = (
        f"uvicorn with {workers} worker(s), client in another process"
        if workers
        else "app and client in one process"
    )
    print(
        f"{requests} concurrent orchestrations, Bedrock stand-in answering in {delay:g} s, stand-in {where}; {service}"
    )
    for index, (wall, outcomes) in enumerate(bursts, 1):
        latencies = sorted(seconds for seconds, _ in outcomes)
        interpreted = sum(1 for _, b in outcomes if b["results"][0]["summary_source"] == "llm")  # type: ignore[index]
        kind = "cold: opens the connections" if index == 1 else "connections kept alive"
        print(f"burst {index} ({kind}): wall time {wall:.2f} s; interpreted by Bedrock: {interpreted}/{requests}; "
              f"latency min {latencies[0]:.2f} median {statistics.median(latencies):.2f} "
              f"p99 {latencies[int(len(latencies) * 0.99) - 1]:.2f} max {latencies[-1]:.2f} s")  # fmt: skip
    if sustained is not None:
        bound = delay + 1.2 * requests / sustained
        best = min(wall for wall, _ in bursts[1:] or bursts)
        print(f"sustained, same run, Bedrock answering at once ({SUSTAINED_CONNECTIONS} connections, "
              f"{SUSTAINED_SECONDS:g} s): {sustained:.0f} req/s; a burst of {requests} needs at least "
              f"{requests / sustained:.2f} s of CPU; target {delay:g} s + 1.2 x that = {bound:.2f} s; "
              f"best warm burst {best:.2f} s: {'met' if best <= bound else 'MISSED'}")  # fmt: skip
    if workers:
        per_request = (SERVER_RSS[-1] - BASELINE_RSS[-1]) * 1024 / requests
        print(f"peak RSS of the service's processes (summed): {SERVER_RSS[-1]:.0f} MiB, "
              f"{BASELINE_RSS[-1]:.0f} MiB after warm-up: {per_request:.0f} KiB per request in flight")  # fmt: skip
    else:
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS of the service's process (app and client): {rss_mb:.0f} MiB")


SUSTAINED_SECONDS = 5.0
SUSTAINED_CONNECTIONS = 32


async def _sustained(one: Any, seconds: float, connections: int) -> float:
    """Requests per second of `one()` with `connections` clients each sending the next request as
    soon as the last one answered, for `seconds` (after a second of warm-up)."""
    done = 0
    counting = False
    ends = time.perf_counter() + 1.0 + seconds

    async def client() -> None:
        nonlocal done
        while time.perf_counter() < ends:
            await one()
            if counting:
                done += 1

    async def clock() -> float:
        nonlocal counting
        await asyncio.sleep(1.0)
        counting, started = True, time.perf_counter()
        await asyncio.sleep(seconds)
        counting = False
        return time.perf_counter() - started

    *_, elapsed = await asyncio.gather(*(client() for _ in range(connections)), clock())
    return done / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--delay", type=float, default=1.0)
    parser.add_argument("--standin-thread", action="store_true", help="serve the stand-in in this process")
    parser.add_argument("--rounds", type=int, default=2, help="bursts, one after the other")
    parser.add_argument("--workers", type=int, default=0,
                        help="serve the app under uvicorn with this many workers (0: in this process)")  # fmt: skip
    args = parser.parse_args()
    asyncio.run(run(args.requests, args.delay, args.standin_thread, args.rounds, args.workers))


if __name__ == "__main__":
    main()
