"""Coordination: concurrent agents, per-agent timeouts and deadlines, partial results, routing errors."""

from __future__ import annotations

import asyncio
import re
import time

import pytest
from pydantic import BaseModel, ConfigDict

from app.agents.base import AgentCard, AgentContext, AgentResult, Finding, LLMNote
from app.agents.registry import AgentRegistry
from app.errors import InvalidAgentInput, NoMatchingAgent, TargetNotAllowed, UnknownAgent
from app.orchestration.orchestrator import Orchestrator, TaskRequest, overall_status
from app.orchestration.router import SemanticRouter
from app.orchestration.semantic import default_encoder
from app.security.target_policy import TargetPolicy


class AnyInput(BaseModel):
    model_config = ConfigDict(extra="allow")
    delay: float = 0.0


class StrictInput(BaseModel):
    model_config = ConfigDict(extra="allow")
    duration: int


class ScriptedAgent:
    """A real agent whose behaviour the test chooses: answer, raise or hang."""

    def __init__(self, agent_id: str, behaviour: str, keywords: dict[str, float] | None = None,
                 input_model: type[BaseModel] = AnyInput) -> None:  # fmt: skip
        self.card = AgentCard(
            id=agent_id, name=agent_id.title(), description="scripted", capabilities=(behaviour,),
            version="1", input_model=input_model, keywords=keywords or {agent_id: 1.5},
        )  # fmt: skip
        self.behaviour = behaviour

    async def execute(self, task: str, context: AgentContext) -> AgentResult:
        if self.behaviour == "raise":
            raise RuntimeError("disk exploded")
        if self.behaviour == "hang":
            await asyncio.sleep(60)
        if self.behaviour == "refuse":
            raise TargetNotAllowed("169.254.169.254 is link-local")
        return AgentResult(
            agent_id=self.card.id, status="completed", summary="all good",
            findings=[Finding(severity="info", code="ok", message="fine")],
        )  # fmt: skip


def orchestrator(*agents: ScriptedAgent) -> Orchestrator:
    registry = AgentRegistry()
    for agent in agents:
        registry.register(agent)
    return Orchestrator(
        registry, SemanticRouter(registry, default_encoder()), TargetPolicy(), default_timeout=5
    )


async def test_one_raising_and_one_timing_out_give_partial_with_both_explained() -> None:
    orch = orchestrator(
        ScriptedAgent("alpha", "ok"), ScriptedAgent("beta", "raise"), ScriptedAgent("gamma", "hang")
    )
    started = time.perf_counter()
    run = await orch.run(TaskRequest(task="check", agents=["alpha", "beta", "gamma"], timeout_seconds=0.3))
    assert time.perf_counter() - started < 1.0
    assert run.status == "partial"
    by_id = {result.agent_id: result for result in run.results}
    assert by_id["alpha"].status == "completed"
    assert by_id["beta"].status == "failed" and "RuntimeError: disk exploded" in (by_id["beta"].error or "")
    # The budget left for the agent is 0.3 s less the scheduling time before it starts.
    assert by_id["gamma"].status == "timed_out"
    assert re.fullmatch(r"did not finish within 0\.[23]s", by_id["gamma"].error or "")
    assert "failed" in by_id["beta"].summary and "timed out" in by_id["gamma"].summary
    assert run.routing.strategy == "coordinate"


async def test_agents_run_concurrently() -> None:
    class Sleepy(ScriptedAgent):
        async def execute(self, task: str, context: AgentContext) -> AgentResult:
            await asyncio.sleep(0.2)
            return await super().execute(task, context)

    orch = orchestrator(*(Sleepy(f"agent{i}", "ok") for i in range(4)))
    started = time.perf_counter()
    run = await orch.run(TaskRequest(task="x", agents=[f"agent{i}" for i in range(4)]))
    assert run.status == "completed"
    assert time.perf_counter() - started < 0.6


async def test_all_failing_is_failed() -> None:
    orch = orchestrator(ScriptedAgent("beta", "raise"))
    assert (await orch.run(TaskRequest(task="x", agent_id="beta"))).status == "failed"


async def test_client_errors_of_an_agent_reach_the_caller() -> None:
    orch = orchestrator(ScriptedAgent("alpha", "ok"), ScriptedAgent("beta", "refuse"))
    with pytest.raises(TargetNotAllowed):
        await orch.run(TaskRequest(task="x", agents=["alpha", "beta"]))


async def test_unknown_agent_and_no_match_are_clear_errors() -> None:
    orch = orchestrator(ScriptedAgent("alpha", "ok", {"alpha": 1.5}))
    with pytest.raises(UnknownAgent) as unknown:
        await orch.run(TaskRequest(task="x", agent_id="omega"))
    assert unknown.value.details == {"known_agents": ["alpha"]}
    with pytest.raises(NoMatchingAgent):
        await orch.run(TaskRequest(task="write me a sonnet about autumn"))


async def test_context_is_validated_against_each_agents_input_model() -> None:
    orch = orchestrator(ScriptedAgent("sampler", "ok", input_model=StrictInput))
    with pytest.raises(InvalidAgentInput) as invalid:
        await orch.run(TaskRequest(task="x", agent_id="sampler", context={"duration": "long"}))
    assert invalid.value.status == 422
    assert invalid.value.details["errors"][0]["loc"] == ["body", "context", "duration"]


async def test_dry_run_routes_without_running() -> None:
    orch = orchestrator(ScriptedAgent("alpha", "raise", {"alpha": 2.0}))
    run = await orch.run(TaskRequest(task="alpha please", dry_run=True))
    assert run.dry_run and run.results == []
    assert run.routing.agents == ["alpha"]


def test_overall_status() -> None:
    ok = AgentResult(agent_id="a", status="completed", summary="")
    bad = AgentResult(agent_id="b", status="failed", summary="")
    assert overall_status([ok, ok]) == "completed"
    assert overall_status([ok, bad]) == "partial"
    assert overall_status([bad]) == "failed"


def test_registry_refuses_duplicates_and_non_agents() -> None:
    registry = AgentRegistry()
    alpha = ScriptedAgent("alpha", "ok")
    registry.register(alpha)
    with pytest.raises(ValueError, match="already registered"):
        registry.register(ScriptedAgent("alpha", "raise"))
    with pytest.raises(TypeError):
        registry.register(object())  # type: ignore[arg-type]
    assert registry.list() == [alpha]


class ScriptedInterpreter:
    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour

    async def interpret(
        self, card: AgentCard, task: str, result: AgentResult, key_label: str | None = None
    ) -> AgentResult | None:
        if self.behaviour == "raise":
            raise ConnectionError("model endpoint down")
        if self.behaviour == "hang":
            await asyncio.sleep(60)
        note = LLMNote(provider="scripted", model="m1", used=True)
        return result.model_copy(
            update={"summary": f"Explained: {result.summary}", "summary_source": "llm", "llm": note}
        )


async def test_interpreter_explains_completed_results() -> None:
    orch = orchestrator(ScriptedAgent("alpha", "ok"))
    orch.interpreter = ScriptedInterpreter("ok")
    result = (await orch.run(TaskRequest(task="x", agent_id="alpha"))).results[0]
    assert result.summary == "Explained: all good" and result.summary_source == "llm"
    assert result.llm is not None and result.llm.provider == "scripted"


@pytest.mark.parametrize("behaviour", ["raise", "hang"])
async def test_failing_interpreter_leaves_the_rule_based_summary_and_says_so(behaviour: str) -> None:
    orch = orchestrator(ScriptedAgent("alpha", "ok"))
    orch.interpreter = ScriptedInterpreter(behaviour)
    run = await orch.run(TaskRequest(task="x", agent_id="alpha", timeout_seconds=0.3))
    result = run.results[0]
    assert run.status == "completed"
    assert result.summary == "all good" and result.summary_source == "rules"
    assert result.llm is not None and result.llm.used is False and "rule-based" in (result.llm.detail or "")
