"""Routing: which agents should take a task, how sure we are, and why.

`SemanticRouter` works offline and by default. Each clause of the request sentence is compared
with every agent's example requests (and with requests that belong to no agent) through a small
sentence-embedding model; the card's keywords and the entities the task carries (pasted logs or
YAML, hosts, context keys) are a second signal and make the human-readable reason. A third-party
agent is routed by its own card's examples. An LLM classifier can sit in front of it behind the
same `TaskRouter` protocol (`llm_router.AssistedRouter`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal, Protocol

from app.agents.base import AgentCard
from app.agents.registry import AgentRegistry
from app.orchestration.evidence import Evidence, gather_evidence
from app.orchestration.out_of_scope import CHANGE_REQUEST, HOW_TO, NO_AGENT, OUT_OF_SCOPE_EXAMPLES
from app.orchestration.semantic import ExampleIndex, LabelMatch, SentenceEncoder
from app.orchestration.typos import TypoFixer

Strategy = Literal["explicit", "coordinate", "single", "parallel", "none"]

# Weights of the second signals against cosine similarity, grid-searched on the tuning corpora
# (tests/routing_eval/dev*.yaml); the held-out corpus is never used for this.
KEYWORD_WEIGHT = 0.1
EVIDENCE_WEIGHT = 0.12
# A piece of a longer request ("..., and is this box out of disk") needs this much more.
SUBCLAUSE_MARGIN = 0.05
# Between two close agents, the one that can run beats the one that would have to ask first.
UNMET_PENALTY = 0.04
# A clause must come this close to an agent's examples to pick it on its own.
CLAUSE_FLOOR = 0.3
# Entities from these sources count fully; other kinds found in the request sentence count
# SENTENCE_SHARE of their weight.
_STRONG_KINDS = frozenset({"log_lines", "yaml", "material", "inventory", "sampling", "exporter"})
SENTENCE_SHARE = 0.5
_CLAUSE_SPLIT = re.compile(
    r"(?:[;\n]|(?<=[?!.])\s+|\s+[—–-]\s+|(?:^|\s)\d[.)]\s+|,?\s+or\s+(?=(?:is|are|does|do|can|was)\s)"
    r"|,?\s+(?:and\s+(?:also|then)|and|also|plus|then|as well as|\+|&)\s+)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class RoutingDecision:
    agents: list[str]
    strategy: Strategy
    confidence: float
    reason: str
    scores: dict[str, float] = field(default_factory=dict)
    # Context the router proposes (an LLM classifier's validated targets: hostname, ports, url);
    # the caller's own context wins over it.
    context: dict[str, Any] = field(default_factory=dict)


class TaskRouter(Protocol):
    async def route(self, task: str, context: Mapping[str, Any]) -> RoutingDecision: ...


@dataclass(frozen=True)
class _Vocabulary:
    pattern: re.Pattern[str] | None
    weights: Mapping[str, float]

    @classmethod
    def of(cls, card: AgentCard) -> _Vocabulary:
        words = sorted(card.keywords, key=len, reverse=True)
        pattern = None
        if words:
            alternation = "|".join(re.escape(w.lower()).replace(r"\ ", r"\s+") for w in words)
            pattern = re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])")
        weights = {re.sub(r"\s+", " ", k.lower()): v for k, v in card.keywords.items()}
        return cls(pattern, weights)

    def words(self, text: str) -> list[str]:
        if self.pattern is None:
            return []
        return sorted({re.sub(r"\s+", " ", m) for m in self.pattern.findall(text)})

    def score(self, words: list[str]) -> float:
        total = sum(self.weights.get(w, 0.0) for w in words)
        return total / (total + 1.0)


@dataclass
class _Model:
    cards: tuple[AgentCard, ...]
    index: ExampleIndex
    vocabularies: dict[str, _Vocabulary]
    typos: TypoFixer


@dataclass
class _Clause:
    text: str
    scores: dict[str, float]
    nearest: dict[str, LabelMatch]
    words: dict[str, list[str]]
    outright: bool = False  # a change request or a how-to question: no agent, whatever else

    def winner(self, boost: Mapping[str, float]) -> tuple[str, float]:
        """The clause's best label once the task's evidence is added to each agent's score."""
        boosted = {label: score + boost.get(label, 0.0) for label, score in self.scores.items()}
        label = max(boosted, key=lambda name: boosted[name])
        return label, boosted[label]


class SemanticRouter:
    def __init__(
        self,
        registry: AgentRegistry,
        encoder: SentenceEncoder,
        *,
        min_confidence: float = 0.5,
        out_of_scope: Sequence[str] = OUT_OF_SCOPE_EXAMPLES,
    ) -> None:
        self.registry = registry
        self.encoder = encoder
        self.min_confidence = min_confidence
        self.out_of_scope = tuple(out_of_scope)
        self._model: _Model | None = None

    def warm_up(self) -> None:
        """Embed the examples now (start-up) rather than on the first request."""
        self._current()

    def _current(self) -> _Model:
        cards = tuple(agent.card for agent in self.registry.list())
        model = self._model
        if (
            model is None
            or len(model.cards) != len(cards)
            or any(a is not b for a, b in zip(model.cards, cards, strict=True))
        ):
            examples = (*((card.id, tuple(_examples(card))) for card in cards), (NO_AGENT, self.out_of_scope))
            model = _Model(
                cards,
                _index(self.encoder, examples),
                {card.id: _Vocabulary.of(card) for card in cards},
                _typos(examples, tuple(k for card in cards for k in card.keywords)),
            )
            self._model = model
        return model

    async def route(self, task: str, context: Mapping[str, Any]) -> RoutingDecision:
        return self.decide(task, context)

    def decide(self, task: str, context: Mapping[str, Any]) -> RoutingDecision:
        model = self._current()
        evidence = gather_evidence(task, context)
        request = evidence.text.request
        # A how-to question or a change request is one request, however many "and"s it holds.
        single = CHANGE_REQUEST.match(request.strip()) or HOW_TO.match(request.strip())
        pieces = [request] if single else split_clauses(request)
        pasted = "material" in evidence.from_text or bool(evidence.from_context)
        # "Is it ok to commit this?" over a pasted Secret asks about the paste: not a how-to.
        clauses = [self._clause(model, text, how_to_refuses=not pasted) for text in pieces]
        boost = {
            card.id: EVIDENCE_WEIGHT * _evidence_score(card, evidence)
            - (0.0 if evidence.satisfies(card.requires_any) else UNMET_PENALTY)
            for card in model.cards
        }
        totals = {card.id: boost[card.id] for card in model.cards}
        for clause in clauses:
            for agent_id in totals:
                totals[agent_id] = max(totals[agent_id], clause.scores.get(agent_id, 0.0) + boost[agent_id])
        none_score = max((c.scores[NO_AGENT] for c in clauses), default=0.0)
        satisfied = {card.id for card in model.cards if evidence.satisfies(card.requires_any)}
        chosen = self._choose(clauses, totals, boost, none_score, satisfied if pasted else None)
        scores = {agent_id: round(_confidence(score), 3) for agent_id, score in totals.items()}
        if not chosen:
            best = max(totals, key=lambda a: totals[a], default=None)
            shown = f" (closest: {best} at {scores[best]:.2f})" if best else ""
            return RoutingDecision(
                agents=[],
                strategy="none",
                confidence=round(1.0 - _confidence(max(totals.values(), default=0.0)), 3),
                reason=f"No agent takes this kind of request{shown}.",
                scores=scores,
            )
        chosen.sort(key=lambda agent_id: -totals[agent_id])
        return RoutingDecision(
            agents=chosen,
            strategy="parallel" if len(chosen) > 1 else "single",
            confidence=round(_confidence(totals[chosen[0]]), 3),
            reason="; ".join(_explain(agent_id, clauses, evidence) for agent_id in chosen),
            scores=scores,
        )

    def _clause(self, model: _Model, text: str, how_to_refuses: bool = True) -> _Clause:
        lowered = model.typos.fix(text)
        nearest = model.index.scores(lowered)
        words = {card.id: model.vocabularies[card.id].words(lowered) for card in model.cards}
        scores = {
            card.id: nearest[card.id].score
            + KEYWORD_WEIGHT * model.vocabularies[card.id].score(words[card.id])
            for card in model.cards
        }
        scores[NO_AGENT] = nearest[NO_AGENT].score
        outright = bool(CHANGE_REQUEST.match(text.strip()) or (how_to_refuses and HOW_TO.match(text.strip())))
        if outright:
            scores[NO_AGENT] = max(scores.values()) + 1.0  # decisive, whatever the evidence adds
        return _Clause(text, scores, nearest, words, outright)

    def _choose(
        self,
        clauses: list[_Clause],
        totals: dict[str, float],
        boost: dict[str, float],
        none_score: float,
        material_for: set[str] | None,
    ) -> list[str]:
        """`material_for`: when something was pasted or given as context, the agents it satisfies;
        vague words alone then do not refuse the task, only a change or how-to request does."""
        # Pasted material or structured context speaks for itself even when the words are vague.
        strong = {agent_id for agent_id, value in boost.items() if value >= EVIDENCE_WEIGHT}
        winners = [clause.winner(boost) for clause in clauses]
        picked: set[str] = set()
        for position, (label, score) in enumerate(winners, start=1):
            # The last clause is the whole request; a piece of it must be clearer to add an agent.
            floor = CLAUSE_FLOOR + (SUBCLAUSE_MARGIN if position < len(winners) else 0.0)
            if label != NO_AGENT and score >= floor:
                picked.add(label)
        refused = bool(winners) and all(label == NO_AGENT for label, _ in winners)
        if refused and material_for and not any(clause.outright for clause in clauses):
            refused = False
            candidates = {a: v for a, v in totals.items() if a in material_for}
            picked.add(max(candidates, key=lambda a: candidates[a]))
        if not refused:
            picked |= strong
        if not picked and not refused and totals:
            best = max(totals, key=lambda a: totals[a])
            if totals[best] > none_score and _confidence(totals[best]) >= self.min_confidence:
                picked.add(best)
        return sorted(picked)


@lru_cache(maxsize=16)
def _index(encoder: SentenceEncoder, examples: tuple[tuple[str, tuple[str, ...]], ...]) -> ExampleIndex:
    """Embedded once per set of examples: every app built in one process shares it."""
    return ExampleIndex(encoder, dict(examples))


@lru_cache(maxsize=16)
def _typos(examples: tuple[tuple[str, tuple[str, ...]], ...], keywords: tuple[str, ...]) -> TypoFixer:
    return TypoFixer([*(text for _, texts in examples for text in texts), *keywords])


def _examples(card: AgentCard) -> Sequence[str]:
    """A card without examples is routed by its name, description and keywords."""
    return card.examples or (card.name, card.description, *card.keywords)


def split_clauses(request: str) -> list[str]:
    """The request sentence in the pieces a person joins with "and", ";", a dash or a new
    sentence; a one-word fragment stays with the clause before it ("cpu and memory")."""
    pieces = [p.strip(" ,.-") for p in _CLAUSE_SPLIT.split(request) if p and p.strip(" ,.-")]
    clauses: list[str] = []
    for piece in pieces:
        if clauses and len(piece.split()) <= 1:
            clauses[-1] = f"{clauses[-1]} {piece}"
        else:
            clauses.append(piece)
    if len(clauses) > 1:
        clauses.append(request)  # the whole sentence too, so context across clauses counts
    return clauses


def _evidence_score(card: AgentCard, evidence: Evidence) -> float:
    total = 0.0
    for kind, weight in card.entity_weights.items():
        if kind in evidence.from_context or (kind in _STRONG_KINDS and kind in evidence.from_text):
            total += weight
        elif kind in evidence.from_text:
            total += weight * SENTENCE_SHARE
    return total


def _confidence(score: float) -> float:
    """Maps a combined score (cosine similarity plus weighted evidence) to 0..1."""
    return max(0.0, min(1.0, score / (score + 0.25))) if score > 0 else 0.0


def _explain(agent_id: str, clauses: list[_Clause], evidence: Evidence) -> str:
    parts = []
    best = max(clauses, key=lambda c: c.scores.get(agent_id, -1.0), default=None)
    if best is not None and agent_id in best.nearest:
        parts.append(f"closest to the example '{best.nearest[agent_id].example}'")
        if best.words.get(agent_id):
            parts.append("mentions " + ", ".join(f"'{w}'" for w in best.words[agent_id][:5]))
    found = _found(evidence)
    if found:
        parts.append("found " + ", ".join(found))
    return f"{agent_id}: " + ("; ".join(parts) if parts else "matched its card")


def _found(evidence: Evidence) -> list[str]:
    entities, shown = evidence.entities, []
    if entities.urls:
        shown.append(f"URL {entities.urls[0][:80]}")
    if entities.ips or entities.hostnames:
        shown.append(f"host {(entities.ips + entities.hostnames)[0]}")
    if entities.ports:
        shown.append("port " + ", ".join(str(p) for p in entities.ports[:5]))
    if entities.paths:
        shown.append(f"path {entities.paths[0][:120]}")
    if evidence.text.log_lines:
        shown.append(f"{evidence.text.log_lines} pasted log line(s)")
    if evidence.text.yaml:
        shown.append("pasted YAML")
    shown += [f"context {kind.replace('_', ' ')}" for kind in sorted(evidence.from_context)]
    return shown
