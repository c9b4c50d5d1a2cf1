"""Response and request bodies of the foundation endpoints."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.agents.base import AgentResult, ProbeTarget
from app.orchestration.orchestrator import Orchestration, TaskRequest
from app.security.api_keys import Caller


class ErrorBody(BaseModel):
    code: str = Field(examples=["validation_error"])
    message: str
    details: Any = None
    request_id: str | None = None


class ErrorEnvelope(BaseModel):
    """The one shape of every 4xx and 5xx body."""

    error: ErrorBody


class HealthOut(BaseModel):
    status: Literal["healthy", "degraded", "unhealthy"]
    version: str
    checks: dict[str, dict[str, Any]]


class ProbeOut(BaseModel):
    status: Literal["ok", "unavailable"]
    detail: str | None = None


class RateLimitOut(BaseModel):
    limit: int
    remaining: int
    reset_after_seconds: int


class CallerOut(BaseModel):
    key_label: str | None = Field(description="Label of the API key used; null when auth is off.")
    admin: bool
    client_ip: str
    rate_limit: RateLimitOut


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries documenting the error envelope for each status."""
    return {status: {"model": ErrorEnvelope} for status in statuses}


_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class OrchestrateRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,  # "true" is not a boolean, "5" is not a number
        json_schema_extra={
            "examples": [
                {
                    "task": "Check connectivity to example.com on port 443",
                    "context": {"hostname": "example.com", "port": 443},
                }
            ]
        },
    )

    task: str = Field(min_length=1, max_length=8000, description="What to find out, in plain words.")
    context: dict[str, Any] = Field(default_factory=dict, description="Structured input for the agents.")
    agent_id: str | None = Field(
        default=None, pattern=r"^[a-z][a-z0-9_]{1,63}$", description="Run this agent, skip routing."
    )
    agents: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")]] | None = Field(
        default=None, min_length=1, max_length=16, description="Coordinate exactly these agents."
    )
    timeout_seconds: float | None = Field(default=None, gt=0, le=3600)
    dry_run: bool = Field(default=False, description="Route only: no agent runs.")

    def task_request(self, request_id: str | None, caller: Caller) -> TaskRequest:
        """The orchestrator's request, as this caller (the API's route and the MCP tools alike)."""
        return TaskRequest(
            task=self.task,
            context=self.context,
            agent_id=self.agent_id,
            agents=self.agents,
            timeout_seconds=self.timeout_seconds,
            dry_run=self.dry_run,
            request_id=request_id,
            key_label=caller.key_label,
            client_ip=caller.client_ip,
        )

    @field_validator("task")
    @classmethod
    def _no_control_characters(cls, value: str) -> str:
        if _CONTROL_CHARS.search(value):
            raise ValueError("control characters other than newline and tab are not allowed")
        if not value.strip():
            raise ValueError("the task is blank")
        return value


class RoutingOut(BaseModel):
    agents: list[str]
    strategy: str
    confidence: float
    reason: str
    scores: dict[str, float] = Field(default_factory=dict)


class NeedsInputOut(BaseModel):
    agent: str
    needs: list[str]
    question: str


class OrchestrateResponse(BaseModel):
    execution_id: str
    status: Literal["completed", "partial", "failed"]
    routing: RoutingOut
    results: list[AgentResult]
    summary: str
    duration_ms: float
    request_id: str | None
    warnings: list[str] = Field(default_factory=list)
    dry_run: bool = False
    targets: list[ProbeTarget] = Field(
        default_factory=list, description="What the agents would contact (dry runs)."
    )
    needs_input: NeedsInputOut | None = Field(
        default=None, description="Dry runs: what the chosen agent still needs, as a question."
    )

    @classmethod
    def from_run(cls, run: Orchestration, request_id: str | None) -> OrchestrateResponse:
        return cls(
            execution_id=run.execution_id,
            status=run.status,
            routing=RoutingOut(
                agents=run.routing.agents,
                strategy=run.routing.strategy,
                confidence=run.routing.confidence,
                reason=run.routing.reason,
                scores=run.routing.scores,
            ),
            results=run.results,
            summary=run.summary,
            duration_ms=run.duration_ms,
            request_id=request_id,
            warnings=run.warnings,
            dry_run=run.dry_run,
            targets=run.targets,
            needs_input=NeedsInputOut(**run.needs_input) if run.needs_input else None,
        )


class AgentInfo(BaseModel):
    id: str
    name: str
    description: str
    capabilities: list[str]
    status: Literal["available"]
    version: str
    examples: list[str] = Field(
        description="The first example requests (the router learns from all of them)."
    )
    example_count: int = Field(description="How many example requests the card carries.")
    input_schema: dict[str, Any]


class AgentList(BaseModel):
    agents: list[AgentInfo]
