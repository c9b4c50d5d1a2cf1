"""The MCP tools: one per registered agent, `orchestrate`, `run_workflow`, `get_execution` and
`list_executions`. Each runs through the same orchestrator, workflow executor, target policy,
history and audit log as the HTTP API, as the calling key.

A result carries a short text for the model and the whole result as structured content. Bad
input and refusals are tool errors (`isError`) worded as the API words them; a question back
(an agent lacks its input) is an ordinary result whose text is the question."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import mcp_types as types
import structlog
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.agents.base import Agent
from app.api.history import executions_page, follow_events, owned_execution
from app.api.plain_text import format_record, format_run
from app.api.schemas import OrchestrateRequest, OrchestrateResponse
from app.container import Container
from app.errors import AppError, InvalidRequest, NotFound
from app.observability.metrics import MCP_TOOL_CALLS, labelled
from app.orchestration.orchestrator import Orchestration, TaskRequest
from app.security.api_keys import Caller
from app.storage.audit import AuditEvent
from app.storage.events import TERMINAL
from app.storage.executions import ExecutionFilter, ExecutionRecord, Kind, Status

log = structlog.get_logger("app.mcp")
Progress = Callable[[float, float | None, str | None], Awaitable[None]]
HEARTBEAT_SECONDS = 2.0
RUN_TOOLS = ("orchestrate", "run_workflow")
HISTORY_TOOLS = ("get_execution", "list_executions")
_M = TypeVar("_M", bound=BaseModel)
Ran = tuple[types.CallToolResult, str | None]  # the result, and the execution it recorded


@dataclass(frozen=True)
class ToolCall:
    """Who calls, and how to tell them how far the work has got."""

    container: Container
    caller: Caller
    request_id: str | None
    progress: Progress


class RunWorkflowArguments(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    workflow_id: str = Field(max_length=64, description="A shipped workflow (resources ops://workflows/...).")
    input_data: dict[str, Any] = Field(default_factory=dict, description="The workflow's declared inputs.")


class GetExecutionArguments(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    execution_id: str = Field(min_length=1, max_length=64)


class ListExecutionsArguments(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    status: Status | None = None
    kind: Kind | None = None
    agent: str | None = Field(default=None, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=512, pattern=r"^[A-Za-z0-9_-]+$")


_READ_ONLY = types.ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True)
_PROBES = types.ToolAnnotations(read_only_hint=True, destructive_hint=False, open_world_hint=True)


def list_tools(container: Container) -> list[types.Tool]:
    agents = container.registry.list()
    workflows = sorted(container.workflows.definitions)
    tools = [_agent_tool(agent) for agent in agents]
    tools += [
        types.Tool(
            name="orchestrate",
            title="Ask in plain words",
            description=(
                "Route an IT-operations task in plain words to the right agents ("
                + ", ".join(a.card.id for a in agents)
                + ") and run them. Put material (logs, compose/Kubernetes YAML) and targets in "
                "`context` or in the task. When an agent lacks input the result is its question."
            ),
            input_schema=OrchestrateRequest.model_json_schema(),
            annotations=_PROBES,
        ),
        types.Tool(
            name="run_workflow",
            title="Run a workflow",
            description=(
                "Run a shipped multi-step workflow and wait for it, with progress per step; "
                f"cancelling the call cancels the run. Workflows: {', '.join(workflows)}."
            ),
            input_schema=_with_choices(RunWorkflowArguments.model_json_schema(), "workflow_id", workflows),
            annotations=_PROBES,
        ),
        types.Tool(
            name="get_execution",
            title="Read a run",
            description=(
                "One earlier run (orchestration or workflow) by execution id: this key's own, or any for an "
                "admin key (such reads are audited)."
            ),
            input_schema=GetExecutionArguments.model_json_schema(),
            annotations=_READ_ONLY,
        ),
        types.Tool(
            name="list_executions",
            title="List runs",
            description=(
                "Runs newest first: this key's own, or every key's for an admin key (audited); "
                "`next_cursor` pages on."
            ),
            input_schema=ListExecutionsArguments.model_json_schema(),
            annotations=_READ_ONLY,
        ),
    ]
    return tools


def _agent_tool(agent: Agent) -> types.Tool:
    card = agent.card
    schema = dict(card.input_schema())
    schema["properties"] = {
        "task": {
            "type": "string",
            "maxLength": 8000,
            "description": "What to find out, in plain words (optional: the agent's standard checks).",
        },
        **schema.get("properties", {}),
    }
    return types.Tool(
        name=card.id,
        title=card.name,
        description=f"{card.description} Examples: {'; '.join(card.examples[:3])}".strip(),
        input_schema=schema,
        annotations=_PROBES,
    )


def _with_choices(schema: dict[str, Any], field: str, choices: list[str]) -> dict[str, Any]:
    schema["properties"][field] = {**schema["properties"][field], "enum": choices}
    return schema


async def call_tool(name: str, arguments: Mapping[str, Any] | None, call: ToolCall) -> types.CallToolResult:
    """Run one tool; every outcome but a crash of the service is a result, and each is audited."""
    args = dict(arguments or {})
    known = name in RUN_TOOLS or name in HISTORY_TOOLS or name in call.container.registry
    label = name if known else "unknown"
    outcome, execution_id = "error", None
    try:
        if name in call.container.registry:
            result, execution_id = await _run_agent(name, args, call)
        elif name == "orchestrate":
            result, execution_id = await _orchestrate(_parse(OrchestrateRequest, args), call)
        elif name == "run_workflow":
            result, execution_id = await _run_workflow(_parse(RunWorkflowArguments, args), call)
        elif name == "get_execution":
            result = await _get_execution(_parse(GetExecutionArguments, args), call)
        elif name == "list_executions":
            result = await _list_executions(_parse(ListExecutionsArguments, args), call)
        else:
            raise NotFound(f"No tool {name[:64]!r}; tools/list lists them.")
        outcome = "error" if result.is_error else "ok"
        return result
    except AppError as exc:
        if exc.status >= 500:
            log.warning("mcp_tool_failed", tool=label, code=exc.code)
        return _error(exc)
    except asyncio.CancelledError:
        outcome = "cancelled"
        raise
    except Exception:  # a bug: still an answer in the error shape, never a broken call
        log.exception("mcp_tool_crashed", tool=label)
        return _error(AppError())
    finally:
        labelled(MCP_TOOL_CALLS, label, outcome).inc()
        details: dict[str, Any] = {"tool": name[:64]}
        if execution_id:
            details["execution_id"] = execution_id
        who = call.caller
        audit = AuditEvent("mcp_tool_call", who.key_label, who.client_ip, call.request_id, outcome, details)
        await asyncio.shield(call.container.audit.record_or_log(audit))


def _parse(model: type[_M], args: dict[str, Any]) -> _M:
    try:
        return model.model_validate(args)
    except ValidationError as exc:
        raise InvalidRequest.from_errors(exc.errors(), ("arguments",)) from None


def _error(exc: AppError) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=exc.message)],
        structured_content={"error": {"code": exc.code, "message": exc.message, "details": exc.details}},
        is_error=True,
    )


def _result(text: str, data: dict[str, Any]) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], structured_content=data)


async def _run_agent(agent_id: str, args: dict[str, Any], call: ToolCall) -> Ran:
    task = args.pop("task", None) or f"Run the {agent_id} checks on the given input."
    request = _parse(OrchestrateRequest, {"task": task, "context": args, "agent_id": agent_id})
    return await _orchestrate(request, call)


async def _orchestrate(body: OrchestrateRequest, call: ToolCall) -> Ran:
    request = body.task_request(call.request_id, call.caller)
    try:
        run = await _with_progress(call, request, _expected_seconds(body))
    except AppError as exc:
        if exc.code == "missing_input" and isinstance(exc.details, dict):
            question = str(exc.details.get("question") or exc.message)
            return _result(question, {"needs_input": exc.details}), None
        raise
    data = OrchestrateResponse.from_run(run, call.request_id).model_dump(mode="json")
    return _result(format_run(run), data), None if run.dry_run else run.execution_id


def _expected_seconds(body: OrchestrateRequest) -> float | None:
    """How long a sampling run will take, when the input says (system monitoring's `duration`)."""
    duration = body.context.get("duration")
    return float(duration) if isinstance(duration, int | float) and duration > 0 else None


async def _with_progress(call: ToolCall, request: TaskRequest, expected: float | None) -> Orchestration:
    """Run the task, telling the client as agents finish and, while they work, every few seconds;
    progress is seconds elapsed (of `expected`, when known), so it only ever grows."""
    started = time.monotonic()
    last = -1.0

    async def tell(message: str) -> None:
        nonlocal last
        value = max(round(time.monotonic() - started, 2), last + 0.01)
        last = value
        await call.progress(value, expected, message)

    async def on_progress(kind: str, data: dict[str, Any]) -> None:
        if kind == "routed":
            await tell(f"running {', '.join(data['agents'])}")
        elif kind == "agent_finished":
            await tell(f"{data['agent_id']} {data['status']}")

    async def heartbeat() -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            await tell(f"working, {time.monotonic() - started:.0f} s")

    beating = asyncio.create_task(heartbeat())
    try:
        return await call.container.orchestrator.run(replace(request, progress=on_progress))
    finally:
        beating.cancel()


async def _run_workflow(args: RunWorkflowArguments, call: ToolCall) -> Ran:
    container, caller = call.container, call.caller
    definition = container.workflows.definition(args.workflow_id)
    execution_id = await container.workflows.start(
        definition,
        args.input_data,
        owner=caller.key_label,
        request_id=call.request_id,
        client_ip=caller.client_ip,
    )
    steps, done = len(definition.steps), 0
    try:
        async for event in follow_events(container, execution_id, 0, _never_gone):
            kind = str(event.get("type", ""))
            if kind.startswith("step_") and kind != "step_started":
                done += 1
                step = (event.get("data") or {}).get("step", "?")
                await call.progress(done, steps, f"step {step} {kind.removeprefix('step_')}")
            if kind == TERMINAL:
                break
    except asyncio.CancelledError:
        if container.health.draining:  # the service is stopping: the run goes to another replica
            raise
        audit = AuditEvent(
            "cancel_requested",
            caller.key_label,
            caller.client_ip,
            call.request_id,
            "accepted",
            {"execution_id": execution_id, "via": "mcp"},
        )
        await asyncio.shield(container.workflows.request_cancel(execution_id, audit))
        raise
    await container.workflows.wait(execution_id)
    record = await owned_execution(container, caller, execution_id)
    return _record_result(record), execution_id


async def _never_gone() -> bool:
    return False  # the MCP client leaves by cancelling the call, which cancels this task


async def _get_execution(args: GetExecutionArguments, call: ToolCall) -> types.CallToolResult:
    return _record_result(await owned_execution(call.container, call.caller, args.execution_id))


def _record_result(record: ExecutionRecord) -> types.CallToolResult:
    return _result(format_record(record), record.model_dump(mode="json"))


async def _list_executions(args: ListExecutionsArguments, call: ToolCall) -> types.CallToolResult:
    filters = ExecutionFilter(status=args.status, kind=args.kind, agent=args.agent)
    records, next_cursor = await executions_page(
        call.container, call.caller, filters, limit=args.limit, cursor=args.cursor
    )
    lines = [
        f"{r.created_at:%Y-%m-%d %H:%M:%S} {r.execution_id} {r.status} "
        f"{','.join(r.agents)}: {(r.task or r.workflow_id or '')[:80]}"
        for r in records
    ] or ["No runs."]
    if next_cursor:
        lines.append(f"More: call again with cursor={next_cursor}")
    data = {
        "executions": [
            {
                "execution_id": r.execution_id,
                "kind": r.kind,
                "status": r.status,
                "task": r.task,
                "workflow_id": r.workflow_id,
                "agents": r.agents,
                "summary": r.summary,
                "critical_count": r.critical_count,
                "created_at": r.created_at.isoformat(),
            }
            for r in records
        ],
        "next_cursor": next_cursor,
    }
    return _result("\n".join(lines), data)
