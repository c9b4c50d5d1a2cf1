"""A chat history read statelessly into one task: follow-ups complete earlier requests.

No session is kept on the server; the history the client sends is the whole state. Three cases:
- the user answers the assistant's clarifying question ("Which host should I check?" ->
  "it's api.example.com"): the answer completes the request that raised the question;
- a request that lacks what its agent needs ("now port 22 too") takes it from the nearest
  earlier user turn that carried it (a host, pasted logs, YAML);
- a bare target or paste with no request of its own goes with the nearest earlier request.
Anything that stands on its own starts fresh.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from app.errors import AppError
from app.orchestration.evidence import gather_evidence
from app.orchestration.orchestrator import Orchestration, Orchestrator, TaskRequest

# How far back a follow-up looks for the request or the input it completes.
LOOKBACK_TURNS = 6
_TARGET_KINDS = frozenset({"hostname", "ip", "url"})
_LOG_KINDS = frozenset({"log_lines", "material", "path"})
_CONFIG_KINDS = frozenset({"yaml", "inventory"})


@dataclass(frozen=True)
class Turn:
    role: Literal["user", "assistant"]
    text: str
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ResolvedTask:
    task: str
    context: dict[str, Any]
    follow_up: bool = False  # built from more than the last user turn


class ConversationReader:
    def __init__(self, orchestrator: Orchestrator, questions: Iterable[str]) -> None:
        self.orchestrator = orchestrator
        self.questions = tuple(q for q in questions if q)

    async def resolve(self, turns: list[Turn], agent_id: str | None = None) -> ResolvedTask:
        users = [i for i, turn in enumerate(turns) if turn.role == "user"]
        last_index = users[-1]
        last = turns[last_index]
        earlier = [turns[i] for i in reversed(users[:-1])][:LOOKBACK_TURNS]
        alone = ResolvedTask(last.text, dict(last.context))
        if earlier and self._asked(turns[last_index - 1] if last_index else None):
            combined = _join(earlier[0], last)
            if await self._plan(combined, agent_id) is not None:
                return combined
        plan = await self._plan(alone, agent_id)
        if plan is not None and plan.needs_input is None:
            return alone
        if plan is not None and plan.needs_input is not None:
            filled = _carried_input(self._required(plan.needs_input), earlier)
            return ResolvedTask(last.text, {**filled, **last.context}, bool(filled))
        evidence = gather_evidence(last.text, last.context)
        if evidence.kinds:  # a bare target or paste: it belongs to the nearest earlier request
            for turn in earlier:
                if await self._plan(ResolvedTask(turn.text, dict(turn.context)), agent_id) is not None:
                    combined = _join(turn, last)
                    if await self._plan(combined, agent_id) is not None:
                        return combined
                    break
        return alone

    def _required(self, needs_input: Mapping[str, Any]) -> set[str]:
        """The entity kinds that would satisfy the agent that asked."""
        agent_id = needs_input.get("agent")
        if isinstance(agent_id, str) and agent_id in self.orchestrator.registry:
            return set(self.orchestrator.registry.get(agent_id).card.requires_any)
        return set()

    def _asked(self, turn: Turn | None) -> bool:
        return turn is not None and turn.role == "assistant" and any(q in turn.text for q in self.questions)

    async def _plan(self, task: ResolvedTask, agent_id: str | None) -> Orchestration | None:
        """A dry run: which agents would take it and what they would still need; None when no
        agent takes it or its input is invalid."""
        try:
            return await self.orchestrator.run(
                TaskRequest(task=task.task[:8000], context=task.context, agent_id=agent_id, dry_run=True)
            )
        except AppError as exc:
            if exc.status >= 500:
                raise
            return None


def _join(first: Turn, then: Turn) -> ResolvedTask:
    return ResolvedTask(f"{first.text}\n{then.text}", {**first.context, **then.context}, True)


def _carried_input(required: set[str], earlier: list[Turn]) -> dict[str, Any]:
    """The context an agent lacks, taken from the nearest earlier user turn that carried it."""
    for turn in earlier:
        evidence = gather_evidence(turn.text, turn.context)
        entities, material = evidence.entities, evidence.text.material
        if required & _TARGET_KINDS:
            if entities.urls:
                return {"url": entities.urls[0]}
            if entities.hosts:
                return {"hostname": entities.hosts[0]}
            for key in ("hostname", "host", "url"):
                if turn.context.get(key):
                    return {key: turn.context[key]}
        if required & _LOG_KINDS:
            if material.strip():
                return {"logs": material}
            if entities.log_paths:
                return {"log_file": entities.log_paths[0]}
            for key in ("logs", "log_file"):
                if turn.context.get(key):
                    return {key: turn.context[key]}
        if required & _CONFIG_KINDS:
            if evidence.text.yaml:
                return {"config": material}
            for key in ("config", "inventory"):
                if turn.context.get(key):
                    return {key: turn.context[key]}
    return {}
