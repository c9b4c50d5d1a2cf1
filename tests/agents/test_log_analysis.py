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


def _incident_log() -> str:
    """Pool exhaustion behind 504s, among many healthy requests and health probes."""
    lines = []
    for second in range(0, 50):
        lines.append(
            f'10.0.0.{second % 7 + 2} - - [01/May/2024:03:11:{second:02d} +0000] "GET /api/orders/{1000 + second} '
            f'HTTP/1.1" 200 {512 + second} "-" "shop-web/2.1"'
        )
        lines.append(
            f'10.0.0.9 - - [01/May/2024:03:11:{second:02d} +0000] "GET /healthz HTTP/1.1" 200 2 "-" "kube-probe/1.29"'
        )
    lines.append(
        "2024-05-01 03:12:00,101 WARNING sqlalchemy.pool.impl.QueuePool: QueuePool limit of size 5 overflow 10 "
        "reached, connection timed out, timeout 30.00"
    )
    for n in range(4):
        lines += [
            f"2024-05-01 03:12:{10 + n:02d},200 ERROR app.views: Exception on /api/orders [GET]",
            "Traceback (most recent call last):",
            '  File "/srv/app/views.py", line 41, in orders',
            "    rows = session.execute(query)",
            "sqlalchemy.exc.TimeoutError: QueuePool limit of size 5 overflow 10 reached, connection timed out, "
            "timeout 30.00",
        ]
    for second in range(20, 26):
        lines.append(
            f'10.0.0.3 - - [01/May/2024:03:12:{second:02d} +0000] "GET /api/orders/{2000 + second} HTTP/1.1" '
            f'504 160 "-" "shop-web/2.1"'
        )
        lines.append(
            f'10.0.0.9 - - [01/May/2024:03:12:{second:02d} +0000] "GET /healthz HTTP/1.1" 200 2 "-" "kube-probe/1.29"'
        )
    return "\n".join(lines)


async def test_incident_root_cause_is_the_pool_not_a_request_line() -> None:
    result = await run(_incident_log())
    root = result.output["root_cause"]  # type: ignore[attr-defined]
    assert (
        "QueuePool" in root["template"]
        or "QueuePool" in (root["exception_type"] or "")
        or any("QueuePool" in line for line in root["evidence"])
    )
    top = result.findings[0]  # type: ignore[attr-defined]
    assert top.code == "likely_root_cause" and "HTTP_200" not in top.message and "/healthz" not in top.message
    assert not any(" 200 " in line or "/healthz" in line for line in root["evidence"])
    templates = {row["template"] for row in result.output["templates"]}  # type: ignore[attr-defined]
    assert "GET /api/orders/<id> -> HTTP_504" in templates and "GET /api/orders/<id> -> HTTP_200" in templates


async def test_a_healthy_dpkg_log_is_healthy_and_counts_agree() -> None:
    packages = [
        "libgpg-error-l10n:all 1.47-1",
        "libc6:amd64 2.36-9",
        "liberror-perl:all 0.17029-2",
        "ssl-cert:all 1.1.2",
    ]
    lines = []
    for n in range(180):
        package = packages[n % len(packages)]
        lines += [
            f"2024-05-01 10:{n // 60:02d}:{n % 60:02d} status half-configured {package}",
            f"2024-05-01 10:{n // 60:02d}:{n % 60:02d} configure {package} <none>",
            f"2024-05-01 10:{n // 60:02d}:{n % 60:02d} status installed {package}",
        ]
    result = await run("\n".join(lines))
    assert [f.code for f in result.findings] == ["no_errors"]  # type: ignore[attr-defined]
    assert result.findings[0].severity == "info"  # type: ignore[attr-defined]
    assert "0 error(s)" in result.summary and "No errors found" in result.summary  # type: ignore[attr-defined]


async def test_the_error_counts_in_findings_agree_with_the_summary() -> None:
    result = await run(APP_LOG)
    errors = result.output["levels"].get("error", 0) + result.output["levels"].get("critical", 0)  # type: ignore[attr-defined]
    assert f"{errors} error(s)" in result.summary  # type: ignore[attr-defined]
    counted = [
        int(f.message.rsplit(": ", 1)[1].split(" ")[0])
        for f in result.findings  # type: ignore[attr-defined]
        if f.code == "error_template"
    ]
    assert counted and all(0 < n <= errors for n in counted)


async def test_a_java_chain_names_its_innermost_cause() -> None:
    java = (
        '2024-05-01 10:00:00 ERROR Exception in thread "main" java.lang.IllegalStateException: pool closed\n'
        "\tat com.example.Pool.get(Pool.java:42)\n"
        "Caused by: org.postgresql.util.PSQLException: Connection refused\n\t... 2 more\n"
        "Caused by: java.net.ConnectException: Connection refused (Connection refused)\n\t... 5 more\n"
    )
    result = await run(java)
    assert result.output["root_cause"]["exception_type"] == "java.net.ConnectException"  # type: ignore[attr-defined]
    assert any("caused by java.net.ConnectException" in f.message for f in result.findings)  # type: ignore[attr-defined]
    assert result.output["entries"] == 1  # type: ignore[attr-defined]  # one event, not five lines


async def test_a_go_panic_is_one_event() -> None:
    go = (
        "2024/05/01 10:00:00 starting\n"
        "panic: runtime error: invalid memory address or nil pointer dereference\n"
        "[signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x7a3c21]\n\n"
        "goroutine 1 [running]:\nmain.loadConfig(0x0)\n\t/src/cmd/api/main.go:57 +0x21\nmain.main()\n"
        "\t/src/cmd/api/main.go:23 +0x3a\n"
    )
    result = await run(go)
    assert result.output["entries"] == 3  # type: ignore[attr-defined]  # starting, panic, its signal line
    assert result.output["root_cause"] is not None  # type: ignore[attr-defined]
    assert "nil pointer" in result.output["root_cause"]["template"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("lines", "cause"),
    [
        (
            [
                "May 14 02:10:01 web-2 kernel: [123.4] nfs: server nfs01 not responding, still trying",
                "May 14 02:11:02 web-2 gunicorn[2201]: [2024-05-14 02:11:02 +0000] [2201] [CRITICAL] WORKER TIMEOUT (pid:2314)",
                "May 14 02:11:03 web-2 gunicorn[2201]: [2024-05-14 02:11:03 +0000] [2201] [CRITICAL] WORKER TIMEOUT (pid:2315)",
            ],
            "not responding",
        ),
        (
            [
                '10.0.0.2 - - [14/May/2024:12:02:20 +0000] "POST /checkout HTTP/1.1" 502 157 "-" "shop/1.0"',
                "[14-May-2024 12:02:21] WARNING: [pool www] server reached pm.max_children setting (20), consider raising it",
                '10.0.0.3 - - [14/May/2024:12:02:24 +0000] "POST /checkout HTTP/1.1" 502 157 "-" "shop/1.0"',
            ],
            "max_children",
        ),
    ],
)
async def test_a_resource_limit_outranks_the_failures_it_causes(lines: list[str], cause: str) -> None:
    result = await run("\n".join(lines))
    assert cause in result.findings[0].message  # type: ignore[attr-defined]
    assert result.findings[0].code == "likely_root_cause"  # type: ignore[attr-defined]


async def test_a_debug_line_naming_an_exception_type_is_not_an_error() -> None:
    lines = [
        "2024-05-14 08:00:00.100 DEBUG 1 --- [main] c.e.web.Handlers : Exception handler registered for "
        "3 exception types (ValidationException, NotFoundException, java.lang.IllegalStateException)",
        "2024-05-14 08:00:01.200  INFO 1 --- [main] o.s.b.w.e.tomcat.TomcatWebServer : Tomcat started on port 8080",
    ]
    result = await run("\n".join(lines))
    assert [f.code for f in result.findings] == ["no_errors"]  # type: ignore[attr-defined]


async def test_terraform_style_error_lines_are_errors() -> None:
    lines = [
        "2024-05-14T07:30:23.17Z Acquiring state lock. This may take a few moments...",
        "2024-05-14T07:30:25.49Z │ Error: Error acquiring the state lock",
        "2024-05-14T07:30:30.31Z Job failed: exit code 1",
    ]
    result = await run("\n".join(lines))
    assert "acquiring the state lock" in result.findings[0].message  # type: ignore[attr-defined]
