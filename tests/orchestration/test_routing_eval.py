"""The router on the held-out evaluation corpus: a floor that catches regressions.

The corpus (tests/routing_eval/heldout.yaml) was written apart from the cards' examples and is
never tuned on; `bench/routing.py` prints the full report and docs/ROUTING.md records it. The
floors are the targets the router was built to (accuracy and refusals 95%, target F1 0.95):
routing is deterministic, so a change that drops below them fails here.
"""

from __future__ import annotations

import pytest

from app.container import build_registry, build_router
from app.settings import Settings
from bench.routing import HELDOUT, evaluate, load_corpus

ACCURACY_FLOOR = 0.95
REFUSAL_FLOOR = 0.95
TARGET_F1_FLOOR = 0.95


@pytest.fixture(scope="module")
def router():  # type: ignore[no-untyped-def]
    settings = Settings(_env_file=None, agent_plugins_enabled=False)  # type: ignore[call-arg]
    return build_router(settings, build_registry(settings))


def test_heldout_corpus_is_big_and_varied_enough() -> None:
    cases = load_corpus(HELDOUT)
    assert len(cases) >= 300
    assert len({case["id"] for case in cases}) == len(cases)
    assert sum(1 for case in cases if not case["expect"]) >= 40
    assert sum(1 for case in cases if len(case["expect"]) > 1) >= 20
    assert sum(1 for case in cases if "pasted" in case.get("tags", [])) >= 30
    agents = {agent for case in cases for agent in case["expect"]}
    assert agents == {"network_diagnostics", "system_monitoring", "log_analysis", "infrastructure"}


def test_heldout_cases_are_not_copies_of_the_examples(router) -> None:  # type: ignore[no-untyped-def]
    examples = {" ".join(t.lower().split()) for t in router._current().index.texts}
    copies = [c["id"] for c in load_corpus(HELDOUT) if " ".join(c["text"].lower().split()) in examples]
    assert copies == []


def test_routing_on_the_heldout_corpus_keeps_its_floor(router) -> None:  # type: ignore[no-untyped-def]
    report = evaluate(router, load_corpus(HELDOUT))
    assert report.accuracy >= ACCURACY_FLOOR, report.misses[:20]
    assert report.refusal_rate >= REFUSAL_FLOOR
    assert report.f1 >= TARGET_F1_FLOOR
