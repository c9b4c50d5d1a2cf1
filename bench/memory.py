"""Benchmark: resident memory of one uvicorn worker idle, after warm-up, and after a long load.

Run: `.venv/bin/python -m bench.memory [--seconds 60]` (needs `wrk`). Loads `GET /api/v1/me`
and `POST /api/v1/orchestrate` (log_analysis on inline lines) for the given seconds each and
reports the request count and RSS growth after warm-up (target: under 10%).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
from pathlib import Path

from bench.overhead import BODY, KEY, ROOT, serve, wrk


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024  # type: ignore[union-attr]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        post = folder / "post.lua"
        post.write_text(
            'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
            f'wrk.headers["X-API-Key"] = "{KEY}"\nwrk.body = {json.dumps(json.dumps(BODY))}\n'
        )
        get = folder / "get.lua"
        get.write_text(f'wrk.headers["X-API-Key"] = "{KEY}"\n')
        env = {k: v for k, v in os.environ.items() if not k.isupper() or k in ("PATH", "HOME", "LANG")}
        env.update(PYTHONPATH=str(ROOT), API_KEYS=f"bench:{KEY}", RATE_LIMIT="100000000/minute", LOG_LEVEL="INFO",
                   DATABASE_URL=f"sqlite+aiosqlite:///{folder / 'bench.db'}")  # fmt: skip
        process = serve("app.main:app", 8941, env, folder)
        try:
            idle = rss_mb(process.pid)
            wrk("http://127.0.0.1:8941/api/v1/me", 5, 32, get)
            wrk("http://127.0.0.1:8941/api/v1/orchestrate", 5, 32, post)
            warm = rss_mb(process.pid)
            counts = []
            for url, script in (("/api/v1/me", get), ("/api/v1/orchestrate", post)):
                figures = wrk(f"http://127.0.0.1:8941{url}", args.seconds, 32, script)
                counts.append(figures["rps"] * args.seconds)
            after = rss_mb(process.pid)
        finally:
            process.terminate()
            process.wait(timeout=10)
    total = sum(counts)
    print(f"one uvicorn worker, SQLite; {total:,.0f} requests after warm-up "
          f"({counts[0]:,.0f} GET /api/v1/me, {counts[1]:,.0f} POST /api/v1/orchestrate)")  # fmt: skip
    print(f"RSS idle {idle:.1f} MiB, after warm-up {warm:.1f} MiB, after the load {after:.1f} MiB "
          f"({(after - warm) / warm:+.1%} since warm-up)")  # fmt: skip


if __name__ == "__main__":
    main()
