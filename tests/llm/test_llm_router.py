"""The LLM classifier: consulted only when the deterministic router is unsure, never trusted blindly."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs

from app.agents.network.models import NetworkDiagnosticsInput
from app.agents.registry import AgentRegistry
from app.agents.request_text import read_request
from app.container import build_registry, build_router
from app.llm.breakers import ProviderBreakers
from app.llm.manager import LLMManager
from app.llm.openai import OpenAIProvider
from app.llm.prompts import extract_data
from app.orchestration.llm_router import MAX_PROPOSED_PORTS, AssistedRouter, LLMClassifierRouter, vet_targets
from app.orchestration.router import SemanticRouter
from app.security.target_policy import TargetPolicy
from app.settings import Settings as AppSettings
from tests.llm.standins import Script

THRESHOLD = 0.7
# The semantic router is unsure about this one (about 0.5, no agent) and finds no host in it.
UNSURE = "payments-db is acting weird since this morning, 5432 maybe?"
PASTED = (
    "the api is acting weird since the deploy, can you look?\n"
    "2024-05-01 12:00:01 ERROR pool: connect to db-internal-9.corp:5432 refused (password=hunter2-secret)\n"
    "2024-05-01 12:00:02 ERROR pool: giving up after 3 attempts"
)


def answer(targets: Any = None, agents: Any = ("network_diagnostics",), confidence: float = 0.9) -> str:
    body: dict[str, Any] = {"agents": list(agents), "confidence": confidence, "reason": "network path"}
    if targets is not None:
        body["targets"] = targets
    return "Sure, here it is: " + json.dumps(body)


def drops(logs: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["part"], e["reason"]) for e in logs if e["event"] == "llm_target_dropped"]


@pytest.fixture
def registry() -> AgentRegistry:
    return build_registry(AppSettings(_env_file=None, agent_plugins_enabled=False))  # type: ignore[call-arg]


@pytest.fixture
def deterministic(registry: AgentRegistry) -> SemanticRouter:
    return build_router(AppSettings(_env_file=None), registry)  # type: ignore[call-arg]


@pytest.fixture
async def manager(openai_url: str) -> AsyncIterator[LLMManager]:
    manager = LLMManager(
        [OpenAIProvider("gpt-4o-mini", "sk-test", openai_url)],
        ProviderBreakers(5, 30),
        max_retries=0,
        backoff_initial=0.01,
    )
    yield manager
    await manager.close()


@pytest.fixture
def classifier(manager: LLMManager, registry: AgentRegistry) -> LLMClassifierRouter:
    return LLMClassifierRouter(manager, registry, TargetPolicy())


@pytest.fixture
def assisted(deterministic: SemanticRouter, classifier: LLMClassifierRouter) -> AssistedRouter:
    return AssistedRouter(deterministic, classifier, THRESHOLD)


def sent_data(script: Script) -> Any:
    return extract_data(script.calls[-1]["body"]["messages"][1]["content"])


async def test_unsure_routing_asks_the_classifier(
    deterministic: SemanticRouter, assisted: AssistedRouter, openai_script: Script
) -> None:
    task = "db-7 feels flaky from the app servers, can you look at the link"
    assert (await deterministic.route(task, {})).confidence < THRESHOLD
    openai_script.answer = json.dumps(
        {
            "agents": ["network_diagnostics", "rm -rf /", "imaginary"],
            "confidence": 7,
            "reason": "network path",
        }
    )
    decision = await assisted.route(task, {})
    assert decision.agents == ["network_diagnostics"]  # unknown ids dropped
    assert decision.confidence == 1.0  # clamped
    assert decision.reason.startswith("LLM classifier (openai)")
    assert decision.context == {}
    prompt = openai_script.calls[0]["body"]["messages"][1]["content"]
    assert "<<<CHECK_DATA" in prompt and "network_diagnostics" in prompt


async def test_classifier_targets_named_in_the_request_come_with_its_decision(
    deterministic: SemanticRouter, assisted: AssistedRouter, openai_script: Script
) -> None:
    unsure = await deterministic.route(UNSURE, {})
    assert unsure.confidence < THRESHOLD - 0.05 and unsure.context == {}
    openai_script.answer = answer({"host": "Payments-DB", "ports": [5432]})
    with capture_logs() as logs:
        decision = await assisted.route(UNSURE, {})
    assert decision.agents == ["network_diagnostics"] and decision.confidence == 0.9
    assert decision.context == {"hostname": "payments-db", "ports": [5432]}
    assert drops(logs) == []
    assert sent_data(openai_script)["request"] == UNSURE
    assert sent_data(openai_script)["pasted"] is None


async def test_classifier_answer_not_kept_brings_no_targets(
    deterministic: SemanticRouter, assisted: AssistedRouter, openai_script: Script
) -> None:
    task = "db-7 feels flaky from the app servers, can you look at the link"
    expected = await deterministic.route(task, {})
    openai_script.answer = answer({"host": "db-7"}, confidence=expected.confidence / 2)
    decision = await assisted.route(task, {})
    assert len(openai_script.calls) == 1
    assert decision == expected and decision.context == {}


async def test_confident_routing_does_not_call_the_model(
    assisted: AssistedRouter, openai_script: Script
) -> None:
    openai_script.answer = answer({"host": "example.com", "ports": [443]})
    decision = await assisted.route("Check connectivity to example.com on port 443", {})
    assert decision.agents == ["network_diagnostics"] and openai_script.calls == []
    assert decision.context == {}


async def test_host_only_in_pasted_material_is_dropped_and_the_material_stays_out_of_the_prompt(
    classifier: LLMClassifierRouter, openai_script: Script
) -> None:
    openai_script.answer = answer({"host": "db-internal-9.corp", "ports": [5432]})
    with capture_logs() as logs:
        decision = await classifier.route(PASTED, {})
    assert decision.agents == ["network_diagnostics"]  # the agents stand; only the targets go
    assert decision.context == {}
    assert drops(logs) == [("host", "only_in_pasted_material"), ("ports", "not_in_request")]
    assert "hunter2" not in repr(logs)
    data = sent_data(openai_script)
    assert data["request"] == "the api is acting weird since the deploy, can you look?"
    assert data["pasted"] == {"kinds": ["log_lines"], "lines": 2}
    prompt = json.dumps(openai_script.calls[-1]["body"])
    assert "hunter2" not in prompt and "db-internal-9" not in prompt


@pytest.mark.parametrize(
    ("task", "host", "policy", "reason"),
    [
        (UNSURE, "db99.example.com", TargetPolicy(), "not_in_request"),
        (UNSURE, "payments", TargetPolicy(), "not_in_request"),  # part of payments-db only
        (UNSURE, "payments-db", TargetPolicy(deny=["payments-db"]), "denied"),
        (
            "db01.corp.example acts weird, 5432?",
            "db01.corp.example",
            TargetPolicy(deny=["*.corp.example"]),
            "denied",
        ),
        (
            "127.0.0.1 is acting weird since this morning, 8080 maybe?",
            "127.0.0.1",
            TargetPolicy(),
            "loopback",
        ),
        ("0x7f000001 is acting weird, 8080 maybe?", "0x7f000001", TargetPolicy(), "loopback"),
        (UNSURE, "payments-db; rm -rf /", TargetPolicy(), "invalid"),
        (UNSURE, 5432, TargetPolicy(), "wrong_type"),
        (UNSURE, {"name": "payments-db"}, TargetPolicy(), "wrong_type"),
    ],
)
async def test_proposed_host_is_dropped(
    manager: LLMManager,
    registry: AgentRegistry,
    openai_script: Script,
    task: str,
    host: Any,
    policy: TargetPolicy,
    reason: str,
) -> None:
    openai_script.answer = answer({"host": host})
    with capture_logs() as logs:
        decision = await LLMClassifierRouter(manager, registry, policy).route(task, {})
    assert decision.agents == ["network_diagnostics"] and decision.context == {}
    assert drops(logs) == [("host", reason)]


async def test_loopback_host_is_kept_when_the_policy_opens_it(
    manager: LLMManager, registry: AgentRegistry, openai_script: Script
) -> None:
    openai_script.answer = answer({"host": "127.0.0.1", "ports": [8080]})
    router = LLMClassifierRouter(manager, registry, TargetPolicy(allow=["127.0.0.0/8"]))
    decision = await router.route("127.0.0.1 is acting weird since this morning, 8080 maybe?", {})
    assert decision.context == {"hostname": "127.0.0.1", "ports": [8080]}


async def test_ports_not_in_the_sentence_out_of_range_or_not_ints_are_dropped(
    classifier: LLMClassifierRouter, openai_script: Script
) -> None:
    task = "payments-db is acting weird, 5432 or 6432 maybe? even 70000 and 0 fail"
    ports = [5432, 6432, 6432, 8080, 54, 70000, 0, "5432", True, 5432.0]
    openai_script.answer = answer({"host": "payments-db", "ports": ports})
    with capture_logs() as logs:
        decision = await classifier.route(task, {})
    assert decision.context == {"hostname": "payments-db", "ports": [5432, 6432]}
    assert sorted(drops(logs)) == sorted(
        [("ports", "not_in_request")] * 2 + [("ports", "out_of_range")] * 2 + [("ports", "wrong_type")] * 3
    )


async def test_at_most_sixteen_ports_are_kept(classifier: LLMClassifierRouter, openai_script: Script) -> None:
    ports = list(range(8000, 8020))
    task = "payments-db is acting weird on " + ", ".join(map(str, ports))
    openai_script.answer = answer({"host": "payments-db", "ports": ports})
    with capture_logs() as logs:
        decision = await classifier.route(task, {})
    assert decision.context["ports"] == ports[:MAX_PROPOSED_PORTS]
    assert drops(logs) == [("ports", "too_many")]


@pytest.mark.parametrize("targets", [["payments-db"], "payments-db", 5432, True])
async def test_targets_that_are_not_an_object_are_ignored(
    classifier: LLMClassifierRouter, openai_script: Script, targets: Any
) -> None:
    openai_script.answer = answer(targets)
    with capture_logs() as logs:
        decision = await classifier.route(UNSURE, {})
    assert decision.agents == ["network_diagnostics"] and decision.context == {}
    assert drops(logs) == [("targets", "not_an_object")]


@pytest.mark.parametrize(
    ("url", "kept", "reason"),
    [
        ("https://payments-db/health", "https://payments-db/health", None),
        ("HTTPS://payments-db:8443/health", "https://payments-db:8443/health", None),
        ("ftp://payments-db/dump", None, "not_http"),
        ("https://admin:hunter2@payments-db/", None, "credentials"),
        ("https://elsewhere.example/", None, "not_in_request"),
        ("https://payments-db:99999/", None, "invalid"),
        ("https://payments-db:0/", None, "invalid"),
        ("https://payments-db/a b", None, "invalid"),
        (["https://payments-db/"], None, "wrong_type"),
    ],
)
async def test_proposed_url_needs_http_and_a_host_the_sentence_names(
    classifier: LLMClassifierRouter, openai_script: Script, url: Any, kept: str | None, reason: str | None
) -> None:
    openai_script.answer = answer({"url": url})
    with capture_logs() as logs:
        decision = await classifier.route(UNSURE, {})
    assert decision.context == ({"url": kept} if kept else {})
    assert drops(logs) == ([("url", reason)] if reason else [])
    assert "hunter2" not in repr(logs)


async def test_caller_context_naming_a_target_is_not_second_guessed(
    classifier: LLMClassifierRouter, openai_script: Script
) -> None:
    openai_script.answer = answer({"host": "payments-db", "ports": [5432], "url": "http://payments-db/"})
    decision = await classifier.route(UNSURE, {"host": "db01"})
    assert decision.context == {"ports": [5432]}  # host and url are the caller's to name
    decision = await classifier.route(UNSURE, {"port": 6432})
    assert decision.context == {"hostname": "payments-db", "url": "http://payments-db/"}


async def test_wrong_types_anywhere_never_raise_and_the_deterministic_decision_stands(
    deterministic: SemanticRouter,
    classifier: LLMClassifierRouter,
    assisted: AssistedRouter,
    openai_script: Script,
) -> None:
    openai_script.answer = json.dumps(
        {
            "agents": 5,
            "confidence": "high",
            "reason": None,
            "targets": {"host": ["payments-db"], "ports": {"5432": True}, "url": 7},
        }
    )
    decision = await classifier.route(UNSURE, {})
    assert decision.agents == [] and decision.confidence == 0.0 and decision.context == {}
    assert await assisted.route(UNSURE, {}) == await deterministic.route(UNSURE, {})
    assert len(openai_script.calls) == 2  # both routes asked the classifier


@pytest.mark.parametrize("reply", ["I think network?", "[]", '{"agents": "network_diagnostics"}'])
async def test_nonsense_or_failure_falls_back_to_the_deterministic_answer(
    deterministic: SemanticRouter, assisted: AssistedRouter, openai_script: Script, reply: str
) -> None:
    task = "db-7 feels flaky, can you look at the link"
    openai_script.answer = reply
    decision = await assisted.route(task, {})
    assert len(openai_script.calls) == 1  # the classifier was asked, and its answer set aside
    assert decision == await deterministic.route(task, {})


async def test_model_down_falls_back(assisted: AssistedRouter, openai_script: Script) -> None:
    openai_script.fates = ["error500"]
    decision = await assisted.route("hello there", {})
    assert openai_script.calls  # the classifier was asked and failed
    assert decision.agents == [] and decision.strategy == "none"


MIXED = "db01 and 10.1.2.3 fail on 5432, 8443 and 70000, see https://shop-01.example:8443/health\n" + PASTED
_JSON_LEAF = st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats() | st.text(max_size=60)
_NEAR_MISSES = st.sampled_from(
    ["db01", "DB01.", "10.1.2.3", "[10.1.2.3]", "db-internal-9.corp", "shop-01.example", "127.0.0.1", "db0",
     "https://shop-01.example:8443/health", "http://db01/", "https://db-internal-9.corp/", "ftp://db01/",
     "https://u:p@db01/", "HTTP://DB01:5432/x", "http://[::1]/", "http://db01:0/"]
)  # fmt: skip
_VALUES = st.recursive(_JSON_LEAF | _NEAR_MISSES, lambda inner: st.lists(inner, max_size=20), max_leaves=30)
_PORTS = st.lists(st.sampled_from([5432, 8443, 70000, 0, 10, 3, 8080]) | _JSON_LEAF, max_size=20)
_PROPOSALS = (
    st.fixed_dictionaries(
        {},
        optional={"host": _NEAR_MISSES | _VALUES, "ports": _PORTS | _VALUES, "url": _NEAR_MISSES | _VALUES},
    )
    | _VALUES
)


@settings(max_examples=300, deadline=None)
@given(_PROPOSALS)
def test_any_proposal_yields_valid_network_input_named_in_the_sentence(proposal: Any) -> None:
    text = read_request(MIXED)
    with capture_logs():
        vetted = vet_targets(proposal, text, TargetPolicy(), {})
    assert set(vetted) <= {"hostname", "ports", "url"}
    NetworkDiagnosticsInput.model_validate(vetted)  # the orchestrator never refuses what the router adds
    if "hostname" in vetted:
        assert vetted["hostname"] in ("db01", "10.1.2.3", "shop-01.example")
    if "url" in vetted:
        assert urlsplit(vetted["url"]).hostname in ("db01", "shop-01.example")
        assert urlsplit(vetted["url"]).port != 0
    assert set(vetted.get("ports", [])) <= {5432, 8443}
