"""The executions resource: `GET /api/v1/executions` and `GET /api/v1/executions/{id}` (the
history of every run), `POST /api/v1/executions/{id}/cancel` and `GET /api/v1/executions/{id}/events`
(its events as SSE).

A key sees its own runs; admin labels see everyone's (and those reads are audited). Someone
else's run answers 404, so ids cannot be probed."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from pydantic import BaseModel
from sse_starlette import EventSourceResponse, ServerSentEvent

from app.api import API_PREFIX
from app.api.deps import CallerDep, ContainerDep, GuardedRoute
from app.api.history import executions_page, follow_events, owned_execution
from app.api.schemas import error_responses
from app.container import Container
from app.errors import AppError
from app.storage.audit import AuditEvent
from app.storage.executions import ACTIVE, ExecutionFilter, ExecutionRecord, Kind, Status

router = APIRouter(prefix=f"{API_PREFIX}/executions", tags=["executions"], route_class=GuardedRoute)
KEEPALIVE_SECONDS = 15


ISO_TIME = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$"


class InvalidTime(AppError):
    code = "validation_error"
    status = 422
    message = "The time is not valid ISO 8601."


class ExecutionPage(BaseModel):
    executions: list[ExecutionRecord]
    next_cursor: str | None


@router.get("", response_model=ExecutionPage, responses=error_responses(422))
async def list_executions(
    caller: CallerDep,
    container: ContainerDep,
    status: Status | None = None,
    kind: Kind | None = None,
    agent: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z][a-z0-9_]*$")] = None,
    since: Annotated[str | None, Query(pattern=ISO_TIME, description="ISO 8601 time")] = None,
    until: Annotated[str | None, Query(pattern=ISO_TIME, description="ISO 8601 time")] = None,
    owner: Annotated[str | None, Query(max_length=64, description="Admins only: one key's runs.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=512, pattern=r"^[A-Za-z0-9_-]+$")] = None,
) -> ExecutionPage:
    filters = ExecutionFilter(
        owner=owner,
        status=status,
        kind=kind,
        agent=agent,
        since=_parse_time(since),
        until=_parse_time(until),
    )
    records, next_cursor = await executions_page(container, caller, filters, limit=limit, cursor=cursor)
    return ExecutionPage(executions=records, next_cursor=next_cursor)


@router.get("/{execution_id}", response_model=ExecutionRecord, responses=error_responses(404))
async def get_execution(execution_id: str, caller: CallerDep, container: ContainerDep) -> ExecutionRecord:
    return await owned_execution(container, caller, execution_id)


def _parse_time(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidTime(f"{value[:40]!r} is not a valid ISO 8601 time.") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


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
