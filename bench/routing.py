"""Routing quality and speed on an evaluation corpus (default: the held-out one).

    .venv/bin/python -m bench.routing                       # tests/routing_eval/heldout.yaml
    .venv/bin/python -m bench.routing --corpus tests/routing_eval/dev.yaml --misses

Prints accuracy (exact agent set, or one of the case's acceptable sets), per-agent confusion,
the refusal rate on cases that belong to no agent, target precision/recall/F1 on annotated cases,
and routing latency p50/p99. Routing only: no agent runs and nothing is probed.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from app.agents.entities import extract_entities
from app.container import build_registry, build_router
from app.orchestration.evidence import gather_evidence
from app.orchestration.router import SemanticRouter
from app.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "tests" / "routing_eval" / "heldout.yaml"
NONE = "(none)"


@dataclass
class Report:
    cases: int = 0
    correct: int = 0
    none_cases: int = 0
    none_refused: int = 0
    true_pos: int = 0
    false_pos: int = 0
    false_neg: int = 0
    confusion: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    latencies_ms: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.cases if self.cases else 0.0

    @property
    def refusal_rate(self) -> float:
        return self.none_refused / self.none_cases if self.none_cases else 1.0

    @property
    def precision(self) -> float:
        found = self.true_pos + self.false_pos
        return self.true_pos / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_pos + self.false_neg
        return self.true_pos / wanted if wanted else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def load_corpus(path: Path) -> list[dict[str, Any]]:
    cases = yaml.safe_load(path.read_text())
    if not isinstance(cases, list):
        raise SystemExit(f"{path}: expected a YAML list of cases")
    return cases


def target_items(task: str, context: dict[str, Any]) -> set[tuple[str, str]]:
    """What the service would probe for this request: hosts, ports and URLs from the request
    sentence (never from pasted material) and from the network keys of the context."""
    entities = extract_entities(gather_evidence(task, context).text.request)
    items = {("host", h) for h in entities.ips + entities.hostnames}
    items |= {("port", str(p)) for p in entities.ports}
    items |= {("url", u) for u in entities.urls}
    for key in ("hostname", "host"):
        if isinstance(context.get(key), str):
            items.add(("host", context[key].lower()))
    ports = context.get("ports") or ([context["port"]] if context.get("port") else [])
    items |= {("port", str(p)) for p in ports if isinstance(p, int)}
    if isinstance(context.get("url"), str):
        items.add(("url", context["url"]))
    return items


def expected_items(targets: dict[str, Any]) -> set[tuple[str, str]]:
    items = {("host", str(h).lower()) for h in targets.get("hosts") or []}
    items |= {("port", str(p)) for p in targets.get("ports") or []}
    items |= {("url", str(u)) for u in targets.get("urls") or []}
    return items


_FILLER = frozenset({"pls", "please", "plz", "thanks", "thx", "hey", "hi", "ok", "so", "the", "a"})


def _gist(text: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"[a-z0-9.:/-]+", text.lower()) if w not in _FILLER)


def near_copies(router: SemanticRouter, cases: list[dict[str, Any]]) -> set[str]:
    """Ids of cases whose words, fillers aside, equal an example's: independent authors write the
    same short phrases ("uptime and load"), and such a case measures memory, not understanding."""
    examples = {_gist(text) for text in router._current().index.texts}
    return {case["id"] for case in cases if _gist(case["text"]) in examples}


def evaluate(router: SemanticRouter, cases: list[dict[str, Any]]) -> Report:
    report = Report()
    for case in cases:
        text, context = case["text"], case.get("context") or {}
        started = time.perf_counter()
        decision = router.decide(text, context)
        report.latencies_ms.append((time.perf_counter() - started) * 1000)
        got = sorted(decision.agents)
        acceptable = [sorted(case["expect"])] + [sorted(a) for a in case.get("accept") or []]
        report.cases += 1
        hit = got in acceptable
        report.correct += hit
        expected_label = "+".join(sorted(case["expect"])) or NONE
        report.confusion[expected_label]["+".join(got) or NONE] += 1
        if not case["expect"]:
            report.none_cases += 1
            report.none_refused += not got
        if not hit:
            report.misses.append(f"{case['id']}: got {got or NONE}, want {acceptable}: {text[:100]!r}")
        if "targets" in case:
            found = {(k, v.lower() if k == "host" else v) for k, v in target_items(text, context)}
            want = expected_items(case["targets"])
            report.true_pos += len(found & want)
            report.false_pos += len(found - want)
            report.false_neg += len(want - found)
            if found != want:
                report.misses.append(f"{case['id']}: targets {sorted(found)} want {sorted(want)}")
    return report


def print_report(path: Path, report: Report, show_misses: bool) -> None:
    print(f"corpus: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} ({report.cases} cases)")
    print(f"routing accuracy:   {report.accuracy:.1%} ({report.correct}/{report.cases})")
    print(f"none refused:       {report.refusal_rate:.1%} ({report.none_refused}/{report.none_cases})")
    print(
        f"targets:            precision {report.precision:.3f}  recall {report.recall:.3f}  "
        f"F1 {report.f1:.3f}"
    )
    print(
        f"latency per task:   p50 {report.percentile(0.5):.3f} ms  p99 {report.percentile(0.99):.3f} ms  "
        f"mean {statistics.fmean(report.latencies_ms):.3f} ms"
    )
    print("confusion (expected -> routed: count):")
    for expected in sorted(report.confusion):
        row = ", ".join(f"{got} {n}" for got, n in report.confusion[expected].most_common())
        print(f"  {expected:55} -> {row}")
    if show_misses:
        print("misses:")
        for miss in report.misses:
            print("  " + miss)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=HELDOUT)
    parser.add_argument("--misses", action="store_true", help="list every miss (only on tuning data!)")
    args = parser.parse_args(argv)
    settings = Settings(_env_file=None)
    started = time.perf_counter()
    router = build_router(settings, build_registry(settings))
    router.warm_up()
    print(f"router ready in {(time.perf_counter() - started) * 1000:.0f} ms")
    cases = load_corpus(args.corpus.resolve())
    for case in cases[:20]:  # warm caches and branch predictors before timing
        router.decide(case["text"] + " ", case.get("context") or {})
    print_report(args.corpus.resolve(), evaluate(router, cases), args.misses)
    copies = near_copies(router, cases)
    if copies:
        fresh = evaluate(router, [case for case in cases if case["id"] not in copies])
        print(
            f"{len(copies)} case(s) nearly equal an example; without them: accuracy {fresh.accuracy:.1%}, "
            f"none refused {fresh.refusal_rate:.1%}, target F1 {fresh.f1:.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
