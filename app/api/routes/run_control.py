"""`POST /api/v1/executions/{id}/cancel` and `GET /api/v1/executions/{id}/events` (SSE)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from pydantic import BaseModel
from sse_starlette import EventSourceResponse, ServerSentEvent

from app.api import API_PREFIX
from app.api.deps import CallerDep, ContainerDep, GuardedRoute
from app.api.history import follow_events, owned_execution
from app.api.schemas import error_responses
from app.container import Container
from app.errors import AppError
from app.storage.audit import AuditEvent
from app.storage.executions import ACTIVE

router = APIRouter(prefix=f"{API_PREFIX}/executions", tags=["executions"], route_class=GuardedRoute)
KEEPALIVE_SECONDS = 15


class NotCancellable(AppError):
    code = "not_cancellable"
    status = 409
    message = "This run cannot be cancelled."


class CancelAccepted(BaseModel):
    execution_id: str
    status: str


@router.post(
    "/{execution_id}/cancel",
    response_model=CancelAccepted,
    status_code=202,
    responses=error_responses(404, 409),
)
async def cancel(
    execution_id: str, request: Request, caller: CallerDep, container: ContainerDep
) -> CancelAccepted:
    record = await owned_execution(container, caller, execution_id, audited=False)
    if record.status not in ACTIVE:
        raise NotCancellable(f"The run is already {record.status}.")
    await container.workflows.request_cancel(
        record.execution_id,
        AuditEvent(
            "cancel_requested",
            caller.key_label,
            caller.client_ip,
            getattr(request.state, "request_id", None),
            "accepted",
            {"execution_id": record.execution_id},
        ),
    )
    return CancelAccepted(execution_id=record.execution_id, status="cancelling")


@router.get(
    "/{execution_id}/events",
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"},
        **error_responses(404),
    },
)
async def events(
    execution_id: str,
    request: Request,
    caller: CallerDep,
    container: ContainerDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
) -> EventSourceResponse:
    record = await owned_execution(container, caller, execution_id, audited=False)
    after = int(last_event_id) if last_event_id and last_event_id.isdigit() else 0
    return EventSourceResponse(
        _stream(container, record.execution_id, after, request),
        ping=KEEPALIVE_SECONDS,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _stream(
    container: Container, execution_id: str, after: int, request: Request
) -> AsyncIterator[ServerSentEvent]:
    async for event in follow_events(container, execution_id, after, request.is_disconnected):
        yield _sse(event)


def _sse(event: dict[str, Any]) -> ServerSentEvent:
    return ServerSentEvent(data=json.dumps(event, default=str), event=event["type"], id=str(event["seq"]))
