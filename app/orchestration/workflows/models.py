"""Workflow definitions, validated before anything runs: ids, references, cycles, agents,
templates and size, each refused with a message that names the problem."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.errors import AppError
from app.orchestration.workflows.templates import TemplateProblem, analyse, strings_in

SUMMARY_STEP = "summary"  # a built-in step: combines its dependencies' findings


class WorkflowInvalid(AppError):
    code = "workflow_invalid"
    status = 422
    message = "The workflow definition is not valid."


class InputSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str = Field(default="string", pattern=r"^(string|integer|number|boolean|list|object)$")
    required: bool = True
    default: Any = None
    description: str = ""


class StepDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    agent: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    task: str = Field(default="", max_length=8000)
    input: dict[str, Any] = Field(default_factory=dict)
    depends_on: list[str] = Field(default_factory=list)
    when: str | None = Field(
        default=None, max_length=1000, description="Run only if this expression is true."
    )
    for_each: str | None = Field(default=None, max_length=1000, description="Run once per item of this list.")
    timeout_seconds: float = Field(default=60.0, gt=0, le=3600)
    retries: int = Field(default=0, ge=0, le=5)
    continue_on_failure: bool = False


class WorkflowDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    name: str = ""
    description: str = ""
    inputs: dict[str, InputSpec] = Field(default_factory=dict)
    steps: list[StepDefinition] = Field(min_length=1)

    @field_validator("steps")
    @classmethod
    def _unique_ids(cls, steps: list[StepDefinition]) -> list[StepDefinition]:
        seen: set[str] = set()
        for step in steps:
            if step.id in seen:
                raise ValueError(f"step id {step.id!r} is used twice")
            seen.add(step.id)
        return steps

    def step(self, step_id: str) -> StepDefinition:
        return next(step for step in self.steps if step.id == step_id)

    def order(self) -> list[str]:
        """Step ids in a dependency-respecting order; raises WorkflowInvalid on a cycle."""
        pending = {step.id: set(step.depends_on) for step in self.steps}
        ordered: list[str] = []
        while pending:
            ready = sorted(step_id for step_id, deps in pending.items() if not deps - set(ordered))
            if not ready:
                raise WorkflowInvalid(
                    f"workflow {self.id!r} has a dependency cycle among steps {sorted(pending)}",
                    details={"steps": sorted(pending)},
                )
            for step_id in ready:
                ordered.append(step_id)
                del pending[step_id]
        return ordered

    def ancestors(self, step_id: str) -> set[str]:
        found: set[str] = set()
        stack = list(self.step(step_id).depends_on)
        while stack:
            current = stack.pop()
            if current not in found:
                found.add(current)
                stack.extend(self.step(current).depends_on)
        return found

    def validate_against(self, agent_ids: set[str], max_steps: int) -> None:
        if len(self.steps) > max_steps:
            raise WorkflowInvalid(
                f"workflow {self.id!r} has {len(self.steps)} steps; at most {max_steps} are allowed"
            )
        ids = {step.id for step in self.steps}
        for step in self.steps:
            for dependency in step.depends_on:
                if dependency not in ids:
                    raise WorkflowInvalid(f"step {step.id!r} depends on unknown step {dependency!r}")
                if dependency == step.id:
                    raise WorkflowInvalid(f"step {step.id!r} depends on itself")
            if step.agent != SUMMARY_STEP and step.agent not in agent_ids:
                raise WorkflowInvalid(
                    f"step {step.id!r} uses unknown agent {step.agent!r}",
                    details={"known_agents": sorted(agent_ids | {SUMMARY_STEP})},
                )
        self.order()
        for step in self.steps:
            self._check_templates(step)

    def _check_templates(self, step: StepDefinition) -> None:
        allowed = self.ancestors(step.id)
        sources = [(s, False) for s in strings_in(step.input) + strings_in(step.task)]
        sources += [(e, True) for e in (step.when, step.for_each) if e]
        for source, expression in sources:
            try:
                names, used = analyse(source, expression=expression)
            except TemplateProblem as exc:
                raise WorkflowInvalid(f"step {step.id!r}: {exc}") from None
            missing = used - allowed
            if missing:
                raise WorkflowInvalid(
                    f"step {step.id!r} reads steps {sorted(missing)}, which are not among its dependencies"
                )
            if "item" in names and not step.for_each:
                raise WorkflowInvalid(f"step {step.id!r} uses `item` without for_each")
