"""The LLM classifier: consulted only when the deterministic router is unsure, never trusted blindly."""

from __future__ import annotations

import json

import pytest

from app.container import build_registry, build_router
from app.llm.breakers import ProviderBreakers
from app.llm.manager import LLMManager
from app.llm.openai import OpenAIProvider
from app.orchestration.llm_router import AssistedRouter, LLMClassifierRouter
from app.settings import Settings
from tests.llm.standins import Script


@pytest.fixture
def routers(openai_url: str):  # type: ignore[no-untyped-def]
    registry = build_registry(Settings(_env_file=None, agent_plugins_enabled=False))  # type: ignore[call-arg]
    manager = LLMManager(
        [OpenAIProvider("gpt-4o-mini", "sk-test", openai_url)],
        ProviderBreakers(5, 30),
        max_retries=0,
        backoff_initial=0.01,
    )
    deterministic = build_router(Settings(_env_file=None), registry)  # type: ignore[call-arg]
    return deterministic, AssistedRouter(deterministic, LLMClassifierRouter(manager, registry), 0.7), manager


async def test_unsure_routing_asks_the_classifier(routers, openai_script: Script) -> None:  # type: ignore[no-untyped-def]
    deterministic, assisted, manager = routers
    task = "db-7 feels flaky from the app servers, can you look at the link"
    assert (await deterministic.route(task, {})).confidence < 0.7
    openai_script.answer = json.dumps(
        {
            "agents": ["network_diagnostics", "rm -rf /", "imaginary"],
            "confidence": 7,
            "reason": "network path",
        }
    )
    decision = await assisted.route(task, {})
    await manager.close()
    assert decision.agents == ["network_diagnostics"]  # unknown ids dropped
    assert decision.confidence == 1.0  # clamped
    assert decision.reason.startswith("LLM classifier (openai)")
    prompt = openai_script.calls[0]["body"]["messages"][1]["content"]
    assert "<<<CHECK_DATA" in prompt and "network_diagnostics" in prompt


async def test_confident_routing_does_not_call_the_model(routers, openai_script: Script) -> None:  # type: ignore[no-untyped-def]
    _, assisted, manager = routers
    decision = await assisted.route("Check connectivity to example.com on port 443", {})
    await manager.close()
    assert decision.agents == ["network_diagnostics"] and openai_script.calls == []


@pytest.mark.parametrize("answer", ["I think network?", "[]", '{"agents": "network_diagnostics"}'])
async def test_nonsense_or_failure_falls_back_to_the_deterministic_answer(
    routers, openai_script: Script, answer: str
) -> None:  # type: ignore[no-untyped-def]
    deterministic, assisted, manager = routers
    task = "db-7 feels flaky, can you look at the link"
    openai_script.answer = answer
    decision = await assisted.route(task, {})
    await manager.close()
    assert decision == await deterministic.route(task, {})


async def test_model_down_falls_back(routers, openai_script: Script) -> None:  # type: ignore[no-untyped-def]
    deterministic, assisted, manager = routers
    openai_script.fates = ["error500"]
    decision = await assisted.route("hello there", {})
    await manager.close()
    assert decision.agents == [] and decision.strategy == "none"
