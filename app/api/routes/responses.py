"""The OpenAI Responses API: `POST /v1/responses` (plain or streamed), `GET` and `DELETE
/v1/responses/{id}`, beside chat completions and with the same models, routing, clarifying
questions and answers in words (`app.api.conversation`).

`input` is a string or a list of messages; `previous_response_id` continues a stored answer: its
recent turns (secrets redacted) come before the new input, so "check our TLS certificate" ->
"Which host should I check?" -> "it's db01:5432" works without resending the history. Stored
answers belong to the key that asked (another key's id is a 404, as for executions) and are kept
as long as run history; `store: false` keeps none. Streaming sends the standard events:
`response.created`, `response.in_progress`, `response.output_item.added`,
`response.content_part.added`, `response.output_text.delta`..., `response.output_text.done`,
`response.content_part.done`, `response.output_item.done`, then `response.completed` (or
`response.failed` when the service itself failed)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import structlog
from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sse_starlette import EventSourceResponse, ServerSentEvent

from app.api.conversation import (
    ORCHESTRATOR_MODEL,
    Answer,
    agent_for_model,
    answer,
    answer_in_parts,
    content_text,
    conversation_reader,
    require_user_turn,
    task_for,
    turn,
    word_count,
)
from app.api.deps import CallerDep, ContainerDep, GuardedRoute
from app.api.history import audit_admin_read
from app.api.schemas import error_responses
from app.container import Container
from app.errors import AppError, NotFound
from app.orchestration.conversation import LOOKBACK_TURNS, Turn
from app.orchestration.orchestrator import TaskRequest
from app.security.api_keys import Caller
from app.storage.models import utcnow
from app.storage.responses import StoredResponse

router = APIRouter(prefix="/v1", tags=["openai-compatible"], route_class=GuardedRoute)
log = structlog.get_logger("app.responses")
# Turns kept with a stored answer: as far back as the conversation reader ever looks.
KEPT_TURNS = 2 * LOOKBACK_TURNS + 2
_ROLES = ("user", "assistant", "system", "developer")


class ResponsesRequest(BaseModel):
    # temperature, tools, reasoning, metadata... are accepted and ignored: the agents are not a model
    model_config = ConfigDict(extra="allow", strict=True)

    model: str = Field(default=ORCHESTRATOR_MODEL, max_length=100)
    input: str | list[dict[str, Any]] = Field(
        description="The request as text, or message items ({role, content}) oldest first."
    )
    instructions: str | None = Field(
        default=None, max_length=8000, description="Echoed back; the agents take no instructions."
    )
    previous_response_id: str | None = Field(default=None, max_length=64)
    stream: bool = False
    store: bool = True

    @field_validator("input")
    @classmethod
    def _messages_only(cls, value: str | list[dict[str, Any]]) -> str | list[dict[str, Any]]:
        if isinstance(value, str):
            return value
        if not 1 <= len(value) <= 200:
            raise ValueError("input needs 1 to 200 items")
        for index, item in enumerate(value):
            kind = item.get("type", "message")
            if kind != "message":
                raise ValueError(
                    f"input item {index} has type {str(kind)[:40]!r}; only messages (role and content) "
                    "are taken: this service runs no tools"
                )
            if item.get("role") not in _ROLES:
                raise ValueError(f"input item {index} needs a role: one of {', '.join(_ROLES)}")
            content = item.get("content")
            parts_ok = isinstance(content, list) and all(
                isinstance(part, dict) and isinstance(part.get("text", ""), str) for part in content
            )
            if not isinstance(content, str) and not parts_ok:
                raise ValueError(
                    f"input item {index} needs content: text, or a list of parts like "
                    '{"type": "input_text", "text": "..."}'
                )
        return value


class UnknownResponse(NotFound):
    message = "No such response for this key."


@dataclass(frozen=True)
class _Exchange:
    """One request's identity and the conversation it continues."""

    response_id: str
    message_id: str
    created_at: int
    body: ResponsesRequest
    turns: list[Turn]  # the conversation so far, the new input included
    input_tokens: int


@router.post("/responses", response_model=None, responses=error_responses(404))
async def create_response(
    body: ResponsesRequest, request: Request, caller: CallerDep, container: ContainerDep
) -> dict[str, Any] | EventSourceResponse:
    agent_id = agent_for_model(body.model, container)
    earlier: list[Turn] = []
    if body.previous_response_id is not None:
        earlier = _turns_of(await _owned(container, caller, body.previous_response_id))
    new = _input_turns(body.input)
    require_user_turn(new)
    exchange = _Exchange(
        response_id=f"resp_{uuid.uuid4().hex}",
        message_id=f"msg_{uuid.uuid4().hex}",
        created_at=int(time.time()),
        body=body,
        turns=earlier + new,
        input_tokens=word_count(t.text for t in new),
    )
    resolved = await conversation_reader(container).resolve(exchange.turns, agent_id)
    task = task_for(resolved, agent_id, getattr(request.state, "request_id", None), caller)
    if body.stream:
        return EventSourceResponse(
            _events(container, caller, exchange, task),
            ping=15,
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )
    told = await answer(container.orchestrator, task)
    return await _finish(container, caller, exchange, told)


@router.get("/responses/{response_id}", response_model=None, responses=error_responses(404))
async def get_response(response_id: str, caller: CallerDep, container: ContainerDep) -> dict[str, Any]:
    return (await _owned(container, caller, response_id)).body


@router.delete("/responses/{response_id}", response_model=None, responses=error_responses(404))
async def delete_response(response_id: str, caller: CallerDep, container: ContainerDep) -> dict[str, Any]:
    """Forget a stored answer (it can no longer be continued); the run stays in history."""
    stored = await _owned(container, caller, response_id)
    await container.responses.delete(stored.id)
    return {"id": stored.id, "object": "response.deleted", "deleted": True}


async def _owned(container: Container, caller: Caller, response_id: str) -> StoredResponse:
    stored = await container.responses.get(response_id[:64])
    if stored is None or not caller.can_see(stored.owner):
        raise UnknownResponse(f"No response {response_id[:64]!r} for this key.")
    await audit_admin_read(container, caller, stored.owner, "response", {"response_id": stored.id})
    return stored


def _input_turns(value: str | list[dict[str, Any]]) -> list[Turn]:
    if isinstance(value, str):
        items: list[dict[str, Any]] = [{"role": "user", "content": value}]
    else:
        items = value
    return [t for item in items if (t := turn(item["role"], content_text(item["content"]))) is not None]


def _turns_of(stored: StoredResponse) -> list[Turn]:
    return [Turn(t["role"], t["text"], t.get("context") or {}) for t in stored.turns]


async def _finish(container: Container, caller: Caller, exchange: _Exchange, told: Answer) -> dict[str, Any]:
    """The completed response object; stored first (unless `store: false`), so it can be continued
    as soon as the client has it."""
    status = "failed" if told.error is not None else "completed"
    response = _response_object(exchange, status, told)
    if exchange.body.store:
        turns = [*exchange.turns, Turn("assistant", told.text)][-KEPT_TURNS:]
        await container.responses.save(
            StoredResponse(
                id=exchange.response_id,
                owner=caller.key_label,
                created_at=utcnow(),
                execution_id=told.execution_id,
                turns=[
                    {
                        "role": t.role,
                        "text": container.redactor.scrub(t.text),
                        "context": container.redactor.redact(dict(t.context)),
                    }
                    for t in turns
                ],
                body=container.redactor.redact(response),
            )
        )
    return response


def _message(exchange: _Exchange, text: str | None) -> dict[str, Any]:
    """The assistant's output message; in progress (no content yet) when `text` is None."""
    content = [] if text is None else [_text_part(text)]
    return {
        "type": "message",
        "id": exchange.message_id,
        "status": "in_progress" if text is None else "completed",
        "role": "assistant",
        "content": content,
    }


def _text_part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": []}


def _response_object(exchange: _Exchange, status: str, told: Answer | None = None) -> dict[str, Any]:
    text = told.text if told is not None else None
    output_tokens = word_count([text]) if text else 0
    error = None
    if told is not None and told.error is not None:
        error = {"code": told.error.code, "message": told.error.message}
    return {
        "id": exchange.response_id,
        "object": "response",
        "created_at": exchange.created_at,
        "status": status,
        "error": error,
        "incomplete_details": None,
        "instructions": exchange.body.instructions,
        "model": exchange.body.model,
        "output": [] if told is None else [_message(exchange, text)],
        "parallel_tool_calls": False,
        "previous_response_id": exchange.body.previous_response_id,
        "store": exchange.body.store,
        "temperature": None,
        "text": {"format": {"type": "text"}},
        "tool_choice": "none",
        "tools": [],
        "top_p": None,
        "truncation": "disabled",
        "usage": {
            "input_tokens": exchange.input_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": output_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": exchange.input_tokens + output_tokens,
        },
        "metadata": {},
        "x_orchestrator": told.extra if told is not None else {},
    }


async def _events(
    container: Container, caller: Caller, exchange: _Exchange, task: TaskRequest
) -> AsyncIterator[ServerSentEvent]:
    sequence = 0

    def event(kind: str, **data: Any) -> ServerSentEvent:
        nonlocal sequence
        payload = {"type": kind, "sequence_number": sequence, **data}
        sequence += 1
        return ServerSentEvent(data=json.dumps(payload, default=str), event=kind)

    at = {"item_id": exchange.message_id, "output_index": 0, "content_index": 0}
    yield event("response.created", response=_response_object(exchange, "in_progress"))
    yield event("response.in_progress", response=_response_object(exchange, "in_progress"))
    yield event("response.output_item.added", output_index=0, item=_message(exchange, None))
    yield event("response.content_part.added", **at, part=_text_part(""))
    told, pieces = Answer(""), []
    async for part in answer_in_parts(container.orchestrator, task):
        if isinstance(part, Answer):
            told = part
            part = part.text
        pieces.append(part)
        yield event("response.output_text.delta", **at, delta=part)
    # The finished text is what the deltas add up to: progress lines, then the answer.
    text = "".join(pieces)
    try:
        final = await _finish(container, caller, exchange, Answer(text, told.extra, told.error))
    except Exception as exc:  # the deltas are out: end the stream the standard way, never cut it
        log.warning("response_not_stored", response_id=exchange.response_id, error=type(exc).__name__)
        told = Answer(text, told.extra, AppError("The answer could not be stored; it cannot be continued."))
        final = _response_object(exchange, "failed", told)
    yield event("response.output_text.done", **at, text=text)
    yield event("response.content_part.done", **at, part=_text_part(text))
    yield event("response.output_item.done", output_index=0, item=final["output"][0])
    yield event("response.failed" if told.error is not None else "response.completed", response=final)
