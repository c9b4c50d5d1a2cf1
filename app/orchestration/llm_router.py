"""An LLM classifier for routing, consulted only when the deterministic router is unsure.

The model's answer is untrusted: only registered agent ids are kept, confidence is clamped,
proposed targets are kept only when the person's own sentence names them and the target policy
allows them, and any failure or nonsense falls back to the deterministic decision.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import structlog

from app.agents.registry import AgentRegistry
from app.agents.request_text import RequestText, read_request
from app.errors import InvalidTarget, TargetNotAllowed
from app.llm.base import AllProvidersFailed, Message
from app.llm.manager import LLMManager
from app.llm.prompts import data_block, load_prompt
from app.orchestration.router import RoutingDecision, TaskRouter
from app.security.target_policy import TargetPolicy

log = structlog.get_logger("app.router")
_JSON_OBJECT = re.compile(r"\{.*\}", re.S)
MAX_PROPOSED_PORTS = 16
MAX_URL_CHARS = 2048  # the network agent's `url` limit
# Caller context keys that already name what to probe; the classifier proposes nothing for them.
_HOST_KEYS = ("hostname", "host", "url")
_PORT_KEYS = ("port", "ports")


class LLMClassifierRouter:
    def __init__(
        self, manager: LLMManager, registry: AgentRegistry, policy: TargetPolicy, deadline: float = 8.0
    ) -> None:
        self.manager = manager
        self.registry = registry
        self.policy = policy
        self.deadline = deadline

    async def route(self, task: str, context: Mapping[str, Any]) -> RoutingDecision:
        text = read_request(task)
        agents = [
            {"id": a.card.id, "description": a.card.description, "capabilities": list(a.card.capabilities)}
            for a in self.registry.list()
        ]
        # The pasted material stays out of the prompt: a note of its kind and size is enough to
        # route, and keeps both the prompt and the injection surface small.
        data = {
            "agents": agents,
            "request": text.request,
            "pasted": _pasted_note(text),
            "context_keys": sorted(context),
        }
        messages = [Message("system", load_prompt("router")), Message("user", data_block(data))]
        answer = await self.manager.generate(messages, max_tokens=300, deadline=self.deadline)
        return self._parse(answer, text, context)

    def _parse(self, reply: str, text: RequestText, context: Mapping[str, Any]) -> RoutingDecision:
        match = _JSON_OBJECT.search(reply)
        if match is None:
            raise ValueError("the classifier did not answer with JSON")
        answer = json.loads(match.group(0))
        if not isinstance(answer, dict):
            raise ValueError("the classifier's JSON is not an object")
        proposed = answer.get("agents")
        if not isinstance(proposed, list):
            proposed = []
        picked = list(dict.fromkeys(a for a in proposed if isinstance(a, str) and a in self.registry))
        confidence = answer.get("confidence", 0.0)
        valid = isinstance(confidence, int | float) and not isinstance(confidence, bool)
        confidence = min(1.0, max(0.0, float(confidence))) if valid else 0.0
        reason = " ".join(str(answer.get("reason", "")).split())[:300]
        targets = answer.get("targets")
        return RoutingDecision(
            agents=picked,
            strategy="parallel" if len(picked) > 1 else "single",
            confidence=round(confidence, 3),
            reason=f"LLM classifier ({self.manager.primary.name}): {reason}",
            context={} if targets is None else vet_targets(targets, text, self.policy, context),
        )


def _pasted_note(text: RequestText) -> dict[str, Any] | None:
    lines = sum(1 for line in text.material.splitlines() if line.strip())
    if not lines:
        return None
    return {"kinds": sorted(text.kinds) or ["text"], "lines": lines}


def vet_targets(
    proposal: object, text: RequestText, policy: TargetPolicy, context: Mapping[str, Any]
) -> dict[str, Any]:
    """The classifier's proposed targets that the person's sentence names and the policy allows,
    under the network agent's input names; every other part is dropped with a warning. Never
    raises: the answer is untrusted, and a bad part must not cost the agents it picked."""
    if not isinstance(proposal, dict):
        _dropped("targets", "not_an_object")
        return {}
    vetted: dict[str, Any] = {}
    names_host = any(context.get(key) not in (None, "") for key in _HOST_KEYS)
    names_ports = any(context.get(key) not in (None, "", []) for key in _PORT_KEYS)
    host, url = proposal.get("host"), proposal.get("url")
    if host not in (None, "") and not names_host:
        hostname = _vet_host(host, text, policy, "host")
        if hostname is not None:
            vetted["hostname"] = hostname
    ports = proposal.get("ports")
    if ports not in (None, []) and not names_ports:
        kept = _vet_ports(ports, text.request)
        if kept:
            vetted["ports"] = kept
    if url not in (None, "") and not names_host:
        checked = _vet_url(url, text, policy)
        if checked is not None:
            vetted["url"] = checked
    return vetted


def _vet_host(value: object, text: RequestText, policy: TargetPolicy, part: str) -> str | None:
    if not isinstance(value, str):
        _dropped(part, "wrong_type")
        return None
    try:
        host, _ = policy.check_host(value)
    except TargetNotAllowed as exc:
        details = exc.details if isinstance(exc.details, dict) else {}
        _dropped(part, str(details.get("reason", "not_allowed")))
        return None
    except (InvalidTarget, ValueError):
        _dropped(part, "invalid")
        return None
    spellings = {value.strip().strip("[]").rstrip(".").lower(), host}
    if any(_names(spelling, text.request) for spelling in spellings):
        return host
    if any(_names(spelling, text.material) for spelling in spellings):
        _dropped(part, "only_in_pasted_material")
        return None
    _dropped(part, "not_in_request")
    return None


def _vet_ports(value: object, request: str) -> list[int]:
    if not isinstance(value, list):
        _dropped("ports", "wrong_type")
        return []
    kept: list[int] = []
    for port in value:
        if isinstance(port, bool) or not isinstance(port, int):
            _dropped("ports", "wrong_type")
        elif not 1 <= port <= 65535:
            _dropped("ports", "out_of_range")
        elif not re.search(rf"(?<![\w.]){port}(?!\w|\.\d)", request):
            _dropped("ports", "not_in_request")
        elif port not in kept:
            kept.append(port)
    if len(kept) > MAX_PROPOSED_PORTS:
        _dropped("ports", "too_many")
        kept = kept[:MAX_PROPOSED_PORTS]
    return kept


def _vet_url(value: object, text: RequestText, policy: TargetPolicy) -> str | None:
    if not isinstance(value, str):
        _dropped("url", "wrong_type")
        return None
    url = value.strip()
    if len(url) > MAX_URL_CHARS or any(char.isspace() or not char.isprintable() for char in url):
        _dropped("url", "invalid")
        return None
    try:
        parts = urlsplit(url)
        usable_port = parts.port != 0  # `.port` raises ValueError when out of range or not a number
    except ValueError:
        usable_port = False
    if not usable_port:
        _dropped("url", "invalid")
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        _dropped("url", "not_http")
        return None
    if parts.username is not None or parts.password is not None:
        _dropped("url", "credentials")
        return None
    if _vet_host(parts.hostname, text, policy, "url") is None:
        return None
    return parts.scheme.lower() + url[len(parts.scheme) :]  # the agent's input wants `http(s)://`


def _names(spelling: str, text: str) -> bool:
    """Whether `text` holds `spelling` as a whole host token (not part of a longer name)."""
    if not spelling:
        return False
    return re.search(rf"(?<![\w.-]){re.escape(spelling)}(?![\w-]|\.\w)", text, re.IGNORECASE) is not None


def _dropped(part: str, reason: str) -> None:
    # The proposed value stays out of the log: it may come from pasted, secret-bearing material.
    log.warning("llm_target_dropped", part=part, reason=reason)


class AssistedRouter:
    """The deterministic router first; below `threshold` confidence, ask the classifier and keep
    its answer (with the targets it proposed) only when it picks agents with higher confidence."""

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
