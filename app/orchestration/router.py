"""Routing: which agents should take a task, how sure we are, and why.

`KeywordRouter` is deterministic: it scores each agent from its card's vocabulary and from the
entities found in the task and context. An LLM classifier can sit in front of it behind the same
`TaskRouter` protocol and fall back to it on failure.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import structlog

from app.agents.base import AgentCard
from app.agents.entities import Entities, extract_entities
from app.agents.registry import AgentRegistry

Strategy = Literal["explicit", "coordinate", "single", "parallel", "none"]
# Context keys that name an entity kind, so a caller's structured context routes like text does.
_CONTEXT_ENTITIES: Mapping[str, str] = {
    "hostname": "hostname",
    "host": "hostname",
    "url": "url",
    "port": "port",
    "ports": "port",
    "logs": "log_lines",
    "log_file": "path",
    "path": "path",
    "config": "yaml",
    "inventory": "inventory",
    "duration": "sampling",
    "interval": "sampling",
}
log = structlog.get_logger("app.router")
# Agents scoring at least this share of the best score run alongside it.
PARALLEL_SHARE = 0.6


@dataclass(frozen=True)
class RoutingDecision:
    agents: list[str]
    strategy: Strategy
    confidence: float
    reason: str
    scores: dict[str, float] = field(default_factory=dict)


class TaskRouter(Protocol):
    async def route(self, task: str, context: Mapping[str, Any]) -> RoutingDecision: ...


@dataclass(frozen=True)
class _Vocabulary:
    pattern: re.Pattern[str] | None
    weights: Mapping[str, float]
    entity_weights: Mapping[str, float]

    @classmethod
    def of(cls, card: AgentCard) -> _Vocabulary:
        words = sorted(card.keywords, key=len, reverse=True)
        pattern = None
        if words:
            alternation = "|".join(re.escape(w.lower()).replace(r"\ ", r"\s+") for w in words)
            pattern = re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])")
        weights = {re.sub(r"\s+", " ", k.lower()): v for k, v in card.keywords.items()}
        return cls(pattern, weights, card.entity_weights)


class KeywordRouter:
    def __init__(self, registry: AgentRegistry, min_confidence: float = 0.5) -> None:
        self.registry = registry
        self.min_confidence = min_confidence
        self._cache: dict[str, tuple[AgentCard, _Vocabulary]] = {}

    def _vocabulary(self, card: AgentCard) -> _Vocabulary:
        cached = self._cache.get(card.id)
        if cached is None or cached[0] is not card:
            cached = (card, _Vocabulary.of(card))
            self._cache[card.id] = cached
        return cached[1]

    async def route(self, task: str, context: Mapping[str, Any]) -> RoutingDecision:
        text = task.lower()
        entities = extract_entities(task)
        from_context = {
            kind for key, kind in _CONTEXT_ENTITIES.items() if context.get(key) not in (None, "", [])
        }
        kinds = entities.kinds() | from_context
        scored: list[tuple[float, str, list[str], list[str]]] = []
        unmet: dict[str, tuple[float, tuple[str, ...]]] = {}
        for agent in self.registry.list():
            vocabulary = self._vocabulary(agent.card)
            words = (
                sorted({re.sub(r"\s+", " ", m) for m in vocabulary.pattern.findall(text)})
                if vocabulary.pattern
                else []
            )
            word_score = sum(vocabulary.weights.get(w, 0.0) for w in words)
            matched_kinds = sorted(k for k in kinds if k in vocabulary.entity_weights)
            # Entities in free text alone are weak evidence (a host name in a poem is not a
            # network task); entities the caller put in structured context are strong.
            text_factor = 1.0 if word_score else 0.5
            entity_score = sum(
                vocabulary.entity_weights[k] * (1.0 if k in from_context else text_factor)
                for k in matched_kinds
            )
            score = word_score + entity_score
            required = agent.card.requires_any
            if score > 0 and required and not kinds.intersection(required):
                unmet[agent.card.id] = (score, required)
            elif score > 0:
                scored.append((score, agent.card.id, words, matched_kinds))
        scored.sort(key=lambda item: (-item[0], item[1]))
        scores = {agent_id: round(_confidence(score), 3) for score, agent_id, _, _ in scored}
        if not scored or _confidence(scored[0][0]) < self.min_confidence:
            best = f" (best: {scored[0][1]} at {_confidence(scored[0][0]):.2f})" if scored else ""
            missing = [
                f"{agent_id} would fit but needs a {' or '.join(r.replace('_', ' ') for r in required)}"
                for agent_id, (score, required) in unmet.items()
                if _confidence(score) >= self.min_confidence
            ]
            reason = f"No agent recognised this task well enough{best}."
            if missing:
                reason = "; ".join(missing) + " in the task or context."
            return RoutingDecision(
                agents=[],
                strategy="none",
                confidence=round(_confidence(scored[0][0]), 3) if scored else 0.0,
                reason=reason,
                scores=scores,
            )
        top = scored[0][0]
        chosen = [
            item
            for item in scored
            if item[0] >= top * PARALLEL_SHARE and _confidence(item[0]) >= self.min_confidence
        ]
        reason = "; ".join(
            _explain(agent_id, words, kinds_, entities) for _, agent_id, words, kinds_ in chosen
        )
        return RoutingDecision(
            agents=[agent_id for _, agent_id, _, _ in chosen],
            strategy="parallel" if len(chosen) > 1 else "single",
            confidence=round(_confidence(top), 3),
            reason=reason,
            scores=scores,
        )


def _confidence(score: float) -> float:
    """Maps an open-ended score to 0..1: one strong keyword is 0.5, two are about 0.7."""
    return score / (score + 1.0)


def _explain(agent_id: str, words: list[str], kinds: list[str], entities: Entities) -> str:
    parts = []
    if words:
        parts.append("task mentions " + ", ".join(f"'{w}'" for w in words[:6]))
    shown = []
    for kind in kinds:
        if kind == "hostname" and entities.hostnames:
            shown.append(f"host {entities.hostnames[0]}")
        elif kind == "ip" and entities.ips:
            shown.append(f"IP {entities.ips[0]}")
        elif kind == "url" and entities.urls:
            shown.append(f"URL {entities.urls[0][:80]}")
        elif kind == "port" and entities.ports:
            shown.append("port " + ", ".join(str(p) for p in entities.ports[:5]))
        else:
            shown.append(kind.replace("_", " "))
    if shown:
        parts.append("found " + ", ".join(shown))
    return f"{agent_id}: " + ("; ".join(parts) if parts else "matched its card")


class FallbackRouter:
    """Asks `primary` (an LLM classifier, say) first and uses `fallback` (the deterministic
    router) when the primary fails, takes longer than `timeout`, or picks nothing."""

    def __init__(self, primary: TaskRouter, fallback: TaskRouter, timeout: float = 5.0) -> None:
        self.primary = primary
        self.fallback = fallback
        self.timeout = timeout

    async def route(self, task: str, context: Mapping[str, Any]) -> RoutingDecision:
        try:
            decision = await asyncio.wait_for(self.primary.route(task, context), self.timeout)
        except Exception as exc:  # any classifier failure falls back; it is never fatal
            log.warning("router_fallback", error=type(exc).__name__, detail=str(exc)[:200])
            return await self.fallback.route(task, context)
        if decision.agents:
            return decision
        return await self.fallback.route(task, context)
