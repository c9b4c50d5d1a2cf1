"""Runs workflows: independent steps concurrently, every state change persisted and published,
in the foreground (wait) or background, cancellable, and resumable by another replica when the
one running it dies (the run's lease expires)."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import Mapping
from typing import Any

import structlog
from pydantic import ValidationError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.agents.base import Agent, AgentResult, Finding, Severity
from app.agents.registry import AgentNotFound
from app.bus.base import MessageBus
from app.errors import AppError, NotFound
from app.observability.metrics import WORKFLOW_RUNS, WORKFLOW_STEP_LATENCY, labelled
from app.observability.timing import ms_since
from app.observability.tracing import tracer
from app.orchestration.orchestrator import Orchestrator
from app.orchestration.workflows.models import (
    SUMMARY_STEP,
    StepDefinition,
    WorkflowDefinition,
)
from app.orchestration.workflows.state import (
    TERMINAL_STEP,
    RunContext,
    StepState,
    WorkflowInputInvalid,
    check_inputs,
    workflow_status,
)
from app.orchestration.workflows.summary import SUMMARY_CARD, summarise
from app.orchestration.workflows.templates import TemplateProblem, evaluate, render
from app.security.redaction import SecretRedactor
from app.storage.audit import AuditEvent, append_in
from app.storage.events import TERMINAL, EventLog
from app.storage.models import ExecutionRow, utcnow
from app.storage.writer import GroupCommitWriter

log = structlog.get_logger("app.workflows")
CONTROL_TOPIC = "control"
MAX_FOR_EACH = 100


class TooManyRunning(AppError):
    code = "too_many_running"
    status = 429
    message = "This key has too many workflows running."


class WorkflowExecutor:
    def __init__(
        self,
        orchestrator: Orchestrator,
        writer: GroupCommitWriter,
        events: EventLog,
        redactor: SecretRedactor,
        *,
        instance_id: str,
        lease_seconds: float,
        max_steps: int,
        max_running_per_key: int = 20,
    ) -> None:
        self.orchestrator = orchestrator
        self.registry = orchestrator.registry
        self.writer = writer
        self.events = events
        self.redactor = redactor
        self.instance_id = instance_id
        self.lease_seconds = lease_seconds
        self.max_steps = max_steps
        self.max_running_per_key = max_running_per_key
        self.definitions: dict[str, WorkflowDefinition] = {}
        self.running: dict[str, asyncio.Task[str]] = {}
        # Set while the process stops: running workflows are handed to another replica (their
        # completed steps stay, their leases are released), not cancelled.
        self.handing_over = False

    # --- starting ---------------------------------------------------------------------------
    def definition(self, workflow_id: str) -> WorkflowDefinition:
        """A shipped workflow by id; NotFound names where the list is."""
        found = self.definitions.get(workflow_id)
        if found is None:
            raise NotFound(f"No workflow {workflow_id[:64]!r}; GET /api/v1/workflows lists them.")
        return found

    async def start(
        self,
        definition: WorkflowDefinition,
        input_data: Mapping[str, Any],
        *,
        owner: str | None,
        request_id: str | None,
        client_ip: str | None,
    ) -> str:
        """Validate the inputs and start the run in the background; its execution id."""
        inputs = self.prepare(definition, input_data)
        return await self.submit(definition, inputs, owner=owner, request_id=request_id, client_ip=client_ip)

    def prepare(self, definition: WorkflowDefinition, input_data: Mapping[str, Any]) -> dict[str, Any]:
        """Validate the definition against the registry and `input_data` against its inputs."""
        definition.validate_against({a.card.id for a in self.registry.list()}, self.max_steps)
        return check_inputs(definition, dict(input_data))

    async def submit(
        self,
        definition: WorkflowDefinition,
        inputs: dict[str, Any],
        *,
        owner: str | None,
        request_id: str | None,
        client_ip: str | None,
    ) -> str:
        await self._check_room(owner)
        execution_id = uuid.uuid4().hex
        states = {s.id: StepState(s.id, s.agent) for s in definition.steps}
        now = utcnow()
        row = ExecutionRow(
            id=execution_id,
            kind="workflow",
            status="running",
            owner=owner,
            request_id=request_id,
            task=definition.name or definition.id,
            workflow_id=definition.id,
            agents="," + ",".join(sorted({s.agent for s in definition.steps})) + ",",
            input=self.redactor.redact({"input_data": inputs}),
            steps=[state.public() for state in states.values()],
            results=[],
            warnings=[],
            definition=definition.model_dump(mode="json"),
            created_at=now,
            started_at=now,
            lease_owner=self.instance_id,
            lease_expires_at=now + dt.timedelta(seconds=self.lease_seconds),
        )

        def op(session: Session) -> None:
            session.add(row)
            append_in(
                session,
                AuditEvent(
                    "workflow_started",
                    owner,
                    client_ip,
                    request_id,
                    "running",
                    {"execution_id": execution_id, "workflow_id": definition.id},
                ),
            )

        started = {"workflow_id": definition.id, "steps": [s.id for s in definition.steps]}
        try:
            await self.events.write(execution_id, "execution_started", started, op)
        except Exception:
            self.events.forget(execution_id)  # the run was never stored
            raise
        run = RunContext(execution_id, definition, inputs, owner, request_id, client_ip, states)
        self._launch(run)
        return execution_id

    async def _check_room(self, owner: str | None) -> None:
        """A key may hold MAX_RUNNING_WORKFLOWS_PER_KEY running workflows, counted on every replica."""
        key = ExecutionRow.owner == owner if owner is not None else ExecutionRow.owner.is_(None)
        workflows = (ExecutionRow.kind == "workflow", ExecutionRow.status == "running")
        query = select(func.count()).where(*workflows, key)
        async with self.events.sessions() as session:
            running = int((await session.execute(query)).scalar() or 0)
        if running >= self.max_running_per_key:
            raise TooManyRunning(
                f"This key already has {running} workflows running (at most {self.max_running_per_key}); "
                "wait for one to finish or cancel one.",
                headers={"Retry-After": "10"},
            )

    def _launch(self, run: RunContext) -> None:
        task = asyncio.create_task(self._run(run), name=f"workflow-{run.execution_id}")
        self.running[run.execution_id] = task
        task.add_done_callback(lambda _: self.running.pop(run.execution_id, None))

    async def hand_over(self) -> list[str]:
        """The process is stopping: stop every workflow running here without ending it, and
        release its lease at once, so another replica (or this service's next start) claims it
        and resumes from its last completed step."""
        self.handing_over = True
        tasks = dict(self.running)
        for task in tasks.values():
            task.cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)
        ids = list(tasks)
        if not ids:
            return []

        def op(session: Session) -> None:
            session.execute(
                update(ExecutionRow)
                .where(
                    ExecutionRow.id.in_(ids),
                    ExecutionRow.lease_owner == self.instance_id,
                    ExecutionRow.status == "running",
                )
                .values(lease_expires_at=utcnow())
            )

        await self.writer.submit(op)
        log.info("workflows_handed_over", count=len(ids))
        return ids

    async def wait(self, execution_id: str) -> None:
        task = self.running.get(execution_id)
        if task is not None:
            await asyncio.shield(task)

    async def request_cancel(self, execution_id: str, audit: AuditEvent) -> None:
        """Cancel a run wherever it runs: the request is stored (the owner's upkeep acts on it if
        the bus message is lost) and audited, then the run is stopped here or, through the bus,
        on the replica that runs it."""

        def op(session: Session) -> None:
            session.execute(
                update(ExecutionRow).where(ExecutionRow.id == execution_id).values(cancel_requested=True)
            )
            append_in(session, audit)

        await self.writer.submit(op)
        if not self.cancel_local(execution_id):
            await self.events.bus.publish(CONTROL_TOPIC, {"type": "cancel", "execution_id": execution_id})

    def cancel_local(self, execution_id: str) -> bool:
        """Stop a workflow, or an orchestration, running in this process; False when neither is."""
        task = self.running.get(execution_id)
        if task is None or task.done():
            return self.orchestrator.cancel_local(execution_id)
        task.cancel()
        return True

    # --- running ----------------------------------------------------------------------------
    async def _run(self, run: RunContext) -> str:
        active: dict[asyncio.Task[StepState], str] = {}
        cancelled = False
        try:
            while True:
                for step_id in self._ready(run, active):
                    state = run.states[step_id]
                    state.status, state.started_at = "running", utcnow().isoformat()
                    await self._save(run, "step_started", {"step": step_id, "agent": state.agent})
                    active[asyncio.create_task(self._traced_step(run, run.definition.step(step_id)))] = (
                        step_id
                    )
                if not active:
                    break
                done, _ = await asyncio.wait(active, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    step_id = active.pop(task)
                    run.states[step_id] = task.result()
                    state = run.states[step_id]
                    labelled(WORKFLOW_STEP_LATENCY, run.definition.id, state.agent, state.status).observe(
                        (state.duration_ms or 0) / 1000
                    )
                    await self._save(
                        run,
                        f"step_{state.status}",
                        {"step": step_id, "summary": state.summary, "error": state.error},
                    )
        except asyncio.CancelledError:
            await _stop(active)
            if self.handing_over:  # no terminal state: another replica resumes the run
                return "handed_over"
            cancelled = True
            _end_unfinished(run, "cancelled", "the run was cancelled")
        except Exception as exc:  # a bug, a missing agent, the database: the run still ends
            log.exception("workflow_crashed", execution_id=run.execution_id)
            await _stop(active)
            _end_unfinished(run, "failed", f"the run failed unexpectedly ({type(exc).__name__})")
            await self._finish_or_leave(run, "failed")
            return "failed"
        status = "cancelled" if cancelled else workflow_status(run.states.values())
        await self._finish_or_leave(run, status)
        return status

    async def _finish_or_leave(self, run: RunContext, status: str) -> None:
        """Write the outcome; if the database will not take it, leave the run to its lease: no
        longer renewed, it lapses and the orphan sweep gives the run its one ending."""
        try:
            await asyncio.shield(self._finish(run, status))
        except Exception as exc:
            log.error("workflow_outcome_unwritten", execution_id=run.execution_id, error=type(exc).__name__)

    def _ready(self, run: RunContext, active: Mapping[asyncio.Task[StepState], str]) -> list[str]:
        ready = []
        for step in run.definition.steps:
            state = run.states[step.id]
            if state.status != "pending":
                continue
            parents = [run.states[d] for d in step.depends_on]
            if any(p.status not in TERMINAL_STEP for p in parents):
                continue
            blocked = [
                p.id
                for p, d in zip(parents, step.depends_on, strict=True)
                if p.status in ("failed", "cancelled") and not run.definition.step(d).continue_on_failure
            ]
            if blocked:
                state.status, state.error = "skipped", f"dependency {', '.join(blocked)} failed"
                continue
            ready.append(step.id)
        return ready

    async def _traced_step(self, run: RunContext, step: StepDefinition) -> StepState:
        with tracer.start_as_current_span(f"workflow_step {step.id}") as span:
            span.set_attribute("workflow.id", run.definition.id)
            span.set_attribute("workflow.agent", step.agent)
            state = await self._step(run, step)
            span.set_attribute("workflow.step_status", state.status)
            return state

    async def _step(self, run: RunContext, step: StepDefinition) -> StepState:
        state = run.states[step.id]
        started = time.perf_counter()
        context = {"input": run.inputs, "steps": {k: v.template_view() for k, v in run.states.items()}}
        try:
            if step.when is not None and not evaluate(step.when, context):
                state.status, state.summary = "skipped", f"condition not met: {step.when}"
                return state
            if step.agent == SUMMARY_STEP:
                result = await self._summary(run, step, render(step.task, context))
            elif step.for_each is not None:
                result = await self._for_each(run, step, context)
            else:
                result = await self._attempts(
                    run, step, render(step.task, context), render(step.input, context)
                )
        except (TemplateProblem, AppError, AgentNotFound) as exc:
            state.status = "failed"
            if isinstance(exc, AgentNotFound):  # resumed on a replica without that plugin
                state.error = f"agent {exc.agent_id!r} is not installed on this replica"
            else:
                state.error = exc.message if isinstance(exc, AppError) else str(exc)
            state.finished_at = utcnow().isoformat()
            state.duration_ms = ms_since(started)
            return state
        state.status = "completed" if result.status == "completed" else "failed"
        state.summary, state.output, state.error = result.summary, result.output, result.error
        state.findings = [f.model_dump(mode="json") for f in result.findings]
        state.finished_at, state.duration_ms = utcnow().isoformat(), ms_since(started)
        return state

    async def _attempts(self, run: RunContext, step: StepDefinition, task: Any, data: Any) -> AgentResult:
        agent = self.registry.get(step.agent)
        try:
            model = agent.card.input_model.model_validate(data if isinstance(data, dict) else {})
        except ValidationError as exc:
            fields = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors()[:5])
            raise WorkflowInputInvalid(
                f"step {step.id!r}: its input does not fit {agent.card.id}: {fields}"
            ) from None
        result: AgentResult | None = None
        for attempt in range(step.retries + 1):
            run.states[step.id].attempts = attempt + 1
            # A step's own timeout is capped like any agent call's (AGENT_MAX_TIMEOUT_SECONDS).
            timeout = min(step.timeout_seconds, self.orchestrator.max_timeout)
            result = await self._execute(run, agent, str(task or step.id), model, timeout)
            if result.status == "completed":
                break
        assert result is not None  # noqa: S101 - at least one attempt ran
        return result

    async def _execute(
        self, run: RunContext, agent: Agent, task: str, model: Any, timeout: float
    ) -> AgentResult:
        """One agent call, with the orchestrator's timeout, failure and interpretation handling."""
        results = await self.orchestrator.coordinate_agents(
            [agent],
            task,
            {agent.card.id: model},
            per_agent_timeout=timeout,
            deadline=timeout,
            request_id=run.request_id,
            key_label=run.owner,
            execution_id=run.execution_id,
        )
        return results[0]

    async def _for_each(self, run: RunContext, step: StepDefinition, context: dict[str, Any]) -> AgentResult:
        items = evaluate(step.for_each or "", context)
        if not isinstance(items, list) or len(items) > MAX_FOR_EACH:
            raise WorkflowInputInvalid(
                f"step {step.id!r}: for_each must give a list of at most {MAX_FOR_EACH} items"
            )

        async def one(item: Any) -> AgentResult:
            scoped = {**context, "item": item}
            return await self._attempts(run, step, render(step.task, scoped), render(step.input, scoped))

        results = await asyncio.gather(*(one(item) for item in items), return_exceptions=True)
        outputs, findings, failures = [], [], 0
        for item, result in zip(items, results, strict=True):
            if isinstance(result, BaseException):
                failures += 1
                message = result.message if isinstance(result, AppError) else type(result).__name__
                outputs.append({"item": item, "status": "failed", "error": message})
                findings.append(
                    Finding(severity=Severity.CRITICAL, code="step_item_failed", message=f"{item}: {message}")
                )
                continue
            failures += result.status != "completed"
            outputs.append(
                {"item": item, "status": result.status, "summary": result.summary, "output": result.output}
            )
            findings.extend(result.findings)
        status = "completed" if failures < len(items) or not items else "failed"
        return AgentResult(
            agent_id=step.agent,
            status=status,
            summary=f"{len(items) - failures} of {len(items)} items checked",
            findings=findings,
            output={"items": outputs},
        )

    async def _summary(self, run: RunContext, step: StepDefinition, task: Any) -> AgentResult:
        result = summarise([run.states[d] for d in step.depends_on])
        interpreter = self.orchestrator.interpreter
        if interpreter is None:
            return result
        try:
            return await interpreter.interpret(SUMMARY_CARD, str(task), result, run.owner) or result
        except Exception as exc:  # the rule-based summary stands
            log.warning("interpretation_failed", error=type(exc).__name__)
            return result

    # --- persistence ------------------------------------------------------------------------
    async def _save(self, run: RunContext, kind: str, data: dict[str, Any]) -> None:
        steps = [run.states[s.id].public() for s in run.definition.steps]

        def op(session: Session) -> bool:
            # Else ended by the sweep, or resumed elsewhere: theirs to tell.
            return self._update_if_ours(session, run, {"steps": self.redactor.redact(steps)})

        await self.events.write(run.execution_id, kind, data, op)

    def _update_if_ours(self, session: Session, run: RunContext, values: dict[str, Any]) -> bool:
        """Update the run's row only while it is still running and this process's; say whether."""
        updated = session.execute(
            update(ExecutionRow)
            .where(
                ExecutionRow.id == run.execution_id,
                ExecutionRow.status == "running",
                ExecutionRow.lease_owner == self.instance_id,
            )
            .values(**values)
            .returning(ExecutionRow.id)
        ).all()
        return bool(updated)

    async def _finish(self, run: RunContext, status: str) -> None:
        states = [run.states[s.id] for s in run.definition.steps]
        findings = [f for s in states for f in s.findings]
        last = next((s for s in reversed(states) if s.status == "completed" and s.summary), None)
        values = {
            "status": status,
            "steps": self.redactor.redact([s.public() for s in states]),
            "results": self.redactor.redact(
                [
                    {
                        "step": s.id,
                        "agent": s.agent,
                        "status": s.status,
                        "summary": s.summary,
                        "findings": s.findings,
                        "output": s.output,
                    }
                    for s in states
                ]
            ),
            "summary": self.redactor.scrub(last.summary) if last and last.summary else f"Workflow {status}.",
            "findings_count": len(findings),
            "critical_count": sum(1 for f in findings if f.get("severity") == "critical"),
            "duration_ms": ms_since(run.started),
            "finished_at": utcnow(),
            "lease_owner": None,
            "lease_expires_at": None,
        }

        def op(session: Session) -> bool:
            # If the orphan sweep ended it, or another replica took it over while this one
            # stalled, that outcome stands.
            if not self._update_if_ours(session, run, values):
                return False
            append_in(
                session,
                AuditEvent(
                    "workflow_finished",
                    run.owner,
                    run.client_ip,
                    run.request_id,
                    status,
                    {"execution_id": run.execution_id, "workflow_id": run.definition.id},
                ),
            )
            return True

        await self.events.write(run.execution_id, TERMINAL, {"status": status}, op)
        labelled(WORKFLOW_RUNS, run.definition.id, status).inc()
        log.info(
            "workflow_finished", execution_id=run.execution_id, workflow=run.definition.id, status=status
        )

    async def cancel_requested(self, execution_ids: list[str]) -> None:
        for execution_id in execution_ids:
            self.cancel_local(execution_id)

    async def listen_for_cancels(self, bus: MessageBus) -> None:
        """Cancel requests reach the replica running the workflow over the bus."""
        subscription = await bus.subscribe(CONTROL_TOPIC)
        try:
            async for message in subscription:
                if message.get("type") == "cancel":
                    self.cancel_local(str(message.get("execution_id")))
        finally:
            await subscription.close()

    # --- recovery ---------------------------------------------------------------------------
    async def resume(self, session_rows: list[ExecutionRow]) -> list[str]:
        """Continue workflows this process has just claimed, from their last completed step."""
        resumed = []
        for row in session_rows:
            if row.definition is None:
                continue
            definition = WorkflowDefinition.model_validate(row.definition)
            states = {s.id: StepState(s.id, s.agent) for s in definition.steps}
            for saved in row.steps or []:
                state = states.get(saved.get("id"))
                if state is not None and saved.get("status") in ("completed", "skipped"):
                    for key, value in saved.items():
                        setattr(state, key, value)
            inputs = dict((row.input or {}).get("input_data", {}))
            await self.events.prime(row.id)
            run = RunContext(row.id, definition, inputs, row.owner, row.request_id, None, states)
            await self.events.emit(
                row.id,
                "execution_resumed",
                {
                    "instance": self.instance_id,
                    "completed_steps": [s.id for s in states.values() if s.status == "completed"],
                },
            )
            self._launch(run)
            resumed.append(row.id)
        return resumed


async def _stop(active: Mapping[asyncio.Task[StepState], str]) -> None:
    """Cancel a run's step tasks and wait for them: none outlives its run."""
    for task in active:
        task.cancel()
    await asyncio.gather(*active, return_exceptions=True)


def _end_unfinished(run: RunContext, status: str, error: str) -> None:
    """Give every step that had not ended `status` and why: the run is ending without them."""
    for state in run.states.values():
        if state.status not in TERMINAL_STEP:
            state.status, state.error = status, error
