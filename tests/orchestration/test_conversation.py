"""A chat history read statelessly into one task (dry runs only: nothing is probed here)."""

from __future__ import annotations

import pytest

from app.container import build_registry, build_router
from app.orchestration.conversation import ConversationReader, Turn
from app.orchestration.orchestrator import Orchestrator, TaskRequest
from app.security.target_policy import TargetPolicy
from app.settings import Settings

QUESTION = "Which host should I check?"


@pytest.fixture(scope="module")
def reader() -> ConversationReader:
    settings = Settings(_env_file=None, agent_plugins_enabled=False)  # type: ignore[call-arg]
    router = build_router(settings, build_registry(settings))
    questions = [a.card.asks.question for a in router.registry.list() if a.card.asks]
    return ConversationReader(Orchestrator(router.registry, router, TargetPolicy()), questions)


async def test_an_answer_to_the_question_completes_the_earlier_request(reader: ConversationReader) -> None:
    turns = [
        Turn("user", "can you check our TLS certificate?"),
        Turn("assistant", QUESTION),
        Turn("user", "it's api.example.com"),
    ]
    resolved = await reader.resolve(turns)
    assert resolved.follow_up and resolved.task == "can you check our TLS certificate?\nit's api.example.com"


async def test_a_request_lacking_its_target_reuses_the_last_one(reader: ConversationReader) -> None:
    turns = [
        Turn("user", "check the cert on api.example.com:443"),
        Turn("assistant", "network_diagnostics (completed) ..."),
        Turn("user", "now port 22 too"),
    ]
    resolved = await reader.resolve(turns)
    assert resolved.task == "now port 22 too" and resolved.context == {"hostname": "api.example.com"}


async def test_a_later_request_that_stands_alone_starts_fresh(reader: ConversationReader) -> None:
    turns = [
        Turn("user", "check the cert on api.example.com:443"),
        Turn("assistant", "network_diagnostics (completed) ..."),
        Turn("user", "why is the server slow"),
    ]
    resolved = await reader.resolve(turns)
    assert not resolved.follow_up and resolved.task == "why is the server slow" and resolved.context == {}


async def test_logs_pasted_after_the_question_go_with_the_request(reader: ConversationReader) -> None:
    logs = "2024-05-01 10:00:00 ERROR worker timeout\n2024-05-01 10:00:05 ERROR worker timeout"
    turns = [
        Turn("user", "why did the api crash last night?"),
        Turn("assistant", "Which logs should I look at? Paste the lines, or name a log file."),
        Turn("user", logs),
    ]
    resolved = await reader.resolve(turns)
    assert resolved.task.endswith(logs)


async def test_a_question_that_stays_unanswered_is_asked_again(reader: ConversationReader) -> None:
    turns = [
        Turn("user", "can you check our TLS certificate?"),
        Turn("assistant", QUESTION),
        Turn("user", "thanks"),
    ]
    resolved = await reader.resolve(turns)
    run = await reader.orchestrator.run(
        TaskRequest(task=resolved.task, context=resolved.context, dry_run=True)
    )
    assert run.needs_input is not None and run.needs_input["question"] == QUESTION
