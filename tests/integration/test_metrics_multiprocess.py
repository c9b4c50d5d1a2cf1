"""Under several uvicorn workers, /metrics aggregates every worker's counts (multiprocess mode)."""

from __future__ import annotations

from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.uvicorn_process import clean_env, start, stop


def live_requests(text: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if (sample.name == "http_requests_total" and sample.labels.get("route") == "/api/v1/health/live"
                    and sample.labels.get("status") == "200"):  # fmt: skip
                return sample.value
    return 0.0


def test_counts_from_all_workers_add_up(tmp_path: Path) -> None:
    multiproc = tmp_path / "prometheus"
    multiproc.mkdir()
    env = clean_env(PROMETHEUS_MULTIPROC_DIR=str(multiproc), LOG_LEVEL="WARNING")
    process, base = start(tmp_path, ["app.main:app", "--workers", "2"], env, timeout=40)
    try:
        with httpx.Client(base_url=base, timeout=5) as client:
            before = live_requests(client.get("/metrics").text)
            for _ in range(40):
                assert client.get("/api/v1/health/live", headers={"Connection": "close"}).status_code == 200
            after = live_requests(client.get("/metrics").text)
    finally:
        stop(process)
    assert after - before == 40
    assert len(list(multiproc.glob("*.db"))) >= 2  # both workers wrote their own values
