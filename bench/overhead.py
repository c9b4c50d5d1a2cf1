"""Benchmark: the full `POST /api/v1/orchestrate` against a bare FastAPI endpoint with the same body.

Run: `.venv/bin/python bench/overhead.py [--seconds 10] [--connections 32]` (needs `wrk`).
Both run on one uvicorn worker on loopback, loaded in the same run by wrk. The full path has
auth, rate limit, logging (INFO, the default: one access line per request), metrics, routing,
the log_analysis agent on a few inline lines, and persistence on SQLite. Prints requests/s of
each, the ratio, and p50/p99; then what the Prometheus metrics cost on that path: every metric
call of the same requests (sent in process) timed, against a budget of 5% of a request.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
KEY = "bench-key-1234567"
BODY = {
    "task": "analyse these logs",
    "agent_id": "log_analysis",
    "context": {"logs": "2024-05-01T10:00:00Z ERROR db timeout on db01\n2024-05-01T10:00:01Z ERROR db timeout on db02\n"
                        "2024-05-01T10:00:02Z INFO recovered\n"},
}  # fmt: skip


def serve(target: str, port: int, env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "uvicorn", target, "--port", str(port), "--no-access-log", "--log-level", "warning"],
        cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(200):
        try:
            httpx.get(f"http://127.0.0.1:{port}/docs", timeout=0.5)
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{target} did not start")


def wrk(url: str, seconds: int, connections: int, script: Path) -> dict[str, float]:
    output = subprocess.run(  # noqa: S603, S607 - wrk from the PATH, fixed arguments
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip

    def latency(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", output, re.M)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": rps,
        "p50": latency("50"),
        "p99": latency("99"),
        "non_2xx": float(errors.group(1)) if errors else 0.0,
    }


async def _fixed_rate(url: str, body: dict[str, object], rate: float, seconds: float) -> dict[str, float]:
    """Open loop: one request every 1/`rate` s whatever the answers do (a slow answer does not delay
    the next request, as with real users), for `seconds`; latency percentiles in ms."""
    latencies: list[float] = []
    failures = 0
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def one() -> None:
            nonlocal failures
            started = time.perf_counter()
            response = await client.post(url, json=body, headers={"X-API-Key": KEY})
            latencies.append((time.perf_counter() - started) * 1000)
            failures += response.status_code != 200

        for _ in range(20):  # warm the connections and the server
            await one()
        latencies.clear()
        tasks = []
        start = time.perf_counter()
        for index in range(int(rate * seconds)):
            delay = start + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
    latencies.sort()
    return {
        "p50": latencies[len(latencies) // 2],
        "p99": latencies[max(0, int(len(latencies) * 0.99) - 1)],
        "n": float(len(latencies)),
        "failures": float(failures),
    }


METRICS_BUDGET = 0.05  # of a request's time on the loaded worker: the usual allowance for instrumentation


def metrics_cost(requests: int) -> dict[str, float]:
    """Time every prometheus_client call made while serving `requests` orchestrations in process:
    label lookups, counter and gauge updates, histogram observations. Returns calls and
    microseconds per request (the timer's own cost, calibrated, subtracted)."""
    import prometheus_client.metrics as pm
    from asgi_lifespan import LifespanManager

    from app.main import create_app
    from app.settings import Settings

    methods = [(pm.MetricWrapperBase, "labels"), (pm.Counter, "inc"), (pm.Gauge, "inc"), (pm.Gauge, "dec"),
               (pm.Gauge, "set"), (pm.Histogram, "observe"), (pm.Summary, "observe")]  # fmt: skip
    spent = {"calls": 0, "seconds": 0.0}
    clock = time.perf_counter

    def timed(original):  # type: ignore[no-untyped-def]
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            started = clock()
            try:
                return original(*args, **kwargs)
            finally:
                spent["seconds"] += clock() - started
                spent["calls"] += 1

        return wrapper

    def empty() -> None:
        return None

    probe = timed(empty)  # the wrapper's own cost, to subtract
    before = clock()
    for _ in range(100_000):
        probe()
    timer_cost = (clock() - before) / 100_000 - _call_cost(empty)
    spent.update(calls=0, seconds=0.0)

    async def run() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                api_keys=[f"bench:{KEY}"], rate_limit="100000000/minute", log_level="WARNING",
                database_url=f"sqlite+aiosqlite:///{tmp}/metrics.db",
            )  # fmt: skip
            app = create_app(settings)
            async with LifespanManager(app) as manager:
                transport = httpx.ASGITransport(app=manager.app)
                async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                    for index in range(requests + 50):
                        if index == 50:  # after warm-up
                            spent.update(calls=0, seconds=0.0)
                        response = await client.post(
                            "/api/v1/orchestrate", json=BODY, headers={"X-API-Key": KEY}
                        )
                        assert response.status_code == 200, response.text  # noqa: S101

    originals = [(cls, name, cls.__dict__[name]) for cls, name in methods]
    for cls, name, original in originals:
        setattr(cls, name, timed(original))
    try:
        asyncio.run(run())
    finally:
        for cls, name, original in originals:
            setattr(cls, name, original)
    calls = spent["calls"] / requests
    return {"calls": calls, "us": max(0.0, spent["seconds"] / requests - calls * timer_cost) * 1e6}


def _call_cost(function: object) -> float:
    assert callable(function)  # noqa: S101
    before = time.perf_counter()
    for _ in range(100_000):
        function()
    return (time.perf_counter() - before) / 100_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--metrics-requests", type=int, default=500)
    parser.add_argument(
        "--rate-fraction",
        type=float,
        default=0.25,
        help="the fixed-rate phase's rate, as a fraction of the full path's req/s",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="the service's DATABASE_URL (default: a SQLite file in a temporary folder)",
    )
    parser.add_argument("--skip-metrics", action="store_true", help="skip the in-process metrics timing")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        script = folder / "post.lua"
        script.write_text(
            'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
            f'wrk.headers["X-API-Key"] = "{KEY}"\nwrk.body = {json.dumps(json.dumps(BODY))}\n'
        )
        env = {k: v for k, v in os.environ.items() if not k.isupper() or k in ("PATH", "HOME", "LANG")}
        env.update(PYTHONPATH=str(ROOT), API_KEYS=f"bench:{KEY}", RATE_LIMIT="100000000/minute", LOG_LEVEL="INFO",
                   DATABASE_URL=args.database_url or f"sqlite+aiosqlite:///{folder / 'bench.db'}")  # fmt: skip
        full = serve("app.main:app", 8931, env, folder)
        bare = serve("bench.bare_app:app", 8932, {**env, "PYTHONPATH": str(ROOT)}, ROOT)
        try:
            for port in (8931, 8932):  # warm up
                wrk(f"http://127.0.0.1:{port}/api/v1/orchestrate", 2, args.connections, script)
            service = wrk("http://127.0.0.1:8931/api/v1/orchestrate", args.seconds, args.connections, script)
            baseline = wrk("http://127.0.0.1:8932/api/v1/orchestrate", args.seconds, args.connections, script)
            rate = service["rps"] * args.rate_fraction  # a quarter of what the service sustains
            steady = {
                name: asyncio.run(
                    _fixed_rate(f"http://127.0.0.1:{port}/api/v1/orchestrate", BODY, rate, args.seconds)
                )
                for name, port in (("full orchestrate", 8931), ("bare FastAPI", 8932))
            }
        finally:
            for process in (full, bare):
                process.terminate()
                process.wait(timeout=10)
    print(f"wrk, {args.connections} connections, {args.seconds} s each, one uvicorn worker each, loopback")
    for name, figures in (("bare FastAPI", baseline), ("full orchestrate", service)):
        print(f"{name:<17} {figures['rps']:8.0f} req/s  p50 {figures['p50']:7.2f} ms  p99 {figures['p99']:7.2f} ms"
              f"  non-2xx {figures['non_2xx']:.0f}")  # fmt: skip
    ratio = service["rps"] / baseline["rps"]
    queueing = 2 * args.connections / service["rps"] * 1000
    print(f"ratio (full / bare): {ratio:.2f} (target >= 0.2: {'met' if ratio >= 0.2 else 'MISSED'}); "
          f"p99 {service['p99']:.0f} ms against 2 x {args.connections} / req/s = {queueing:.0f} ms: "
          f"{'met' if service['p99'] <= queueing else 'MISSED'}")  # fmt: skip
    print(f"fixed rate, {rate:.0f} req/s ({args.rate_fraction:g} of the full path's sustained), open loop, "
          f"{args.seconds} s each:")  # fmt: skip
    for name, figures in steady.items():
        print(f"  {name:<17} p50 {figures['p50']:6.2f} ms  p99 {figures['p99']:6.2f} ms  "
              f"({figures['n']:.0f} requests, {figures['failures']:.0f} failed)")  # fmt: skip
    added50 = steady["full orchestrate"]["p50"] - steady["bare FastAPI"]["p50"]
    added99 = steady["full orchestrate"]["p99"] - steady["bare FastAPI"]["p99"]
    print(f"  added by the service: p50 {added50:.2f} ms (target <= 2: {'met' if added50 <= 2 else 'MISSED'}), "
          f"p99 {added99:.2f} ms (target <= 10: {'met' if added99 <= 10 else 'MISSED'})")  # fmt: skip
    if args.skip_metrics:
        return
    metrics = metrics_cost(args.metrics_requests)
    per_request_us = 1e6 / service["rps"]  # the loaded worker's time per request
    share = metrics["us"] / per_request_us
    print(f"metrics: {metrics['calls']:.0f} prometheus_client calls per request, {metrics['us']:.1f} us per request"
          f" = {share:.2%} of the {per_request_us:.0f} us a request takes on the loaded worker"
          f" (budget {METRICS_BUDGET:.0%}: {'met' if share <= METRICS_BUDGET else 'MISSED'})")  # fmt: skip


if __name__ == "__main__":
    main()
