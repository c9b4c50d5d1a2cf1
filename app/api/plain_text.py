"""Plain-text reports of a run for chat front ends, terminals and MCP clients."""

from __future__ import annotations

from typing import Any

from app.orchestration.orchestrator import Orchestration
from app.storage.executions import ExecutionRecord

_MARK = {"critical": "[CRITICAL]", "warning": "[WARNING]", "info": "[ok]"}


def format_run(run: Orchestration) -> str:
    lines = [run.summary, ""]
    for result in run.results:
        lines.append(f"{result.agent_id} ({result.status}, {result.duration_ms:.0f} ms)")
        for finding in result.findings[:12]:
            lines.append(f"- {_MARK.get(finding.severity, '-')} {finding.message}")
        lines.append("")
    lines.append(f"Execution {run.execution_id}; routing: {run.routing.reason}")
    return "\n".join(lines).strip()


def format_record(record: ExecutionRecord) -> str:
    """A stored run (orchestration or workflow) as text: what it was, how it ended, what it found."""
    what = record.task or record.workflow_id or record.kind
    lines = [f"{record.kind} {record.execution_id}: {record.status}. {what}"]
    if record.summary:
        lines.append(record.summary)
    if record.error:
        lines.append(f"Error: {record.error.get('message', record.error)}")
    for step in record.steps:
        said = f": {step['summary']}" if step.get("summary") else ""
        lines.append(f"- step {step.get('id')} ({step.get('agent')}) {step.get('status')}{said}")
    for result in record.results:
        lines.append(f"{result.get('agent_id')} ({result.get('status')})")
        for finding in (result.get("findings") or [])[:12]:
            lines.append(f"- {_MARK.get(finding.get('severity'), '-')} {finding.get('message')}")
    return "\n".join(lines)


def format_agent(result: dict[str, Any]) -> str:
    worst = next((f for f in result.get("findings", []) if f.get("severity") == "critical"), None)
    tail = f": {worst['message']}" if worst else ""
    return f"{result['agent_id']} finished ({result['status']}){tail}\n"
