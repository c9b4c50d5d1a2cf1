"""What every agent is: a card that describes it, an input model, and `execute` that does real work."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from app.security.target_policy import TargetPolicy


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}


class Finding(BaseModel):
    """One thing an agent found, in words an on-call engineer can act on."""

    model_config = ConfigDict(frozen=True)

    severity: Severity
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    message: str


AgentStatus = Literal["completed", "failed", "timed_out"]


class LLMNote(BaseModel):
    """Which model interpreted a result, or why none did."""

    provider: str | None = None
    model: str | None = None
    used: bool = False
    detail: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0


class AgentResult(BaseModel):
    agent_id: str
    status: AgentStatus
    summary: str
    findings: list[Finding] = Field(default_factory=list)
    output: dict[str, Any] = Field(default_factory=dict)
    duration_ms: float = 0.0
    error: str | None = None
    summary_source: Literal["rules", "llm"] = "rules"
    llm: LLMNote | None = None
    rule_summary: str | None = None  # the agent's own summary when an LLM replaced it


class InputNeed(BaseModel):
    """What an agent cannot run without, and how to ask a person for it."""

    model_config = ConfigDict(frozen=True)

    needs: tuple[str, ...]  # in words a caller can act on: "target", "logs"
    question: str  # "Which host should I check?"

    def details(self, agent_id: str) -> dict[str, Any]:
        """The `details` of a 422 missing_input and the `needs_input` of a dry run."""
        return {"agent": agent_id, "needs": list(self.needs), "question": self.question}


class ProbeTarget(BaseModel):
    """What an agent would contact for a task: shown by dry runs before anything runs."""

    agent: str
    host: str | None = None
    ports: list[int] = Field(default_factory=list)
    url: str | None = None


class AgentCard(BaseModel):
    """Describes an agent to callers (`GET /agents`) and to the router (vocabulary and entities)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")
    name: str
    description: str
    capabilities: tuple[str, ...]
    version: str
    input_model: type[BaseModel] = Field(exclude=True)
    examples: tuple[str, ...] = ()
    # Routing vocabulary: words or phrases of a task that point at this agent, with weights.
    keywords: Mapping[str, float] = Field(default_factory=dict, exclude=True)
    # Entities found in a task (ip, hostname, url, port, path in the request sentence; log_lines,
    # yaml, material pasted with it; inventory, sampling from context) that point here.
    entity_weights: Mapping[str, float] = Field(default_factory=dict, exclude=True)
    # The agent runs only when the task or context holds one of these entities; otherwise the
    # caller is asked `asks.question` (422 missing_input, or `needs_input` on a dry run).
    requires_any: tuple[str, ...] = Field(default=(), exclude=True)
    asks: InputNeed | None = Field(default=None, exclude=True)

    def input_schema(self) -> dict[str, Any]:
        return self.input_model.model_json_schema()


class Interpreter(Protocol):
    """The optional LLM hook: turns a rule-based result into an explanation (filled in by the
    LLM provider layer). Returning None leaves the rule-based summary in place."""

    async def interpret(
        self, card: AgentCard, task: str, result: AgentResult, key_label: str | None = None
    ) -> AgentResult | None: ...


@dataclass
class AgentContext:
    """Everything an agent may use besides the task: validated input and request-scoped services."""

    input: BaseModel
    target_policy: TargetPolicy
    request_id: str | None = None
    key_label: str | None = None
    deadline: float | None = None  # time.monotonic() value after which work is pointless

    def remaining(self, default: float) -> float:
        if self.deadline is None:
            return default
        return max(0.0, min(default, self.deadline - time.monotonic()))


@runtime_checkable
class Agent(Protocol):
    card: AgentCard

    async def execute(self, task: str, context: AgentContext) -> AgentResult: ...
