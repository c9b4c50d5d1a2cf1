"""Workflows over HTTP: concurrency, dependencies, templating, validation, cancellation, events."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict
from sqlalchemy import text

from app.agents.base import AgentCard, AgentContext, AgentResult, Finding
from app.main import create_app
from app.orchestration.workflows.models import WorkflowDefinition
from tests.conftest import PLAIN_KEY, database_backend, open_client

AUTH = {"X-API-Key": PLAIN_KEY}


class SleeperInput(BaseModel):
    model_config = ConfigDict(extra="allow")
    seconds: float = 0.0
    value: Any = None
    fail: bool = False


class Sleeper:
    """A real agent for workflow tests: sleeps, then echoes its input as output."""

    card = AgentCard(id="sleeper", name="Sleeper", description="sleeps and echoes", capabilities=("sleep",),
                     version="1", input_model=SleeperInput)  # fmt: skip

    async def execute(self, task: str, context: AgentContext) -> AgentResult:
        spec = context.input
        assert isinstance(spec, SleeperInput)
        await asyncio.sleep(spec.seconds)
        if spec.fail:
            raise RuntimeError("asked to fail")
        finding = Finding(severity="warning", code="slept", message=f"{task}: slept {spec.seconds}s")
        return AgentResult(agent_id="sleeper", status="completed", summary=f"{task} done",
                           findings=[finding], output={"value": spec.value, "task": task})  # fmt: skip


@pytest.fixture
async def app_client(make_settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:  # type: ignore[no-untyped-def]
    app = create_app(make_settings(workflow_max_steps=8, network_allow_targets=["127.0.0.0/8"]))
    async for client in open_client(app):
        app.state.container.registry.register(Sleeper())
        yield app, client


def step(
    step_id: str, seconds: float = 0.0, depends_on: tuple[str, ...] = (), **extra: Any
) -> dict[str, Any]:
    return {"id": step_id, "agent": "sleeper", "task": step_id, "depends_on": list(depends_on),
            "input": {"seconds": seconds, **extra.pop("input", {})}, **extra}  # fmt: skip


async def run(client: httpx.AsyncClient, steps: list[dict[str, Any]], **body: Any) -> httpx.Response:
    payload = {"definition": {"id": "test_flow", "steps": steps}, **body}
    return await client.post("/api/v1/workflows", json=payload, headers=AUTH)


def when(record: dict[str, Any], step_id: str, key: str) -> dt.datetime:
    value = next(s for s in record["steps"] if s["id"] == step_id)[key]
    return dt.datetime.fromisoformat(value)


async def test_parallel_steps_overlap_and_dependencies_wait(app_client) -> None:  # type: ignore[no-untyped-def]
    _, client = app_client
    response = await run(
        client, [step("a", 0.3), step("b", 0.3), step("c", 0.3), step("last", 0.0, ("a", "b", "c"))]
    )
    assert response.status_code == 200, response.text
    record = response.json()
    assert record["status"] == "completed" and record["kind"] == "workflow"
    starts = [when(record, s, "started_at") for s in "abc"]
    ends = [when(record, s, "finished_at") for s in "abc"]
    # All three were running at the same time (the recorded times, not a wall-clock bound, which
    # a loaded CI machine can miss: a run took 0.84 s against a 0.75 s bound).
    assert max(starts) < min(ends)
    assert when(record, "last", "started_at") >= max(ends)


async def test_templating_passes_one_steps_output_to_another(app_client) -> None:  # type: ignore[no-untyped-def]
    _, client = app_client
    steps = [
        step("first", input={"value": {"hosts": ["db01", "db02"], "port": 5432}}),
        step("second", depends_on=("first",), input={"value": "{{ steps.first.output.value.hosts }}",
                                                    "note": "port {{ steps.first.output.value.port }} on {{ input.site }}"}),
    ]  # fmt: skip
    payload = {"definition": {"id": "tpl", "inputs": {"site": {"type": "string"}}, "steps": steps},
               "input_data": {"site": "fra1"}}  # fmt: skip
    record = (await client.post("/api/v1/workflows", json=payload, headers=AUTH)).json()
    second = next(s for s in record["steps"] if s["id"] == "second")
    assert second["output"]["value"] == ["db01", "db02"]  # a list stays a list


async def test_when_condition_and_failure_handling(app_client) -> None:  # type: ignore[no-untyped-def]
    _, client = app_client
    steps = [
        step("check", input={"value": 0}),
        step("skipped", depends_on=("check",), when="steps.check.output.value > 5"),
        step("broken", input={"fail": True}),
        step("after_broken", depends_on=("broken",)),
    ]
    record = (await run(client, steps)).json()
    states = {s["id"]: s for s in record["steps"]}
    assert states["skipped"]["status"] == "skipped" and "condition not met" in states["skipped"]["summary"]
    assert states["broken"]["status"] == "failed" and "asked to fail" in states["broken"]["error"]
    assert states["after_broken"]["status"] == "skipped" and "broken" in states["after_broken"]["error"]
    assert record["status"] == "partial"


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([step("a", depends_on=("b",)), step("b", depends_on=("a",))], "cycle"),
        ([{"id": "a", "agent": "wizard"}], "unknown agent 'wizard'"),
        ([step("a", depends_on=("ghost",))], "unknown step 'ghost'"),
        ([step("a"), step("b", input={"value": "{{ steps.a.output }}"})], "not among its dependencies"),
        ([step("a", input={"value": "{{ steps.a.output"})], "does not parse"),
        ([step("a", input={"value": "{{ secrets.key }}"})], "only input, steps and item"),
        ([step("a", input={"value": "{{ item }}"})], "without for_each"),
        ([step("a"), step("a")], "used twice"),
        ([step(f"s{i}") for i in range(9)], "at most 8"),
        ([], "steps"),
        ([{"id": "Bad Id", "agent": "sleeper"}], "steps.0.id"),
    ],
)
async def test_invalid_definitions_are_422_with_a_precise_message(app_client, steps, message: str) -> None:  # type: ignore[no-untyped-def]
    _, client = app_client
    response = await run(client, steps)
    assert response.status_code == 422, response.text
    assert message in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"workflow_id": "network_diagnostics_workflow", "input_data": {}}, "input_data.target is required"),
        (
            {"workflow_id": "network_diagnostics_workflow", "input_data": {"target": 5}},
            "must be of type string",
        ),
        (
            {"workflow_id": "network_diagnostics_workflow", "input_data": {"target": "x", "evil": 1}},
            "unknown fields",
        ),
        ({"input_data": {}}, "exactly one of workflow_id and definition"),
    ],
)
async def test_bad_run_requests_are_422(app_client, body: dict[str, Any], message: str) -> None:  # type: ignore[no-untyped-def]
    _, client = app_client
    response = await client.post("/api/v1/workflows", json=body, headers=AUTH)
    assert response.status_code == 422, response.text
    assert message in response.json()["error"]["message"]


async def test_unknown_workflow_is_404(app_client) -> None:  # type: ignore[no-untyped-def]
    _, client = app_client
    assert (await client.get("/api/v1/workflows/nope", headers=AUTH)).status_code == 404
    response = await client.post("/api/v1/workflows", json={"workflow_id": "nope"}, headers=AUTH)
    assert response.status_code == 404


async def test_shipped_workflows_are_listed(app_client) -> None:  # type: ignore[no-untyped-def]
    _, client = app_client
    listed = (await client.get("/api/v1/workflows", headers=AUTH)).json()["workflows"]
    ids = {w["id"] for w in listed}
    assert {"network_diagnostics_workflow", "certificate_audit"} <= ids
    one = (await client.get("/api/v1/workflows/network_diagnostics_workflow", headers=AUTH)).json()
    assert "target" in one["inputs"] and one["steps"][0]["id"] == "dns"


async def test_background_run_can_be_cancelled(app_client) -> None:  # type: ignore[no-untyped-def]
    _, client = app_client
    accepted = await run(client, [step("quick"), step("slow", 30, ("quick",))], wait=False)
    assert accepted.status_code == 202
    execution_id = accepted.json()["execution_id"]
    for _ in range(50):
        record = (await client.get(f"/api/v1/executions/{execution_id}", headers=AUTH)).json()
        if any(s["id"] == "slow" and s["status"] == "running" for s in record["steps"]):
            break
        await asyncio.sleep(0.05)
    started = time.perf_counter()
    cancelled = await client.post(f"/api/v1/executions/{execution_id}/cancel", headers=AUTH)
    assert cancelled.status_code == 202
    for _ in range(50):
        record = (await client.get(f"/api/v1/executions/{execution_id}", headers=AUTH)).json()
        if record["status"] == "cancelled":
            break
        await asyncio.sleep(0.05)
    assert record["status"] == "cancelled"
    assert time.perf_counter() - started < 2
    states = {s["id"]: s["status"] for s in record["steps"]}
    assert states == {"quick": "completed", "slow": "cancelled"}
    again = await client.post(f"/api/v1/executions/{execution_id}/cancel", headers=AUTH)
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_cancellable"


def parse_sse(text: str) -> list[dict[str, Any]]:
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        data = [line[5:].strip() for line in block.split("\n") if line.startswith("data:")]
        if data:
            events.append(json.loads("\n".join(data)))
    return events


async def test_events_are_ordered_end_with_one_terminal_event_and_replay_late(app_client) -> None:  # type: ignore[no-untyped-def]
    _, client = app_client
    accepted = await run(client, [step("a", 0.2), step("b", 0.2, ("a",))], wait=False)
    execution_id = accepted.json()["execution_id"]
    live = await client.get(f"/api/v1/executions/{execution_id}/events", headers=AUTH)
    assert live.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(live.text)
    kinds = [e["type"] for e in events]
    assert kinds[0] == "execution_started" and kinds[-1] == "execution_finished"
    assert kinds.count("execution_finished") == 1
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert kinds.index("step_completed") < len(kinds) - 1
    assert events[-1]["data"]["status"] == "completed"
    late = parse_sse((await client.get(f"/api/v1/executions/{execution_id}/events", headers=AUTH)).text)
    assert late == events  # a subscriber joining after the end replays everything
    resumed = parse_sse(
        (
            await client.get(
                f"/api/v1/executions/{execution_id}/events",
                headers={**AUTH, "Last-Event-ID": str(events[2]["seq"])},
            )
        ).text  # fmt: skip
    )
    assert resumed == events[3:]


async def test_orchestrations_have_events_too_and_a_finished_one_cannot_be_cancelled(app_client) -> None:  # type: ignore[no-untyped-def]
    _, client = app_client
    body = {"task": "sleep", "agent_id": "sleeper", "context": {"seconds": 0}}
    execution_id = (await client.post("/api/v1/orchestrate", json=body, headers=AUTH)).json()["execution_id"]
    events = parse_sse((await client.get(f"/api/v1/executions/{execution_id}/events", headers=AUTH)).text)
    assert [e["type"] for e in events] == ["execution_started", "agent_finished", "execution_finished"]
    response = await client.post(f"/api/v1/executions/{execution_id}/cancel", headers=AUTH)
    assert response.status_code == 409  # (a running one can be: tests/integration/test_run_endings.py)
    assert response.json()["error"]["message"] == "The run is already completed."


async def test_a_workflow_whose_agent_is_not_installed_here_fails_instead_of_hanging(app_client) -> None:  # type: ignore[no-untyped-def]
    app, client = app_client
    workflows = app.state.container.workflows
    # As a replica without a plugin meets it when it resumes another replica's run.
    definition = WorkflowDefinition.model_validate(
        {"id": "plugin_flow", "steps": [{"id": "first", "agent": "sleeper", "input": {"seconds": 0}},
                                        {"id": "second", "agent": "not_installed", "depends_on": ["first"]}]}
    )  # fmt: skip
    execution_id = await workflows.submit(definition, {}, owner="ops", request_id=None, client_ip=None)
    await asyncio.wait_for(workflows.wait(execution_id), 5)
    record = (await client.get(f"/api/v1/executions/{execution_id}", headers=AUTH)).json()
    assert record["status"] == "partial"  # it ended: one step done, one failed
    steps = {s["id"]: s for s in record["steps"]}
    assert steps["first"]["status"] == "completed"
    assert steps["second"]["status"] == "failed"
    assert "'not_installed' is not installed on this replica" in steps["second"]["error"]
    assert execution_id not in workflows.running


async def _network_workflow(client: httpx.AsyncClient, server: asyncio.Server) -> tuple[dict[str, Any], int]:
    """The shipped network workflow run against `server` (closed afterwards): record and port."""
    port: int = server.sockets[0].getsockname()[1]
    try:
        response = await client.post(
            "/api/v1/workflows",
            json={
                "workflow_id": "network_diagnostics_workflow",
                "input_data": {"target": "127.0.0.1", "port": port},
            },
            headers=AUTH,
        )
    finally:
        server.close()
    return response.json(), port


async def test_shipped_network_workflow_runs_against_loopback(app_client) -> None:  # type: ignore[no-untyped-def]
    _, client = app_client

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    record, _ = await _network_workflow(client, await asyncio.start_server(accept, "127.0.0.1", 0))
    states = {s["id"]: s["status"] for s in record["steps"]}
    # 127.0.0.1 is an IP: DNS has nothing to resolve, so the checks that need addresses are skipped.
    assert states["dns"] == "completed" and states["summary"] == "completed"
    assert record["status"] == "completed"


async def test_shipped_network_workflow_speaks_tls_on_any_port(app_client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A TLS service on a port outside any list: the HTTP step speaks https to it and the TLS
    step runs and reads its certificate."""
    from tests.loopback_servers import make_certificates, server_context, start_http

    _, client = app_client
    server = await start_http(server_context(make_certificates(tmp_path, days_valid=40)))
    record, port = await _network_workflow(client, server)
    steps = {s["id"]: s for s in record["steps"]}
    assert steps["tls"]["status"] == "completed", steps["tls"]
    text = json.dumps(record)
    assert f"https://127.0.0.1:{port}/" in text  # the HTTP step spoke TLS
    assert '"days_until_expiry": 40' in text  # the TLS step read the certificate


async def test_a_key_with_too_many_running_workflows_gets_429(make_settings) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_settings(max_running_workflows_per_key=2))
    async for client in open_client(app):
        app.state.container.registry.register(Sleeper())
        body = {"definition": {"id": "nap", "steps": [step("nap", seconds=5)]}, "wait": False}
        ids = []
        for _ in range(2):
            accepted = await client.post("/api/v1/workflows", json=body, headers=AUTH)
            assert accepted.status_code == 202
            ids.append(accepted.json()["execution_id"])
        refused = await client.post("/api/v1/workflows", json=body, headers=AUTH)
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "too_many_running"
        assert "at most 2" in refused.json()["error"]["message"] and refused.headers["Retry-After"] == "10"
        await client.post(f"/api/v1/executions/{ids[0]}/cancel", headers=AUTH)
        await asyncio.wait_for(app.state.container.workflows.wait(ids[0]), 5)
        assert (await client.post("/api/v1/workflows", json=body, headers=AUTH)).status_code == 202
        for execution_id in list(app.state.container.workflows.running):
            app.state.container.workflows.cancel_local(execution_id)


async def test_a_step_timeout_is_capped_by_the_agent_timeout_cap(make_settings) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_settings(agent_max_timeout_seconds=0.5))
    async for client in open_client(app):
        app.state.container.registry.register(Sleeper())
        nap = {**step("nap", seconds=3), "timeout_seconds": 3600}
        started = time.perf_counter()
        response = await client.post(
            "/api/v1/workflows",
            json={"definition": {"id": "nap", "steps": [nap]}, "wait": True},
            headers=AUTH,
        )
        assert time.perf_counter() - started < 2.5
        [state] = response.json()["steps"]
        assert state["status"] == "failed" and "0.5" in (state["error"] or "")


@pytest.mark.skipif(database_backend() != "sqlite", reason="breaks the SQLite file it owns")
async def test_a_workflow_whose_writes_fail_ends_instead_of_staying_running(make_settings) -> None:  # type: ignore[no-untyped-def]
    """The database refuses the run's writes mid-run: its task stops its steps and ends, its lease
    is no longer renewed, and once the database is back the sweep gives the run its one ending."""
    app = create_app(make_settings(lease_seconds=1, workflow_resume=False))
    async for client in open_client(app):
        container = app.state.container
        container.registry.register(Sleeper())
        body = {"definition": {"id": "nap", "steps": [step("nap", seconds=0.5)]}, "wait": False}
        execution_id = (await client.post("/api/v1/workflows", json=body, headers=AUTH)).json()[
            "execution_id"
        ]
        engine = container.database.engine
        async with engine.begin() as connection:
            await connection.execute(text("ALTER TABLE execution_events RENAME TO events_away"))
        await asyncio.wait_for(asyncio.shield(container.workflows.running[execution_id]), 5)
        assert execution_id not in container.workflows.running  # the task ended, nothing orphaned
        async with engine.begin() as connection:
            await connection.execute(text("ALTER TABLE events_away RENAME TO execution_events"))
        record: dict[str, Any] = {}
        for _ in range(50):
            record = (await client.get(f"/api/v1/executions/{execution_id}", headers=AUTH)).json()
            if record["status"] != "running":
                break
            await asyncio.sleep(0.1)
        assert record["status"] == "interrupted"
        events = parse_sse((await client.get(f"/api/v1/executions/{execution_id}/events", headers=AUTH)).text)
        assert [e["type"] for e in events].count("execution_finished") == 1
