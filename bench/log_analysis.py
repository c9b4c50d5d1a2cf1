"""Log analysis on realistic material: the golden cases' logs, each analysed as a request would.

    .venv/bin/python bench/log_analysis.py

Times `analyse` (parsing, templates, cause ranking, findings; no HTTP, no LLM) on every log of
tests/golden, once each in one process, in the order the cases were written (the verdict caches
fill as they would on a service). Prints the total and the per-log p50, p99 and maximum.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.agents.logs.agent import analyse  # noqa: E402
from bench.diagnosis import case_context, load_cases  # noqa: E402


def golden_logs() -> list[list[str]]:
    cases, _ = load_cases()
    texts = [case_context(case).get("logs") for case in cases if case["agent"] == "log_analysis"]
    return [text.splitlines() for text in texts if isinstance(text, str)]


def main() -> int:
    logs = golden_logs()
    times = []
    for lines in logs:
        start = time.perf_counter()
        analyse(lines, None, None)
        times.append(time.perf_counter() - start)
    times.sort()
    lines = sum(len(log) for log in logs)
    print(f"{len(logs)} logs, {lines} lines: {sum(times):.1f} s")
    print(
        f"per log: p50 {statistics.median(times) * 1000:.1f} ms, "
        f"p99 {times[int(len(times) * 0.99)] * 1000:.1f} ms, max {times[-1] * 1000:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
