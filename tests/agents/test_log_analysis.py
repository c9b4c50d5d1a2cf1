"""The log analysis agent on realistic logs: templates with exact counts, exception types, spikes,
root cause, time filters, and file access confined to the log roots."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import httpx
import pytest

from app.agents.base import AgentContext
from app.agents.logs.agent import LogAnalysisAgent, LogAnalysisInput, LogLimits, LogPathRefused
from app.main import create_app
from app.security.target_policy import TargetPolicy
from tests.conftest import PLAIN_KEY, open_client

APP_LOG = """\
2024-05-01T09:58:00Z INFO api: service started on :8080
2024-05-01T09:59:10Z INFO api: GET /health 200 3ms
2024-05-01T10:00:01Z ERROR db: connection pool exhausted (size=20) for host db01
2024-05-01T10:00:02Z ERROR api: request failed: upstream db timeout after 30s
2024-05-01T10:00:02Z ERROR db: connection pool exhausted (size=20) for host db01
2024-05-01T10:00:03Z ERROR db: connection pool exhausted (size=20) for host db02
2024-05-01T10:00:03Z ERROR api: request failed: upstream db timeout after 31s
2024-05-01T10:00:04Z ERROR db: connection pool exhausted (size=20) for host db01
2024-05-01T10:00:05Z ERROR db: connection pool exhausted (size=20) for host db03
2024-05-01 10:00:06,120 ERROR [worker-3] job 8812 crashed
Traceback (most recent call last):
  File "/srv/worker/jobs.py", line 88, in run
    rows = db.fetch(query)
  File "/srv/worker/db.py", line 41, in fetch
    raise PoolExhausted(self.size)
app.db.PoolExhaustedError: pool of 20 exhausted
2024-05-01T10:00:07Z ERROR db: connection pool exhausted (size=20) for host db01
2024-05-01T10:00:08Z ERROR db: connection pool exhausted (size=20) for host db02
{"time": "2024-05-01T10:00:09Z", "level": "warn", "msg": "retrying job 8812 in 5s"}
10.1.2.3 - - [01/May/2024:10:00:10 +0000] "GET /api/orders HTTP/1.1" 502 157 "-" "curl/8.0"
May  1 10:01:00 web01 nginx[812]: upstream timed out (110: Connection timed out) while reading response header
2024-05-01T10:05:00Z INFO api: GET /health 200 2ms
"""


def run(text: str, **fields: object) -> object:
    agent = LogAnalysisAgent()
    context = AgentContext(input=LogAnalysisInput(logs=text, **fields), target_policy=TargetPolicy())
    return agent.execute("find the errors", context)


async def test_repeated_error_template_has_its_exact_count_and_the_traceback_its_type() -> None:
    result = await run(APP_LOG)
    templates = {row["template"]: row for row in result.output["templates"]}  # type: ignore[attr-defined]
    pool = next(row for text, row in templates.items() if "connection pool exhausted" in text)
    assert pool["count"] == 7 and pool["errors"] == 7
    assert pool["first_seen"] == "2024-05-01T10:00:01+00:00"
    assert pool["last_seen"] == "2024-05-01T10:00:08+00:00"
    assert result.output["exceptions"] == {"app.db.PoolExhaustedError": 1}  # type: ignore[attr-defined]
    root = result.output["root_cause"]  # type: ignore[attr-defined]
    assert "connection pool exhausted" in root["template"] and root["count"] == 7
    assert root["evidence"][0].startswith("2024-05-01T10:00:01Z ERROR db: connection pool exhausted")
    codes = [f.code for f in result.findings]  # type: ignore[attr-defined]
    assert codes[0] == "likely_root_cause" and "exception" in codes
    assert result.output["levels"]["error"] >= 10  # type: ignore[attr-defined]
    assert "Likely root cause" in result.summary  # type: ignore[attr-defined]


async def test_error_spike_is_flagged() -> None:
    quiet = [f"2024-05-01T09:{m:02d}:00Z ERROR cache miss storm on shard {m}" for m in range(0, 10)]
    storm = [f"2024-05-01T10:00:{s:02d}Z ERROR payment gateway refused card {s}" for s in range(0, 40, 4)]
    result = await run("\n".join(quiet + storm))
    spikes = result.output["spikes"]  # type: ignore[attr-defined]
    assert spikes == [{"minute": "2024-05-01T10:00:00+00:00", "errors": 10, "typical": 1}]
    assert "error_spike" in {f.code for f in result.findings}  # type: ignore[attr-defined]


async def test_time_range_filter() -> None:
    result = await run(APP_LOG, since=dt.datetime(2024, 5, 1, 10, 1, tzinfo=dt.UTC))
    assert result.output["levels"].get("error", 0) == 0  # type: ignore[attr-defined]
    assert result.output["root_cause"] is None  # type: ignore[attr-defined]


async def test_java_stack_trace_type_is_found() -> None:
    java = (
        '2024-05-01 10:00:00 ERROR Exception in thread "main" java.lang.IllegalStateException: pool closed\n'
        "\tat com.example.Pool.get(Pool.java:42)\n\tat com.example.App.main(App.java:10)\n"
        "Caused by: java.net.ConnectException: Connection refused\n\t... 2 more\n"
    )
    result = await run(java)
    assert "java.lang.IllegalStateException" in result.output["exceptions"]  # type: ignore[attr-defined]


@pytest.fixture
def log_root(tmp_path: Path) -> Path:
    root = tmp_path / "logs"
    (root / "app").mkdir(parents=True)
    (root / "app" / "api.log").write_text(APP_LOG)
    (tmp_path / "secret.txt").write_text("root:x:0:0\n")
    os.symlink(tmp_path / "secret.txt", root / "app" / "escape.log")
    return root


@pytest.mark.parametrize(
    "path", ["../secret.txt", "/etc/passwd", "app/escape.log", "app/../../secret.txt", "app"]
)
async def test_paths_outside_the_roots_are_refused(log_root: Path, path: str) -> None:
    agent = LogAnalysisAgent(LogLimits(roots=(str(log_root),)))
    context = AgentContext(input=LogAnalysisInput(log_file=path), target_policy=TargetPolicy())
    with pytest.raises(LogPathRefused) as refused:
        await agent.execute("read it", context)
    assert refused.value.status == 403


async def test_a_file_inside_the_roots_is_read_and_bounded(log_root: Path) -> None:
    agent = LogAnalysisAgent(LogLimits(roots=(str(log_root),), max_bytes=400))
    context = AgentContext(input=LogAnalysisInput(log_file="app/api.log"), target_policy=TargetPolicy())
    result = await agent.execute("read it", context)
    assert result.output["source"] == str(log_root / "app" / "api.log")
    assert result.output["lines"] <= 6  # only the last 400 bytes were read


async def test_over_http_inline_logs_and_refused_paths(make_settings, log_root: Path) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_settings(log_roots=[str(log_root)]))
    async for client in open_client(app):
        headers = {"X-API-Key": PLAIN_KEY}
        ok = await client.post(
            "/api/v1/orchestrate",
            json={"task": "analyse these logs", "context": {"logs": APP_LOG}},
            headers=headers,
        )
        assert ok.status_code == 200 and ok.json()["routing"]["agents"] == ["log_analysis"]
        refused = await client.post(
            "/api/v1/orchestrate",
            json={
                "task": "read the log",
                "agent_id": "log_analysis",
                "context": {"log_file": "../secret.txt"},
            },
            headers=headers,
        )
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "log_path_refused"
        missing = await client.post(
            "/api/v1/orchestrate", json={"task": "x", "agent_id": "log_analysis"}, headers=headers
        )
        assert missing.status_code == 422
        assert isinstance(ok, httpx.Response)


async def test_a_path_in_the_request_sentence_is_read_under_the_log_roots(
    make_settings, log_root: Path
) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_settings(log_roots=[str(log_root)]))
    async for client in open_client(app):
        headers = {"X-API-Key": PLAIN_KEY}
        read = await client.post(
            "/api/v1/orchestrate",
            json={"task": f"Analyse {log_root}/app/api.log for spikes"},
            headers=headers,
        )
        outside = await client.post(
            "/api/v1/orchestrate", json={"task": "Analyse /etc/shadow.log for spikes"}, headers=headers
        )
    assert read.status_code == 200, read.json()
    assert read.json()["routing"]["agents"] == ["log_analysis"]
    assert read.json()["results"][0]["output"]["source"] == str(log_root / "app" / "api.log")
    assert outside.status_code == 403 and outside.json()["error"]["code"] == "log_path_refused"
