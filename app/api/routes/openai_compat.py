"""OpenAI-compatible chat for chatbot front ends: `GET /v1/models` and `POST /v1/chat/completions`,
non-streaming and streaming (SSE chunks, progress as agents finish, then `data: [DONE]`).

The whole history is read statelessly (`orchestration.conversation`): the last user message is
the task, completed by earlier turns when it answers the assistant's question or lacks what its
agent needs; a ```json block in a message is its context. Model `orchestrator` routes;
`agent:<id>` runs that agent. A task the agents cannot take, or a question back to the user, is
answered in words, not with an HTTP error, so chat windows show it."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from app.api.deps import CallerDep, ContainerDep, GuardedRoute
from app.api.report import format_agent, format_run, run_with_progress
from app.api.schemas import error_responses
from app.container import Container
from app.errors import AppError
from app.orchestration.conversation import ConversationReader, Turn
from app.orchestration.orchestrator import Orchestration, TaskRequest

router = APIRouter(prefix="/v1", tags=["openai-compatible"], route_class=GuardedRoute)
ORCHESTRATOR_MODEL = "orchestrator"
_JSON_BLOCK = re.compile(r"```(?:json)?\s*(\{.*?\})\s*```", re.S)


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)  # temperature, top_p... are accepted and ignored

    model: str = Field(default=ORCHESTRATOR_MODEL, max_length=100)
    messages: list[ChatMessage] = Field(min_length=1, max_length=200)
    stream: bool = False


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "ops-agent-orchestrator"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class UnknownModel(AppError):
    code = "model_not_found"
    status = 404
    message = "No such model; GET /v1/models lists them."


@router.get("/models", response_model=ModelList)
async def models(container: ContainerDep) -> ModelList:
    created = int(time.time())
    ids = [ORCHESTRATOR_MODEL] + [f"agent:{a.card.id}" for a in container.registry.list()]
    return ModelList(data=[ModelCard(id=i, created=created) for i in ids])


@router.post("/chat/completions", response_model=None, responses=error_responses(404))
async def chat_completions(
    body: ChatRequest, request: Request, caller: CallerDep, container: ContainerDep
) -> dict[str, Any] | StreamingResponse:
    agent_id = _agent_for(body.model, container.registry.list())
    resolved = await _reader(container).resolve(_turns(body.messages), agent_id)
    task_request = TaskRequest(
        task=resolved.task[:8000],
        context=resolved.context,
        agent_id=agent_id,
        request_id=getattr(request.state, "request_id", None),
        key_label=caller.key_label,
        client_ip=caller.client_ip,
    )
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    if body.stream:
        stream = _stream(container.orchestrator, task_request, completion_id, body.model)
        return StreamingResponse(
            stream, media_type="text/event-stream", headers={"Cache-Control": "no-store"}
        )
    try:
        run = await container.orchestrator.run(task_request)
        content, extra = format_run(run), _extra(run)
    except AppError as exc:
        if exc.status >= 500 or exc.code in ("unauthorized", "rate_limited"):
            raise
        content, extra = _explain(exc), _error_extra(exc)
    prompt_tokens = sum(len(_text(m.content).split()) for m in body.messages)
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": len(content.split()),
            "total_tokens": prompt_tokens + len(content.split()),
        },
        "x_orchestrator": extra,
    }


def _agent_for(model: str, agents: list[Any]) -> str | None:
    if model == ORCHESTRATOR_MODEL:
        return None
    agent_id = model.removeprefix("agent:")
    if model.startswith("agent:") and agent_id in {a.card.id for a in agents}:
        return agent_id
    raise UnknownModel(f"No model {model!r}; use {ORCHESTRATOR_MODEL!r} or agent:<id> (GET /v1/models).")


def _text(content: str | list[dict[str, Any]] | None) -> str:
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if part.get("type") == "text")
    return content or ""


def _reader(container: Container) -> ConversationReader:
    questions = [a.card.asks.question for a in container.registry.list() if a.card.asks]
    return ConversationReader(container.orchestrator, questions)


def _turns(messages: list[ChatMessage]) -> list[Turn]:
    """User and assistant turns with text; a user turn's ```json block becomes its context."""
    turns: list[Turn] = []
    for message in messages:
        text = _text(message.content)
        if message.role == "assistant" and text.strip():
            turns.append(Turn("assistant", text))
        elif message.role == "user" and text.strip():
            turns.append(Turn("user", *_task_and_context(text)))
    if not any(turn.role == "user" for turn in turns):
        raise NoUserMessage()
    return turns


def _task_and_context(text: str) -> tuple[str, dict[str, Any]]:
    match = _JSON_BLOCK.search(text)
    if match:
        try:
            parsed = json.loads(match.group(1))
        except json.JSONDecodeError:
            parsed = None
        if isinstance(parsed, dict):
            return _JSON_BLOCK.sub("", text).strip() or text, parsed
    return text, {}


class NoUserMessage(AppError):
    code = "validation_error"
    status = 422
    message = "The conversation has no user message to act on."


def _explain(exc: AppError) -> str:
    if exc.code == "missing_input" and isinstance(exc.details, dict) and exc.details.get("question"):
        return str(exc.details["question"])  # a question back, as a normal answer
    hints = {
        "no_matching_agent": "Try naming a host and port, pasting log lines, or a compose/Kubernetes file.",
        "target_not_allowed": "The target policy refuses this address; ask an operator to allow it.",
    }
    return f"I could not run this: {exc.message} {hints.get(exc.code, '')}".strip()


def _error_extra(exc: AppError) -> dict[str, Any]:
    if exc.code == "missing_input":
        return {"needs_input": exc.details}
    return {"error_code": exc.code}


def _extra(run: Orchestration) -> dict[str, Any]:
    return {"execution_id": run.execution_id, "status": run.status, "agents": run.routing.agents}


def _chunk(completion_id: str, model: str, delta: dict[str, Any], finish: str | None = None) -> str:
    payload = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(payload)}\n\n"


async def _stream(orchestrator: Any, task: TaskRequest, completion_id: str, model: str) -> AsyncIterator[str]:
    yield _chunk(completion_id, model, {"role": "assistant", "content": ""})
    async for kind, data in run_with_progress(orchestrator, task):
        if kind == "routed":
            text = f"Running {', '.join(data['agents'])}...\n"
        elif kind == "agent_finished":
            text = format_agent(data)
        elif kind == "done":
            text = "\n" + format_run(data)
        else:
            text = _explain(data)
        yield _chunk(completion_id, model, {"content": text})
    yield _chunk(completion_id, model, {}, finish="stop")
    yield "data: [DONE]\n\n"
