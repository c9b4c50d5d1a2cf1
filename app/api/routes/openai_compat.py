"""OpenAI-compatible chat for chatbot front ends: `GET /v1/models` and `POST /v1/chat/completions`,
non-streaming and streaming (SSE chunks, progress as agents finish, then `data: [DONE]`).

The whole history is read statelessly (`orchestration.conversation`): the last user message is
the task, completed by earlier turns when it answers the assistant's question or lacks what its
agent needs; a ```json block in a message is its context. Model `orchestrator` routes;
`agent:<id>` runs that agent. A task the agents cannot take, or a question back to the user, is
answered in words, not with an HTTP error, so chat windows show it."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from app.api.conversation import (
    ORCHESTRATOR_MODEL,
    Answer,
    agent_for_model,
    answer,
    answer_in_parts,
    content_text,
    conversation_reader,
    model_ids,
    require_user_turn,
    task_for,
    turn,
    word_count,
)
from app.api.deps import CallerDep, ContainerDep, GuardedRoute
from app.api.schemas import error_responses
from app.orchestration.orchestrator import Orchestrator, TaskRequest

router = APIRouter(prefix="/v1", tags=["openai-compatible"], route_class=GuardedRoute)


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


@router.get("/models", response_model=ModelList)
async def models(container: ContainerDep) -> ModelList:
    created = int(time.time())
    return ModelList(data=[ModelCard(id=i, created=created) for i in model_ids(container)])


@router.post("/chat/completions", response_model=None, responses=error_responses(404))
async def chat_completions(
    body: ChatRequest, request: Request, caller: CallerDep, container: ContainerDep
) -> dict[str, Any] | StreamingResponse:
    agent_id = agent_for_model(body.model, container)
    turns = [t for m in body.messages if (t := turn(m.role, content_text(m.content))) is not None]
    require_user_turn(turns)
    resolved = await conversation_reader(container).resolve(turns, agent_id)
    task_request = task_for(resolved, agent_id, getattr(request.state, "request_id", None), caller)
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    if body.stream:
        stream = _stream(container.orchestrator, task_request, completion_id, body.model)
        return StreamingResponse(
            stream, media_type="text/event-stream", headers={"Cache-Control": "no-store"}
        )
    told = await answer(container.orchestrator, task_request)
    prompt_tokens = word_count(content_text(m.content) for m in body.messages)
    completion_tokens = word_count([told.text])
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": told.text}, "finish_reason": "stop"}
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
        "x_orchestrator": told.extra,
    }


def _chunk(completion_id: str, model: str, delta: dict[str, Any], finish: str | None = None) -> str:
    payload = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(payload)}\n\n"


async def _stream(
    orchestrator: Orchestrator, task: TaskRequest, completion_id: str, model: str
) -> AsyncIterator[str]:
    yield _chunk(completion_id, model, {"role": "assistant", "content": ""})
    async for part in answer_in_parts(orchestrator, task):
        text = part.text if isinstance(part, Answer) else part
        yield _chunk(completion_id, model, {"content": text})
    yield _chunk(completion_id, model, {}, finish="stop")
    yield "data: [DONE]\n\n"
