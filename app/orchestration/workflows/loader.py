"""Shipped workflow definitions (YAML under app/orchestration/definitions) and inline ones."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import structlog
import yaml
from pydantic import ValidationError

from app.orchestration.workflows.models import WorkflowDefinition, WorkflowInvalid

log = structlog.get_logger("app.workflows")
MAX_DEFINITION_BYTES = 256 * 1024


def parse_definition(data: Any) -> WorkflowDefinition:
    """Validate a definition's shape; raises WorkflowInvalid naming the offending fields."""
    try:
        return WorkflowDefinition.model_validate(data)
    except ValidationError as exc:
        problems = [
            {"loc": [str(p) for p in error["loc"]], "msg": error["msg"], "type": error["type"]}
            for error in exc.errors()
        ]
        where = "; ".join(f"{'.'.join(p['loc'])}: {p['msg']}" for p in problems[:5])
        raise WorkflowInvalid(f"the workflow definition is not valid: {where}", details=problems) from None


def load_yaml(text: str) -> WorkflowDefinition:
    if len(text.encode()) > MAX_DEFINITION_BYTES:
        raise WorkflowInvalid(f"a definition is at most {MAX_DEFINITION_BYTES} bytes")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise WorkflowInvalid(f"the definition is not valid YAML: {exc}") from None
    return parse_definition(data)


def shipped_definitions(agent_ids: set[str], max_steps: int) -> dict[str, WorkflowDefinition]:
    """Every shipped definition whose agents are registered; others are logged and left out."""
    found: dict[str, WorkflowDefinition] = {}
    folder = files("app.orchestration").joinpath("definitions")
    for resource in sorted(folder.iterdir(), key=lambda r: r.name):
        if not resource.name.endswith((".yaml", ".yml")):
            continue
        definition = load_yaml(resource.read_text(encoding="utf-8"))
        try:
            definition.validate_against(agent_ids, max_steps)
        except WorkflowInvalid as exc:
            log.warning("workflow_unavailable", workflow=definition.id, reason=exc.message)
            continue
        found[definition.id] = definition
    return found
