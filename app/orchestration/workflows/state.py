"""The state of a workflow run and its steps, and the checks on its input data."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from app.agents.base import AgentResult
from app.errors import AppError
from app.orchestration.orchestrator import overall_status
from app.orchestration.workflows.models import WorkflowDefinition

TERMINAL_STEP = ("completed", "failed", "skipped", "cancelled")


class WorkflowInputInvalid(AppError):
    code = "validation_error"
    status = 422
    message = "The workflow's input_data is not valid."


@dataclass
class StepState:
    id: str
    agent: str
    status: str = "pending"
    attempts: int = 0
    started_at: str | None = None
    finished_at: str | None = None
    summary: str | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)
    output: Any = None
    error: str | None = None
    duration_ms: float | None = None

    def public(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def template_view(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "output": self.output,
            "summary": self.summary,
            "findings": self.findings,
        }


@dataclass
class RunContext:
    execution_id: str
    definition: WorkflowDefinition
    inputs: dict[str, Any]
    owner: str | None
    request_id: str | None
    client_ip: str | None
    states: dict[str, StepState]
    started: float = field(default_factory=time.perf_counter)


def check_inputs(definition: WorkflowDefinition, data: dict[str, Any]) -> dict[str, Any]:
    types: dict[str, tuple[type, ...]] = {
        "string": (str,),
        "integer": (int,),
        "number": (int, float),
        "boolean": (bool,),
        "list": (list,),
        "object": (dict,),
    }
    unknown = sorted(set(data) - set(definition.inputs))
    if unknown:
        raise WorkflowInputInvalid(
            f"input_data has unknown fields {unknown}; {definition.id} takes {sorted(definition.inputs)}"
        )
    values: dict[str, Any] = {}
    for name, spec in definition.inputs.items():
        if name not in data:
            if spec.required and spec.default is None:
                raise WorkflowInputInvalid(f"input_data.{name} is required by {definition.id}")
            values[name] = spec.default
            continue
        value = data[name]
        ok = isinstance(value, types[spec.type]) and not (
            spec.type in ("integer", "number") and isinstance(value, bool)
        )
        if not ok:
            raise WorkflowInputInvalid(f"input_data.{name} must be of type {spec.type}")
        values[name] = value
    return values


def workflow_status(states: Iterable[StepState]) -> str:
    relevant = [s for s in states if s.status != "skipped" or s.error]
    results = [
        AgentResult(
            agent_id=s.id,
            status="completed" if s.status in ("completed", "skipped") else "failed",
            summary="",
        )
        for s in relevant
    ]
    return overall_status(results) if results else "completed"
