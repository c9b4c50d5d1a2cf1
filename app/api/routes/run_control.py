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
from app.api.schemas import error_responses
from app.container import Container
from app.errors import AppError, NotFound
from app.security.api_keys import Caller
from app.storage.audit import AuditEvent
from app.storage.events import TERMINAL, topic
from app.storage.executions import ACTIVE, ExecutionRecord

router = APIRouter(prefix=f"{API_PREFIX}/executions", tags=["executions"], route_class=GuardedRoute)
KEEPALIVE_SECONDS = 15
POLL_SECONDS = 2.0


class NotCancellable(AppError):
    code = "not_cancellable"
    status = 409
    message = "This run cannot be cancelled."


class CancelAccepted(BaseModel):
    execution_id: str
    status: str


async def _owned(container: Container, caller: Caller, execution_id: str) -> ExecutionRecord:
    record = await container.executions.get(execution_id[:64])
    if record is None or not (caller.admin or record.owner == caller.key_label):
        raise NotFound(f"No execution {execution_id[:64]!r} for this key.")
    return record


@router.post(
    "/{execution_id}/cancel",
    response_model=CancelAccepted,
    status_code=202,
    responses=error_responses(404, 409),
)
async def cancel(
    execution_id: str, request: Request, caller: CallerDep, container: ContainerDep
) -> CancelAccepted:
    record = await _owned(container, caller, execution_id)
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
    record = await _owned(container, caller, execution_id)
    after = int(last_event_id) if last_event_id and last_event_id.isdigit() else 0
    return EventSourceResponse(
        _stream(container, record.execution_id, after, request),
        ping=KEEPALIVE_SECONDS,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _stream(
    container: Container, execution_id: str, after: int, request: Request
) -> AsyncIterator[ServerSentEvent]:
    """Replay what happened, then follow live; exactly one terminal event ends the stream."""
    subscription = await container.bus.subscribe(topic(execution_id))
    last = after
    try:
        for event in await container.events.replay(execution_id, after):
            last = event["seq"]
            yield _sse(event)
            if event["type"] == TERMINAL:
                return
        while not await request.is_disconnected():
            message = await subscription.get(timeout=POLL_SECONDS)
            if message is None:
                # Nothing live for a while: catch up from the database (a missed publish, or the
                # run finished on a replica whose bus message we did not see).
                for event in await container.events.replay(execution_id, last):
                    last = event["seq"]
                    yield _sse(event)
                    if event["type"] == TERMINAL:
                        return
                continue
            if message.get("seq", 0) <= last:
                continue
            if message["seq"] > last + 1:  # a gap: fill it from the database first
                for event in await container.events.replay(execution_id, last):
                    if event["seq"] >= message["seq"]:
                        break
                    last = event["seq"]
                    yield _sse(event)
            last = message["seq"]
            yield _sse(message)
            if message["type"] == TERMINAL:
                return
    finally:
        await subscription.close()


def _sse(event: dict[str, Any]) -> ServerSentEvent:
    return ServerSentEvent(data=json.dumps(event, default=str), event=event["type"], id=str(event["seq"]))
