"""`GET /api/v1/workflows[/{id}]` and `POST /api/v1/workflows`: shipped or inline definitions,
run in the foreground (`wait: true`, 200 with the record) or background (`wait: false`, 202)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.api import API_PREFIX
from app.api.deps import CallerDep, ContainerDep, GuardedRoute
from app.api.schemas import error_responses
from app.errors import NotFound
from app.orchestration.workflows.loader import parse_definition
from app.orchestration.workflows.models import WorkflowDefinition
from app.storage.executions import ExecutionRecord

router = APIRouter(prefix=f"{API_PREFIX}/workflows", tags=["workflows"], route_class=GuardedRoute)


class WorkflowSummary(BaseModel):
    id: str
    name: str
    description: str
    inputs: dict[str, Any]
    steps: list[dict[str, Any]]


class WorkflowList(BaseModel):
    workflows: list[WorkflowSummary]


class RunWorkflow(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {"workflow_id": "network_diagnostics_workflow", "input_data": {"target": "example.com"}}
            ]
        },
    )

    workflow_id: str | None = Field(default=None, max_length=64)
    definition: dict[str, Any] | None = Field(
        default=None, description="An inline definition instead of an id."
    )
    input_data: dict[str, Any] = Field(default_factory=dict)
    wait: bool = True

    @model_validator(mode="after")
    def _one_source(self) -> RunWorkflow:
        if (self.workflow_id is None) == (self.definition is None):
            raise ValueError("give exactly one of workflow_id and definition")
        return self


class WorkflowAccepted(BaseModel):
    execution_id: str
    status: str
    events: str


def _summary(definition: WorkflowDefinition) -> WorkflowSummary:
    return WorkflowSummary(
        id=definition.id,
        name=definition.name,
        description=definition.description.strip(),
        inputs={name: spec.model_dump() for name, spec in definition.inputs.items()},
        steps=[{"id": s.id, "agent": s.agent, "depends_on": s.depends_on} for s in definition.steps],
    )


@router.get("", response_model=WorkflowList)
async def list_workflows(container: ContainerDep) -> WorkflowList:
    return WorkflowList(workflows=[_summary(d) for d in container.workflows.definitions.values()])


@router.get("/{workflow_id}", response_model=WorkflowDefinition, responses=error_responses(404))
async def get_workflow(workflow_id: str, container: ContainerDep) -> WorkflowDefinition:
    definition = container.workflows.definitions.get(workflow_id)
    if definition is None:
        raise NotFound(f"No workflow {workflow_id[:64]!r}.")
    return definition


@router.post(
    "",
    response_model=ExecutionRecord | WorkflowAccepted,
    responses={
        202: {"model": WorkflowAccepted, "description": "Started in the background."},
        **error_responses(404),
    },
)
async def run_workflow(
    body: RunWorkflow, request: Request, response: Response, caller: CallerDep, container: ContainerDep
) -> ExecutionRecord | WorkflowAccepted:
    if body.definition is not None:
        definition = parse_definition(body.definition)
    else:
        definition = container.workflows.definition(body.workflow_id or "")
    execution_id = await container.workflows.start(
        definition,
        body.input_data,
        owner=caller.key_label,
        request_id=getattr(request.state, "request_id", None),
        client_ip=caller.client_ip,
    )
    if not body.wait:
        response.status_code = 202
        return WorkflowAccepted(
            execution_id=execution_id,
            status="running",
            events=f"{API_PREFIX}/executions/{execution_id}/events",
        )
    await container.workflows.wait(execution_id)
    record = await container.executions.get(execution_id)
    assert record is not None  # noqa: S101 - it was just written
    return record
