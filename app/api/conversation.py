"""What the two OpenAI-compatible endpoints (chat completions and responses) share: model names,
a message's text and context, the conversation reader, and a run told in words.

A task the agents cannot take, a refused target or a question back to the user is an answer in
words, not an HTTP error, so chat windows show it; service failures (5xx) stay errors."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

from app.api.plain_text import format_agent, format_run
from app.api.progress import run_with_progress
from app.container import Container
from app.errors import AppError
from app.orchestration.conversation import ConversationReader, ResolvedTask, Turn
from app.orchestration.orchestrator import Orchestration, Orchestrator, TaskRequest
from app.security.api_keys import Caller

ORCHESTRATOR_MODEL = "orchestrator"
_JSON_BLOCK = re.compile(r"```(?:json)?\s*(\{.*?\})\s*```", re.S)
_RAISED = ("unauthorized", "rate_limited")  # never answered in words


class UnknownModel(AppError):
    code = "model_not_found"
    status = 404
    message = "No such model; GET /v1/models lists them."


class NoUserMessage(AppError):
    code = "validation_error"
    status = 422
    message = "The conversation has no user message to act on."


def model_ids(container: Container) -> list[str]:
    return [ORCHESTRATOR_MODEL] + [f"agent:{a.card.id}" for a in container.registry.list()]


def agent_for_model(model: str, container: Container) -> str | None:
    """`orchestrator` routes (None); `agent:<id>` runs that agent; anything else is a 404."""
    if model == ORCHESTRATOR_MODEL:
        return None
    agent_id = model.removeprefix("agent:")
    if model.startswith("agent:") and agent_id in container.registry:
        return agent_id
    raise UnknownModel(f"No model {model!r}; use {ORCHESTRATOR_MODEL!r} or agent:<id> (GET /v1/models).")


def content_text(content: str | list[dict[str, Any]] | None) -> str:
    """A message's text: a string, or the text parts of a list of content parts (`text` in chat,
    `input_text` and `output_text` in the Responses API)."""
    if isinstance(content, list):
        return " ".join(
            part["text"]
            for part in content
            if isinstance(part, dict)
            and part.get("type") in ("text", "input_text", "output_text")
            and isinstance(part.get("text"), str)
        )
    return content or ""


def turn(role: str, text: str) -> Turn | None:
    """A user or assistant turn with text; a user turn's ```json block becomes its context."""
    text = text.replace("\x00", "")  # no store keeps a NUL (PostgreSQL refuses it), no agent needs one
    if not text.strip():
        return None
    if role == "assistant":
        return Turn("assistant", text)
    if role == "user":
        return Turn("user", *_task_and_context(text))
    return None  # system and developer messages instruct a model; the agents take none


def require_user_turn(turns: Iterable[Turn]) -> None:
    if not any(t.role == "user" for t in turns):
        raise NoUserMessage()


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


def conversation_reader(container: Container) -> ConversationReader:
    questions = [a.card.asks.question for a in container.registry.list() if a.card.asks]
    return ConversationReader(container.orchestrator, questions)


def task_for(
    resolved: ResolvedTask, agent_id: str | None, request_id: str | None, caller: Caller
) -> TaskRequest:
    """The orchestrator's request for a conversation read into one task."""
    return TaskRequest(
        task=resolved.task[:8000],
        context=resolved.context,
        agent_id=agent_id,
        request_id=request_id,
        key_label=caller.key_label,
        client_ip=caller.client_ip,
    )


@dataclass
class Answer:
    """A run told in words, with what a client may want to read by machine."""

    text: str
    extra: dict[str, Any] = field(default_factory=dict)
    error: AppError | None = None  # a failure of the service (5xx), told in words when streaming

    @property
    def execution_id(self) -> str | None:
        value = self.extra.get("execution_id")
        return value if isinstance(value, str) else None


async def answer(orchestrator: Orchestrator, request: TaskRequest) -> Answer:
    """Run the task and tell it; a client error becomes an answer, a service error is raised."""
    try:
        run = await orchestrator.run(request)
    except AppError as exc:
        if exc.status >= 500 or exc.code in _RAISED:
            raise
        return _declined(exc)
    return _told(run)


async def answer_in_parts(orchestrator: Orchestrator, request: TaskRequest) -> AsyncIterator[str | Answer]:
    """Progress text as the run goes (routing, each agent finishing), then the whole `Answer`."""
    async for kind, data in run_with_progress(orchestrator, request):
        if kind == "routed":
            yield f"Running {', '.join(data['agents'])}...\n"
        elif kind == "agent_finished":
            yield format_agent(data)
        elif kind == "done":
            told = _told(data)
            yield Answer("\n" + told.text, told.extra)
        elif data.status >= 500 or data.code in _RAISED:
            yield Answer(f"I could not run this: {data.message}", {"error_code": data.code}, error=data)
        else:
            yield _declined(data)


def _told(run: Orchestration) -> Answer:
    return Answer(
        format_run(run),
        {"execution_id": run.execution_id, "status": run.status, "agents": run.routing.agents},
    )


def _declined(exc: AppError) -> Answer:
    if exc.code == "missing_input" and isinstance(exc.details, dict) and exc.details.get("question"):
        return Answer(str(exc.details["question"]), {"needs_input": exc.details})  # a question back
    hints = {
        "no_matching_agent": "Try naming a host and port, pasting log lines, or a compose/Kubernetes file.",
        "target_not_allowed": "The target policy refuses this address; ask an operator to allow it.",
    }
    text = f"I could not run this: {exc.message} {hints.get(exc.code, '')}".strip()
    return Answer(text, {"error_code": exc.code})


def word_count(texts: Iterable[str]) -> int:
    """Tokens as words: the agents are not a language model, so this is the honest measure."""
    return sum(len(text.split()) for text in texts)
