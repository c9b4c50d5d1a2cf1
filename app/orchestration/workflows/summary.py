"""The built-in `summary` step: combines the findings of the steps it depends on."""

from __future__ import annotations

from app.agents.base import AgentCard, AgentResult, Finding
from app.orchestration.workflows.models import SUMMARY_STEP, StepDefinition
from app.orchestration.workflows.state import StepState

SUMMARY_CARD = AgentCard(
    id=SUMMARY_STEP,
    name="Summary",
    description="Combines the findings of a workflow's steps.",
    capabilities=("summary",),
    version="1",
    input_model=StepDefinition,
)


def summarise(sources: list[StepState]) -> AgentResult:
    findings = [Finding.model_validate(f) for s in sources for f in s.findings]
    problems = sorted((f for f in findings if f.severity != "info"), key=lambda f: f.severity != "critical")
    ran = [s.id for s in sources if s.status == "completed"]
    skipped = [s.id for s in sources if s.status == "skipped"]
    failed = [s.id for s in sources if s.status == "failed"]
    parts = [f"{len(problems)} problem(s) across {', '.join(ran) or 'no completed step'}."]
    parts += [f.message for f in problems[:5]]
    if failed:
        parts.append(f"Failed steps: {', '.join(failed)}.")
    if skipped:
        parts.append(f"Skipped: {', '.join(skipped)}.")
    return AgentResult(
        agent_id=SUMMARY_STEP,
        status="completed",
        summary=" ".join(parts),
        findings=findings,
        output={"steps": {s.id: s.status for s in sources}},
    )
