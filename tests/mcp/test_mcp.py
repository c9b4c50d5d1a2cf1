"""The MCP endpoint with the official `mcp` client SDK against the service under uvicorn on
127.0.0.1 (on the suite's database: SQLite, or PostgreSQL on CI's second pass), and the stdio
proxy (`orchestrator mcp`) end to end."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from app.main import create_app
from tests.conftest import loopback_service_settings, shared_database_url
from tests.integration.uvicorn_process import ROOT, clean_env
from tests.llm.standins import serve

OPS = "mcp-ops-key-0001"
OTHER = "mcp-dev-key-0002"
ADMIN = "mcp-root-key-0003"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = loopback_service_settings(
        shared_database_url(tmp_path_factory.mktemp("mcp")),
        [f"ops:{OPS}", f"dev:{OTHER}", f"root:{ADMIN}"],
        admin_key_labels=["root"],
        network_check_timeout_seconds=20,
    )
    with serve(create_app(settings), lifespan="on") as url:
        yield url


@asynccontextmanager
async def connect(service: str, key: str = OPS, **options: Any) -> AsyncIterator[Client]:
    http = httpx2.AsyncClient(headers={"X-API-Key": key}, timeout=httpx2.Timeout(30, read=120))
    async with http, Client(streamable_http_client(f"{service}/mcp", http_client=http), **options) as client:
        yield client


def api(service: str, method: str, path: str, key: str = OPS, **kwargs: Any) -> httpx.Response:
    return httpx.request(method, f"{service}{path}", headers={"X-API-Key": key}, timeout=30, **kwargs)


def text(result: Any) -> str:
    return "\n".join(part.text for part in result.content if part.type == "text")


def audit_entries(service: str, event: str) -> list[dict[str, Any]]:
    response = api(service, "GET", "/api/v1/audit", ADMIN, params={"event": event, "limit": 200})
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["entries"]
    return entries


async def test_tools_are_the_agents_and_the_run_and_history_tools(service: str) -> None:
    async with connect(service) as client:
        listed = {tool.name: tool for tool in (await client.list_tools()).tools}
    agents = {a["id"] for a in api(service, "GET", "/api/v1/agents").json()["agents"]}
    assert set(listed) == agents | {"orchestrate", "run_workflow", "get_execution", "list_executions"}
    network = listed["network_diagnostics"].input_schema
    assert {"task", "hostname", "port"} <= set(network["properties"])
    assert listed["orchestrate"].input_schema["required"] == ["task"]
    assert (
        "network_diagnostics_workflow"
        in listed["run_workflow"].input_schema["properties"]["workflow_id"]["enum"]
    )
    assert (
        listed["get_execution"].annotations is not None and listed["get_execution"].annotations.read_only_hint
    )


async def test_a_network_tool_probes_a_loopback_listener_and_is_recorded_as_the_caller(
    service: str, listening_port: int
) -> None:
    async with connect(service) as client:
        result = await client.call_tool(
            "network_diagnostics", {"hostname": "127.0.0.1", "port": listening_port}
        )
    assert not result.is_error, text(result)
    assert f"accepts TCP on port {listening_port}" in text(result)
    data = result.structured_content or {}
    execution_id = data["execution_id"]
    assert data["results"][0]["agent_id"] == "network_diagnostics" and data["status"] == "completed"
    record = api(service, "GET", f"/api/v1/executions/{execution_id}")
    assert record.status_code == 200 and record.json()["owner"] == "ops"
    assert api(service, "GET", f"/api/v1/executions/{execution_id}", OTHER).status_code == 404
    calls = [
        e for e in audit_entries(service, "mcp_tool_call") if e["details"].get("execution_id") == execution_id
    ]
    assert [(e["actor"], e["outcome"], e["details"]["tool"]) for e in calls] == [
        ("ops", "ok", "network_diagnostics")
    ]
    started = [
        e
        for e in audit_entries(service, "orchestration_started")
        if e["details"]["execution_id"] == execution_id
    ]
    assert [e["actor"] for e in started] == ["ops"]


async def test_orchestrate_reads_pasted_logs_and_asks_when_input_is_missing(service: str) -> None:
    logs = "\n".join(
        [f"2026-11-30T01:0{i}:00Z INFO api: GET /healthz 200" for i in range(5)]
        + [
            "2026-11-30T01:06:00Z ERROR api: QueuePool limit of size 5 overflow 10 reached, connection timed out"
        ]
        * 3
    )
    async with connect(service) as client:
        result = await client.call_tool(
            "orchestrate", {"task": "what went wrong in these logs?", "context": {"logs": logs}}
        )
        question = await client.call_tool("orchestrate", {"task": "can you check our TLS certificate?"})
    assert not result.is_error, text(result)
    assert (result.structured_content or {})["routing"]["agents"] == ["log_analysis"]
    assert "QueuePool" in text(result)
    assert not question.is_error and text(question).strip() == "Which host should I check?"
    assert (question.structured_content or {})["needs_input"]["agent"] == "network_diagnostics"


async def test_refusals_and_bad_input_are_tool_errors_in_the_api_s_words(service: str) -> None:
    async with connect(service) as client:
        refused = await client.call_tool("network_diagnostics", {"hostname": "169.254.169.254"})
        invalid = await client.call_tool("network_diagnostics", {"hostname": "127.0.0.1", "port": "https"})
        untasked = await client.call_tool("orchestrate", {"context": {}})
        unknown = await client.call_tool("reboot_everything", {})
        missing = await client.call_tool("get_execution", {"execution_id": "f" * 32})
    same = api(
        service, "POST", "/api/v1/orchestrate",
        json={"task": "Run the network_diagnostics checks on the given input.", "agent_id": "network_diagnostics",
              "context": {"hostname": "169.254.169.254"}},
    )  # fmt: skip
    assert same.status_code == 403
    assert refused.is_error and text(refused) == same.json()["error"]["message"]
    assert (refused.structured_content or {})["error"]["code"] == "target_not_allowed"
    assert (
        invalid.is_error
        and text(invalid) == "The context does not fit network_diagnostics's input: context.port."
    )
    assert untasked.is_error and text(untasked) == "The request is invalid: arguments.task: Field required."
    assert unknown.is_error and "No tool 'reboot_everything'" in text(unknown)
    assert missing.is_error and text(missing) == f"No execution {'f' * 32!r} for this key."


def test_a_bad_key_gets_401_before_the_body_is_read(service: str) -> None:
    for headers in ({}, {"X-API-Key": "not-a-key"}, {"Authorization": "Bearer not-a-key"}):
        response = httpx.post(
            f"{service}/mcp", content=b"{not json", timeout=10,
            headers={**headers, "Content-Type": "application/json", "Accept": "application/json, text/event-stream"},
        )  # fmt: skip
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_bearer_keys_and_the_handshake_era_work_too(service: str) -> None:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {OPS}"})
    async with (
        http,
        Client(streamable_http_client(f"{service}/mcp", http_client=http), mode="legacy") as client,
    ):
        names = {tool.name for tool in (await client.list_tools()).tools}
        result = await client.call_tool("list_executions", {"limit": 1})
    assert "orchestrate" in names and not result.is_error


async def test_a_sampling_tool_reports_progress(service: str) -> None:
    seen: list[tuple[float, float | None, str | None]] = []

    async def progress(value: float, total: float | None, message: str | None) -> None:
        seen.append((value, total, message))

    async with connect(service) as client:
        result = await client.call_tool(
            "system_monitoring",
            {"task": "how busy is this host?", "duration": 3, "interval": 1},
            progress_callback=progress,
        )
    assert not result.is_error, text(result)
    assert len(seen) >= 3  # routed, at least one heartbeat while sampling, finished
    values = [value for value, _, _ in seen]
    assert values == sorted(values) and len(set(values)) == len(values)
    assert all(total == 3.0 for _, total, _ in seen)
    assert seen[0][2] == "running system_monitoring" and seen[-1][2] == "system_monitoring completed"


async def test_cancelling_a_workflow_call_cancels_the_run(service: str, tcp_listener: int) -> None:
    steps: list[str | None] = []
    stepped = anyio.Event()

    async def progress(value: float, total: float | None, message: str | None) -> None:
        steps.append(message)
        stepped.set()

    arguments = {
        "workflow_id": "network_diagnostics_workflow",
        "input_data": {"target": "127.0.0.1", "port": tcp_listener},
    }
    async with connect(service) as client, anyio.create_task_group() as group:
        finished = []

        async def call() -> None:
            finished.append(await client.call_tool("run_workflow", arguments, progress_callback=progress))

        group.start_soon(call)
        with anyio.fail_after(20):
            await stepped.wait()  # the first steps are done; the HTTP step hangs on the silent listener
        await anyio.sleep(1)
        group.cancel_scope.cancel()
    assert finished == []
    runs: list[dict[str, Any]] = []
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        runs = api(service, "GET", "/api/v1/executions", params={"kind": "workflow", "limit": 5}).json()[
            "executions"
        ]
        if runs and runs[0]["status"] != "running":
            break
        await asyncio.sleep(0.2)
    assert runs and runs[0]["workflow_id"] == "network_diagnostics_workflow" and runs[0]["owner"] == "ops"
    assert runs[0]["status"] == "cancelled"
    assert steps and all("step" in (message or "") for message in steps)  # steps done before the hang
    cancels = [
        e
        for e in audit_entries(service, "cancel_requested")
        if e["details"]["execution_id"] == runs[0]["execution_id"]
    ]
    assert [(e["actor"], e["details"].get("via")) for e in cancels] == [("ops", "mcp")]


async def test_get_and_list_executions_see_only_the_caller_s_runs(service: str, listening_port: int) -> None:
    async with connect(service, OTHER) as client:
        ran = await client.call_tool("orchestrate", {"task": f"is port {listening_port} open on 127.0.0.1?"})
        execution_id = (ran.structured_content or {})["execution_id"]
        got = await client.call_tool("get_execution", {"execution_id": execution_id})
        listed = await client.call_tool("list_executions", {"limit": 50})
    assert not got.is_error and (got.structured_content or {})["owner"] == "dev"
    assert execution_id in text(got) and "completed" in text(got)
    owners = {api(service, "GET", f"/api/v1/executions/{r['execution_id']}", ADMIN).json()["owner"]
              for r in (listed.structured_content or {})["executions"]}  # fmt: skip
    assert owners == {"dev"}
    async with connect(service) as client:
        theirs = await client.call_tool("get_execution", {"execution_id": execution_id})
    assert theirs.is_error and (theirs.structured_content or {})["error"]["code"] == "not_found"


async def test_workflows_and_agent_cards_are_resources_and_triage_is_a_prompt(service: str) -> None:
    async with connect(service) as client:
        uris = {str(r.uri) for r in (await client.list_resources()).resources}
        workflow = await client.read_resource("ops://workflows/network_diagnostics_workflow")
        card = await client.read_resource("ops://agents/log_analysis")
        prompts = {p.name for p in (await client.list_prompts()).prompts}
        prompt = await client.get_prompt(
            "triage_incident", {"symptom": "checkout returns 504", "service": "shop.internal"}
        )
    assert {"ops://workflows/network_diagnostics_workflow", "ops://agents/network_diagnostics"} <= uris
    assert "steps:" in workflow.contents[0].text  # type: ignore[union-attr]
    assert json.loads(card.contents[0].text)["id"] == "log_analysis"  # type: ignore[union-attr]
    assert prompts == {"triage_incident"}
    said = prompt.messages[0].content.text  # type: ignore[union-attr]
    assert "checkout returns 504" in said and "shop.internal" in said and "log_analysis" in said


async def test_the_stdio_proxy_carries_tools_end_to_end(service: str, listening_port: int) -> None:
    env = clean_env(ORCHESTRATOR_URL=service, ORCHESTRATOR_API_KEY=OPS, HOME=os.environ.get("HOME", "/root"))
    command = StdioServerParameters(
        command=sys.executable, args=["-m", "app.cli", "mcp"], env=env, cwd=str(ROOT)
    )
    async with Client(command) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        result = await client.call_tool(
            "network_diagnostics", {"hostname": "127.0.0.1", "port": listening_port}
        )
    assert "run_workflow" in names
    assert not result.is_error and f"accepts TCP on port {listening_port}" in text(result)
    record = api(service, "GET", f"/api/v1/executions/{(result.structured_content or {})['execution_id']}")
    assert record.json()["owner"] == "ops"  # the proxy's key, from its environment


def test_the_stdio_proxy_refuses_to_start_with_a_bad_key(service: str) -> None:
    env = clean_env(ORCHESTRATOR_URL=service, ORCHESTRATOR_API_KEY="not-a-key")
    done = subprocess.run(  # noqa: S603 - our interpreter, fixed arguments
        [sys.executable, "-m", "app.cli", "mcp"], env=env, cwd=ROOT, input="", capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 1 and done.stdout == ""  # stdout is the protocol's: nothing on it
    assert "401 unauthorized: The API key is not valid." in done.stderr
