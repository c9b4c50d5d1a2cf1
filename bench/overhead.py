"""Benchmark: the full `POST /api/v1/orchestrate` against a bare FastAPI endpoint with the same body.

Run: `.venv/bin/python bench/overhead.py [--seconds 10] [--connections 32]` (needs `wrk`).
Both run on one uvicorn worker on loopback, loaded in the same run by wrk. The full path has
auth, rate limit, logging, metrics, routing, the log_analysis agent on a few inline lines, and
persistence on SQLite. Prints requests/s of each, the ratio, and p50/p99.
"""

from __future__ import annotations

import argparse
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
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
        env.update(PYTHONPATH=str(ROOT), API_KEYS=f"bench:{KEY}", RATE_LIMIT="100000000/minute", LOG_LEVEL="WARNING",
                   DATABASE_URL=f"sqlite+aiosqlite:///{folder / 'bench.db'}")  # fmt: skip
        full = serve("app.main:app", 8931, env, folder)
        bare = serve("bench.bare_app:app", 8932, {**env, "PYTHONPATH": str(ROOT)}, ROOT)
        try:
            for port in (8931, 8932):  # warm up
                wrk(f"http://127.0.0.1:{port}/api/v1/orchestrate", 2, args.connections, script)
            service = wrk("http://127.0.0.1:8931/api/v1/orchestrate", args.seconds, args.connections, script)
            baseline = wrk("http://127.0.0.1:8932/api/v1/orchestrate", args.seconds, args.connections, script)
        finally:
            for process in (full, bare):
                process.terminate()
                process.wait(timeout=10)
    print(f"wrk, {args.connections} connections, {args.seconds} s each, one uvicorn worker each, loopback")
    for name, figures in (("bare FastAPI", baseline), ("full orchestrate", service)):
        print(f"{name:<17} {figures['rps']:8.0f} req/s  p50 {figures['p50']:7.2f} ms  p99 {figures['p99']:7.2f} ms"
              f"  non-2xx {figures['non_2xx']:.0f}")  # fmt: skip
    print(f"ratio (full / bare): {service['rps'] / baseline['rps']:.2f}")


if __name__ == "__main__":
    main()
