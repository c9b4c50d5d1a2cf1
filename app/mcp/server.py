"""The MCP server: tools (`app.mcp.tools`), the shipped workflows and the agents' cards as
resources, and a "triage an incident" prompt, on the official SDK's low-level `Server`.

Handlers find the service's container and the authenticated caller on the HTTP request that
carried the message (`app.mcp.endpoint` authenticated it before the SDK saw it)."""

from __future__ import annotations

import json
from typing import Any

import mcp_types as types
import yaml
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel.server import Server
from mcp.shared.exceptions import MCPError
from starlette.requests import Request

from app import __version__
from app.container import Container
from app.mcp.tools import ToolCall, call_tool, list_tools
from app.security.api_keys import Caller

Context = ServerRequestContext[Any, Any]
INSTRUCTIONS = (
    "IT-operations diagnostics with real, policy-checked probes: network (DNS, ping, TCP, HTTP, TLS, "
    "traceroute), this host's resources, logs you paste, and docker-compose/Kubernetes audits. Use "
    "`orchestrate` for a task in plain words, or an agent's own tool with structured input. Runs are "
    "kept in the service's history under your key (`get_execution`, `list_executions`)."
)
TRIAGE = "triage_incident"


def build_server() -> Server[Any]:
    return Server(
        "ops-agent-orchestrator",
        version=__version__,
        title="Ops Agent Orchestrator",
        instructions=INSTRUCTIONS,
        on_list_tools=_list_tools,
        on_call_tool=_call_tool,
        on_list_resources=_list_resources,
        on_read_resource=_read_resource,
        on_list_prompts=_list_prompts,
        on_get_prompt=_get_prompt,
    )


def _request(ctx: Context) -> Request:
    request = ctx.request
    if not isinstance(request, Request):  # only the HTTP endpoint serves this server
        raise MCPError(types.INTERNAL_ERROR, "no HTTP request behind this message")
    return request


def _container(ctx: Context) -> Container:
    container: Container = _request(ctx).app.state.container
    return container


async def _list_tools(ctx: Context, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
    return types.ListToolsResult(tools=list_tools(_container(ctx)))


async def _call_tool(ctx: Context, params: types.CallToolRequestParams) -> types.CallToolResult:
    request = _request(ctx)
    caller: Caller = request.state.caller

    async def progress(value: float, total: float | None, message: str | None) -> None:
        await ctx.session.report_progress(value, total, message)

    call = ToolCall(_container(ctx), caller, getattr(request.state, "request_id", None), progress)
    return await call_tool(params.name, params.arguments, call)


def _workflow_uri(workflow_id: str) -> str:
    return f"ops://workflows/{workflow_id}"


def _agent_uri(agent_id: str) -> str:
    return f"ops://agents/{agent_id}"


async def _list_resources(
    ctx: Context, params: types.PaginatedRequestParams | None
) -> types.ListResourcesResult:
    container = _container(ctx)
    resources = [
        types.Resource(
            name=f"workflow {d.id}",
            title=d.name,
            uri=_workflow_uri(d.id),
            description=d.description.strip() or None,
            mime_type="application/yaml",
        )
        for d in container.workflows.definitions.values()
    ]
    resources += [
        types.Resource(
            name=f"agent {a.card.id}",
            title=a.card.name,
            uri=_agent_uri(a.card.id),
            description=a.card.description,
            mime_type="application/json",
        )
        for a in container.registry.list()
    ]
    return types.ListResourcesResult(resources=resources)


async def _read_resource(ctx: Context, params: types.ReadResourceRequestParams) -> types.ReadResourceResult:
    container, uri = _container(ctx), str(params.uri)
    for definition in container.workflows.definitions.values():
        if uri == _workflow_uri(definition.id):
            text = yaml.safe_dump(
                definition.model_dump(mode="json", exclude_none=True), sort_keys=False, allow_unicode=True
            )
            return _contents(uri, "application/yaml", text)
    for agent in container.registry.list():
        if uri == _agent_uri(agent.card.id):
            card = {**agent.card.model_dump(mode="json"), "input_schema": agent.card.input_schema()}
            return _contents(uri, "application/json", json.dumps(card, indent=2))
    raise MCPError(types.INVALID_PARAMS, f"No resource {uri[:200]!r}; resources/list lists them.")


def _contents(uri: str, mime_type: str, text: str) -> types.ReadResourceResult:
    content = types.TextResourceContents(uri=uri, mime_type=mime_type, text=text)
    return types.ReadResourceResult(contents=[content])


async def _list_prompts(ctx: Context, params: types.PaginatedRequestParams | None) -> types.ListPromptsResult:
    return types.ListPromptsResult(
        prompts=[
            types.Prompt(
                name=TRIAGE,
                title="Triage an incident",
                description="Work an incident the way an on-call engineer would, with this service's tools.",
                arguments=[
                    types.PromptArgument(
                        name="symptom", description="What is wrong, as reported.", required=True
                    ),
                    types.PromptArgument(name="service", description="The host, URL or service concerned."),
                    types.PromptArgument(name="logs", description="Log lines to look at, pasted."),
                ],
            )
        ]
    )


async def _get_prompt(ctx: Context, params: types.GetPromptRequestParams) -> types.GetPromptResult:
    if params.name != TRIAGE:
        raise MCPError(types.INVALID_PARAMS, f"No prompt {params.name[:64]!r}; prompts/list lists them.")
    args = params.arguments or {}
    symptom = (args.get("symptom") or "").strip()
    if not symptom:
        raise MCPError(types.INVALID_PARAMS, "The prompt needs `symptom`: what is wrong, as reported.")
    lines = [
        f"Incident: {symptom}",
        *([f"Concerned: {args['service']}"] if args.get("service") else []),
        "",
        "Triage it as an on-call engineer would, with the ops-agent-orchestrator tools:",
        "1. Establish what is failing: reachability and TLS of the service concerned "
        "(network_diagnostics, or orchestrate in plain words).",
        "2. Find the first cause, not the loudest symptom: pass any logs to log_analysis.",
        "3. If a compose or Kubernetes file is involved, audit it with infrastructure.",
        "4. Check this host's resources with system_monitoring only if the symptom points there.",
        "Then report: impact, the most likely cause with its evidence, what to do next, and the "
        "execution ids of the runs you relied on. Do not guess beyond what the tools found.",
    ]
    if args.get("logs"):
        lines += ["", "Logs:", "```", args["logs"], "```"]
    return types.GetPromptResult(
        description="Incident triage",
        messages=[
            types.PromptMessage(role="user", content=types.TextContent(type="text", text="\n".join(lines)))
        ],
    )
