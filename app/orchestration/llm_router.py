"""An LLM classifier for routing, consulted only when the deterministic router is unsure.

The model's answer is untrusted: only registered agent ids are kept, confidence is clamped, and
any failure or nonsense falls back to the deterministic decision.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import structlog

from app.agents.registry import AgentRegistry
from app.llm.base import AllProvidersFailed, Message
from app.llm.manager import LLMManager
from app.llm.prompts import data_block, load_prompt
from app.orchestration.router import RoutingDecision, TaskRouter

log = structlog.get_logger("app.router")
_JSON_OBJECT = re.compile(r"\{.*\}", re.S)


class LLMClassifierRouter:
    def __init__(self, manager: LLMManager, registry: AgentRegistry, deadline: float = 8.0) -> None:
        self.manager = manager
        self.registry = registry
        self.deadline = deadline

    async def route(self, task: str, context: Mapping[str, Any]) -> RoutingDecision:
        agents = [
            {"id": a.card.id, "description": a.card.description, "capabilities": list(a.card.capabilities)}
            for a in self.registry.list()
        ]
        messages = [
            Message("system", load_prompt("router")),
            Message("user", data_block({"agents": agents, "request": task, "context_keys": sorted(context)})),
        ]
        text = await self.manager.generate(messages, max_tokens=200, deadline=self.deadline)
        return self._parse(text)

    def _parse(self, text: str) -> RoutingDecision:
        match = _JSON_OBJECT.search(text)
        if match is None:
            raise ValueError("the classifier did not answer with JSON")
        answer = json.loads(match.group(0))
        if not isinstance(answer, dict):
            raise ValueError("the classifier's JSON is not an object")
        picked = [a for a in answer.get("agents", []) if isinstance(a, str) and a in self.registry]
        confidence = answer.get("confidence", 0.0)
        confidence = min(1.0, max(0.0, float(confidence))) if isinstance(confidence, int | float) else 0.0
        reason = " ".join(str(answer.get("reason", "")).split())[:300]
        return RoutingDecision(
            agents=list(dict.fromkeys(picked)),
            strategy="parallel" if len(picked) > 1 else "single",
            confidence=round(confidence, 3),
            reason=f"LLM classifier ({self.manager.primary.name}): {reason}",
        )


class AssistedRouter:
    """The deterministic router first; below `threshold` confidence, ask the classifier and keep
    its answer only when it picks agents with higher confidence."""

    def __init__(self, deterministic: TaskRouter, classifier: TaskRouter, threshold: float = 0.7) -> None:
        self.deterministic = deterministic
        self.classifier = classifier
        self.threshold = threshold

    async def route(self, task: str, context: Mapping[str, Any]) -> RoutingDecision:
        decision = await self.deterministic.route(task, context)
        if decision.confidence >= self.threshold:
            return decision
        try:
            assisted = await self.classifier.route(task, context)
        except (AllProvidersFailed, ValueError, TypeError) as exc:
            log.info("llm_router_fallback", error=type(exc).__name__)
            return decision
        if assisted.agents and assisted.confidence > decision.confidence:
            return assisted
        return decision
