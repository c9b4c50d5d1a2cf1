"""The orchestrator: picks agents (explicitly or by routing), validates their input, runs them
concurrently within per-agent and overall time limits, and merges what they found."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import structlog
from pydantic import BaseModel, ValidationError

from app.agents.base import Agent, AgentContext, AgentResult, InputNeed, Interpreter, LLMNote, ProbeTarget
from app.agents.registry import AgentNotFound, AgentRegistry
from app.errors import AppError, InvalidAgentInput, MissingInput, NoMatchingAgent, UnknownAgent
from app.observability.metrics import (
    AGENT_LATENCY,
    AGENT_RUNS,
    ORCHESTRATION_LATENCY,
    ORCHESTRATIONS,
    labelled,
)
from app.observability.timing import ms_since
from app.observability.tracing import tracer
from app.orchestration.evidence import gather_evidence
from app.orchestration.router import RoutingDecision, TaskRouter
from app.security.prompt_injection import detect_prompt_injection
from app.security.target_policy import TargetPolicy

log = structlog.get_logger("app.orchestrator")
RunStatus = Literal["completed", "partial", "failed"]
_TARGET_KEYS = ("hostname", "host", "url", "port", "ports")
Progress = Callable[[str, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class TaskRequest:
    task: str
    context: Mapping[str, Any] = field(default_factory=dict)
    agent_id: str | None = None
    agents: list[str] | None = None
    timeout_seconds: float | None = None
    dry_run: bool = False
    request_id: str | None = None
    key_label: str | None = None
    client_ip: str | None = None
    progress: Progress | None = None  # told about routing and each finished agent, as they happen


@dataclass
class Orchestration:
    execution_id: str
    status: RunStatus
    routing: RoutingDecision
    results: list[AgentResult]
    summary: str
    duration_ms: float
    warnings: list[str]
    dry_run: bool = False
    targets: list[ProbeTarget] = field(default_factory=list)
    needs_input: dict[str, Any] | None = None


class RunRecorder(Protocol):
    """Persists a run: `started` when it starts (with `hold`, the write may wait for the outcome
    of a short run), then exactly one of `finished`, `failed` or `cancelled`; the outcome returns
    once everything about the run is durable."""

    async def started(
        self,
        execution_id: str,
        request: TaskRequest,
        routing: RoutingDecision,
        warnings: list[str],
        *,
        hold: bool = False,
    ) -> None: ...

    async def finished(self, execution_id: str, request: TaskRequest, run: Orchestration) -> None: ...

    async def failed(self, execution_id: str, request: TaskRequest, error: AppError) -> None: ...

    async def cancelled(self, execution_id: str, request: TaskRequest, reason: str) -> None: ...

    def abandon(self, execution_id: str) -> None:
        """The run ended without an outcome (cancelled): its lease will mark it interrupted."""


class RunCancelled(AppError):
    code = "cancelled"
    status = 409
    message = "The run was cancelled before it finished."


class Orchestrator:
    def __init__(
        self,
        registry: AgentRegistry,
        router: TaskRouter,
        target_policy: TargetPolicy,
        *,
        default_timeout: float = 30.0,
        max_timeout: float = 120.0,
        interpreter: Interpreter | None = None,
        recorder: RunRecorder | None = None,
    ) -> None:
        self.registry = registry
        self.router = router
        self.target_policy = target_policy
        self.default_timeout = default_timeout
        self.max_timeout = max_timeout
        self.interpreter = interpreter
        self.recorder = recorder
        # The agents' work of each run in flight here, so that a cancel request can stop it.
        self.running: dict[str, asyncio.Task[list[AgentResult]]] = {}

    def cancel_local(self, execution_id: str) -> bool:
        """Stop a run in flight in this process; False when it is not running here."""
        work = self.running.get(execution_id)
        if work is None or work.done():
            return False
        work.cancel()
        return True

    async def route_task(self, task: str, context: Mapping[str, Any]) -> RoutingDecision:
        with tracer.start_as_current_span("route_task") as span:
            decision = await self.router.route(task, context)
            span.set_attribute("routing.agents", decision.agents)
            span.set_attribute("routing.confidence", decision.confidence)
        if not decision.agents:
            raise NoMatchingAgent(
                f"{decision.reason} Ask about a host's network (DNS, ports, HTTP, TLS), this "
                "host's resources, logs you paste or name, or a compose/Kubernetes file.",
                details={"confidence": decision.confidence, "scores": decision.scores},
            )
        return decision

    async def run(self, request: TaskRequest) -> Orchestration:
        started = time.perf_counter()
        warnings = [
            f"possible prompt injection: {name}"
            for name in detect_prompt_injection(request.task, request.context)
        ]
        routing = await self._decide(request)
        # The router's proposed targets fill in only when the caller named none of their own.
        own_target = any(request.context.get(key) for key in _TARGET_KEYS)
        context = dict(request.context) if own_target else {**routing.context, **request.context}
        agents = [self._agent(agent_id) for agent_id in routing.agents]
        inputs = {agent.card.id: self._validate_input(agent, context) for agent in agents}
        needs_input = _missing_input(agents, request.task, context)
        execution_id = uuid.uuid4().hex
        if request.dry_run:
            return _dry_run(execution_id, request, routing, agents, inputs, needs_input, warnings, started)
        if needs_input:
            raise MissingInput(needs_input["question"], details=needs_input)
        timeout = min(request.timeout_seconds or self.default_timeout, self.max_timeout)
        if self.recorder is not None:
            # A streamed run's caller learns its id at once: its row must exist at once.
            await self.recorder.started(
                execution_id, request, routing, warnings, hold=request.progress is None
            )
        if request.progress is not None:
            routed = {"execution_id": execution_id, "agents": routing.agents, "reason": routing.reason}
            await request.progress("routed", {**routed, "confidence": routing.confidence})
        work = asyncio.create_task(
            self.coordinate_agents(
                agents,
                request.task,
                inputs,
                per_agent_timeout=timeout,
                deadline=timeout,
                request_id=request.request_id,
                key_label=request.key_label,
                execution_id=execution_id,
                progress=request.progress,
            ),
            name=f"run-{execution_id}",
        )
        results = await self._results(execution_id, request, work)
        status = overall_status(results)
        _observe(routing, results, status, started, execution_id)
        run = Orchestration(
            execution_id=execution_id,
            status=status,
            routing=routing,
            results=results,
            summary=_combined_summary(results),
            duration_ms=ms_since(started),
            warnings=warnings,
        )
        if self.recorder is not None:
            await self.recorder.finished(execution_id, request, run)
        return run

    async def _results(
        self, execution_id: str, request: TaskRequest, work: asyncio.Task[list[AgentResult]]
    ) -> list[AgentResult]:
        """The agents' results; a run that ends otherwise gets its one terminal record first."""
        self.running[execution_id] = work
        try:
            try:
                return await work
            finally:
                self.running.pop(execution_id, None)
        except AppError as exc:
            if self.recorder is not None:
                await self.recorder.failed(execution_id, request, exc)
            raise
        except asyncio.CancelledError:
            # A cancel request stopped the work, or the caller went away (a streaming client
            # disconnected) or the service is stopping: the record says so, never `running`.
            current = asyncio.current_task()
            requested = work.cancelled() and not (current is not None and current.cancelling())
            reason = "cancelled on request" if requested else "the caller went away before the run finished"
            if self.recorder is not None:
                await asyncio.shield(self.recorder.cancelled(execution_id, request, reason))
            if requested:
                raise RunCancelled(f"Run {execution_id} was cancelled before it finished.") from None
            raise
        except Exception as exc:  # a bug or a dependency: the record still gets its one terminal state
            log.exception("orchestration_crashed", execution_id=execution_id)
            if self.recorder is not None:
                await self.recorder.failed(
                    execution_id, request, AppError(f"The run failed unexpectedly ({type(exc).__name__}).")
                )
            raise

    async def coordinate_agents(
        self,
        agents: list[Agent],
        task: str,
        inputs: Mapping[str, BaseModel],
        *,
        per_agent_timeout: float,
        deadline: float,
        request_id: str | None = None,
        key_label: str | None = None,
        execution_id: str | None = None,
        progress: Progress | None = None,
    ) -> list[AgentResult]:
        """Run agents concurrently. A failing or slow agent becomes a failed or timed-out result,
        never an exception; a client error (a refused target, say) is raised for the request."""
        ends_at = time.monotonic() + deadline

        async def run_one(agent: Agent) -> AgentResult:
            context = AgentContext(
                input=inputs[agent.card.id],
                target_policy=self.target_policy,
                request_id=request_id,
                key_label=key_label,
                deadline=ends_at,
            )
            started = time.perf_counter()
            limit = max(0.0, min(per_agent_timeout, ends_at - time.monotonic()))
            try:
                with tracer.start_as_current_span(f"agent {agent.card.id}"):
                    async with asyncio.timeout(limit):
                        result = await agent.execute(task, context)
            except TimeoutError:
                return _failure(agent, "timed_out", f"did not finish within {limit:.1f}s", started)
            except AppError as exc:
                if exc.status < 500:
                    raise
                return _failure(agent, "failed", exc.message, started)
            except Exception as exc:  # an agent's bug must not become the caller's 500
                log.exception("agent_failed", agent_id=agent.card.id)
                return _failure(agent, "failed", f"{type(exc).__name__}: {exc}"[:500], started)
            return await self._interpret(agent, task, result, ends_at, key_label)

        async def reported(agent: Agent) -> AgentResult:
            result = await run_one(agent)
            if progress is not None:
                await progress("agent_finished", result.model_dump(mode="json"))
            return result

        # A client error in one agent (a refused target) fails the whole request: the task group
        # cancels its siblings at once instead of letting a minute-long sample run on for nothing.
        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(reported(agent)) for agent in agents]
        except* Exception as failed:
            raise failed.exceptions[0] from None
        return [task.result() for task in tasks]

    async def _interpret(
        self, agent: Agent, task: str, result: AgentResult, ends_at: float, key_label: str | None
    ) -> AgentResult:
        """Let the LLM hook explain a completed result; on any failure the rule-based summary
        stands and the result says why."""
        if self.interpreter is None or result.status != "completed":
            return result
        try:
            with tracer.start_as_current_span(f"interpret {agent.card.id}"):
                async with asyncio.timeout(max(0.0, ends_at - time.monotonic())):
                    interpreted = await self.interpreter.interpret(agent.card, task, result, key_label)
        except Exception as exc:  # the LLM is never a single point of failure
            log.warning("interpretation_failed", agent_id=agent.card.id, error=type(exc).__name__)
            note = LLMNote(used=False, detail=f"no interpretation: {type(exc).__name__}; rule-based summary")
            return result.model_copy(update={"llm": note})
        return interpreted or result

    async def _decide(self, request: TaskRequest) -> RoutingDecision:
        if request.agent_id:
            self._agent(request.agent_id)
            return RoutingDecision([request.agent_id], "explicit", 1.0, "agent_id given by the caller")
        if request.agents:
            for agent_id in request.agents:
                self._agent(agent_id)
            agents = list(dict.fromkeys(request.agents))
            return RoutingDecision(agents, "coordinate", 1.0, "agents given by the caller")
        return await self.route_task(request.task, request.context)

    def _agent(self, agent_id: str) -> Agent:
        try:
            return self.registry.get(agent_id)
        except AgentNotFound:
            known = [agent.card.id for agent in self.registry.list()]
            raise UnknownAgent(
                f"No agent is registered as {agent_id!r}.", details={"known_agents": known}
            ) from None

    @staticmethod
    def _validate_input(agent: Agent, context: Mapping[str, Any]) -> BaseModel:
        try:
            return agent.card.input_model.model_validate(dict(context))
        except ValidationError as exc:
            details = [
                {"loc": ["body", "context", *map(str, e["loc"])], "msg": e["msg"], "type": e["type"]}
                for e in exc.errors()
            ]
            fields = ", ".join(".".join(d["loc"][1:]) for d in details[:5])
            raise InvalidAgentInput(
                f"The context does not fit {agent.card.id}'s input: {fields}.",
                details={"agent_id": agent.card.id, "errors": details},
            ) from None


def _missing_input(agents: list[Agent], task: str, context: Mapping[str, Any]) -> dict[str, Any] | None:
    """The first agent whose required input the task does not carry, as a question to ask."""
    evidence = gather_evidence(task, context)
    for agent in agents:
        card = agent.card
        if not evidence.satisfies(card.requires_any):
            need = card.asks or InputNeed(
                needs=card.requires_any,
                question=f"{card.name} needs one of: {', '.join(card.requires_any)}. What should it look at?",
            )
            return need.details(card.id)
    return None


def _targets(agents: list[Agent], task: str, inputs: Mapping[str, BaseModel]) -> list[ProbeTarget]:
    """What the agents would contact, for agents that can say so before running."""
    found: list[ProbeTarget] = []
    for agent in agents:
        plan = getattr(agent, "targets", None)
        if callable(plan):
            try:
                found += plan(task, inputs[agent.card.id])
            except AppError:
                continue
    return found


def overall_status(results: list[AgentResult]) -> RunStatus:
    ok = sum(1 for result in results if result.status == "completed")
    if ok == len(results):
        return "completed"
    return "partial" if ok else "failed"


def _failure(agent: Agent, status: Literal["failed", "timed_out"], error: str, started: float) -> AgentResult:
    verb = "timed out" if status == "timed_out" else "failed"
    return AgentResult(
        agent_id=agent.card.id,
        status=status,
        summary=f"{agent.card.name} {verb}: {error}.",
        error=error,
        duration_ms=ms_since(started),
    )


def _dry_run(
    execution_id: str,
    request: TaskRequest,
    routing: RoutingDecision,
    agents: list[Agent],
    inputs: Mapping[str, BaseModel],
    needs_input: dict[str, Any] | None,
    warnings: list[str],
    started: float,
) -> Orchestration:
    """What a run would do (its agents and targets, or the question to ask first), run nothing."""
    summary = f"Dry run: would run {', '.join(routing.agents)}. {routing.reason}"
    if needs_input:
        summary += f" First: {needs_input['question']}"
    return Orchestration(
        execution_id=execution_id,
        status="completed",
        routing=routing,
        results=[],
        summary=summary,
        duration_ms=ms_since(started),
        warnings=warnings,
        dry_run=True,
        targets=[] if needs_input else _targets(agents, request.task, inputs),
        needs_input=needs_input,
    )


def _observe(
    routing: RoutingDecision, results: list[AgentResult], status: str, started: float, execution_id: str
) -> None:
    labelled(ORCHESTRATIONS, routing.strategy, status).inc()
    labelled(ORCHESTRATION_LATENCY, routing.strategy).observe(time.perf_counter() - started)
    for result in results:
        labelled(AGENT_RUNS, result.agent_id, result.status).inc()
        labelled(AGENT_LATENCY, result.agent_id).observe(result.duration_ms / 1000)
    log.info(
        "orchestration_finished",
        execution_id=execution_id,
        agents=routing.agents,
        strategy=routing.strategy,
        status=status,
    )


def _combined_summary(results: list[AgentResult]) -> str:
    if len(results) == 1:
        return results[0].summary
    return " ".join(f"[{result.agent_id}] {result.summary}" for result in results)
