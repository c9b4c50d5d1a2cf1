"""Start-up time of the service on its embedded defaults, the routing model included.

    .venv/bin/python -m bench.startup [--runs 5]

Starts `uvicorn app.main:app` on 127.0.0.1 in a fresh process (fresh SQLite file each run),
times until `/api/v1/health/ready` answers 200, and reports the router's own share: loading
the wheel's model and embedding every card's examples. Target: under 3 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from app.container import build_registry, build_router
from app.orchestration import semantic
from app.settings import Settings
from tests.integration.uvicorn_process import clean_env, free_port


def one_start(folder: Path) -> float:
    port = free_port()
    env = clean_env(API_KEYS="bench:startup-bench-key", LOG_LEVEL="WARNING",
                    DATABASE_URL=f"sqlite+aiosqlite:///{folder / 'startup.db'}")  # fmt: skip
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        while time.perf_counter() - started < 30:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v1/health/ready", timeout=0.5).status_code == 200:
                    return time.perf_counter() - started
            except httpx.TransportError:
                pass
            time.sleep(0.02)
        raise SystemExit("the service did not become ready within 30 s")
    finally:
        process.terminate()
        process.wait(timeout=15)


def router_share() -> tuple[float, float]:
    started = time.perf_counter()
    semantic.default_encoder()
    loaded = time.perf_counter()
    settings = Settings(_env_file=None)
    build_router(settings, build_registry(settings)).warm_up()
    return loaded - started, time.perf_counter() - loaded


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    times = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as folder:
            times.append(one_start(Path(folder)))
    load, embed = router_share()
    print(f"start-up to ready over {args.runs} runs: median {statistics.median(times):.2f} s, "
          f"max {max(times):.2f} s (target < 3 s)")  # fmt: skip
    print(f"router share: model load {load * 1000:.0f} ms, embedding the examples {embed * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
