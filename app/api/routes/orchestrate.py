"""`POST /api/v1/orchestrate`: route a task to agents, run them, return what they found.
With `Accept: text/event-stream` the same call streams progress as Server-Sent Events."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request, Response
from sse_starlette import EventSourceResponse, ServerSentEvent

from app.api import API_PREFIX
from app.api.deps import CallerDep, ContainerDep, GuardedRoute
from app.api.progress import run_with_progress
from app.api.schemas import (
    OrchestrateRequest,
    OrchestrateResponse,
    error_responses,
)
from app.errors import error_envelope
from app.orchestration.orchestrator import Orchestrator, TaskRequest

router = APIRouter(prefix=API_PREFIX, tags=["orchestration"], route_class=GuardedRoute)


@router.post(
    "/orchestrate",
    response_model=OrchestrateResponse,
    responses={
        **error_responses(403),
        200: {
            "content": {"text/event-stream": {}},
            "description": "JSON, or SSE with Accept: text/event-stream",
        },
    },
)
async def orchestrate(
    body: OrchestrateRequest, request: Request, container: ContainerDep, caller: CallerDep
) -> Response:
    request_id = getattr(request.state, "request_id", None)
    task = body.task_request(request_id, caller)
    if "text/event-stream" in request.headers.get("accept", ""):
        return EventSourceResponse(_events(container.orchestrator, task, request_id), ping=15)
    answer = OrchestrateResponse.from_run(await container.orchestrator.run(task), request_id)
    # Built by the model itself: FastAPI would validate it a second time against response_model
    # (which stays for the OpenAPI schema) before serialising it.
    return Response(answer.model_dump_json(), media_type="application/json")


async def _events(
    orchestrator: Orchestrator, task: TaskRequest, request_id: str | None
) -> AsyncIterator[ServerSentEvent]:
    """`routed`, one `agent_finished` per agent, then `result` (the JSON answer) or `error`."""
    async for kind, data in run_with_progress(orchestrator, task):
        if kind == "done":
            answer = OrchestrateResponse.from_run(data, request_id)
            yield ServerSentEvent(data=answer.model_dump_json(), event="result")
        elif kind == "error":
            envelope = error_envelope(data.code, data.message, data.details, request_id)
            yield ServerSentEvent(data=json.dumps(envelope, default=str), event="error")
        else:
            yield ServerSentEvent(data=json.dumps(data, default=str), event=kind)
