"""Static checks of the golden case files (no service needed); bench/diagnosis.py runs them.

Checks that the case files load, ids are unique, seen.yaml names existing cases, every referenced file
exists and has 20..400 lines, manifests parse as YAML, fields have allowed values, no must_not
item occurs in the task text (an echoed task would fail the case for nothing), and, for log
cases that expect a problem, at least one any_of term occurs in the material (catches typos).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.database_free  # left out of the PostgreSQL pass: tests/conftest.py

HERE = Path(__file__).resolve().parent
AGENTS = {"log_analysis", "infrastructure", "network_diagnostics", "system_monitoring"}
MINIMUM = {"log_analysis": 14, "infrastructure": 10, "network_diagnostics": 7}
MAXIMUM = {"system_monitoring": 3}
SEVERITIES = {"info", "warning", "critical"}
KEYS = {
    "id",
    "agent",
    "task",
    "context_files",
    "context",
    "serve",
    "expect_top",
    "must_not",
    "why",
    "tags",
    "seen",
}
SERVE_KINDS = {"tls": {"cert": {"expired", "wrong_name", "unknown_ca", "valid"}}, "http": {}, "closed": {}}


def load(name: str) -> list[dict]:
    path = HERE / name
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text()) or []
    assert isinstance(data, list), f"{name}: top level must be a list"
    return data


def check(case: dict, where: str, errors: list[str]) -> None:
    cid = case.get("id", "?")
    err = lambda msg: errors.append(f"{where}:{cid}: {msg}")  # noqa: E731
    missing = {"id", "agent", "task", "expect_top", "why"} - case.keys()
    if missing:
        err(f"missing keys {sorted(missing)}")
    if unknown := case.keys() - KEYS:
        err(f"unknown keys {sorted(unknown)}")
    if case.get("agent") not in AGENTS:
        err(f"unknown agent {case.get('agent')!r}")
    task = case.get("task", "")
    if not (isinstance(task, str) and 1 <= len(task) <= 8000):
        err("task must be 1..8000 characters")
    top = case.get("expect_top") or {}
    sev = top.get("severity") or []
    if not sev or not set(sev) <= SEVERITIES:
        err(f"bad expect_top.severity {sev!r}")
    if not top.get("any_of"):
        err("expect_top.any_of is empty")
    if top.get("where", "top") not in ("top", "top_or_summary"):
        err(f"bad expect_top.where {top.get('where')!r}")
    for item in case.get("must_not") or []:
        if item.lower() in task.lower():
            err(f"must_not item {item!r} occurs in the task text")
    material = ""
    for key, rel in (case.get("context_files") or {}).items():
        path = HERE / rel
        if not path.is_file():
            err(f"context_files.{key}: {rel} does not exist")
            continue
        text = path.read_text()
        material += text
        lines = len(text.splitlines())
        if not 20 <= lines <= 400:
            err(f"{rel} has {lines} lines (want 20..400)")
        if rel.startswith("manifests"):
            try:
                list(yaml.safe_load_all(text))
            except yaml.YAMLError as exc:
                err(f"{rel} is not valid YAML: {exc}")
    if case.get("agent") == "log_analysis" and "healthy" not in (case.get("tags") or []):
        if material and not any(t.lower() in material.lower() for t in top.get("any_of") or []):
            err("no any_of term occurs in the material")
    serve = case.get("serve")
    context = case.get("context") or {}
    if case.get("agent") == "network_diagnostics":
        if not isinstance(serve, dict) or serve.get("kind") not in SERVE_KINDS:
            err(f"network case needs serve.kind in {sorted(SERVE_KINDS)}")
        else:
            for field, allowed in SERVE_KINDS[serve["kind"]].items():
                if serve.get(field) not in allowed:
                    err(f"serve.{field} must be one of {sorted(allowed)}")
            if serve["kind"] == "http" and not isinstance(serve.get("status"), int):
                err("serve kind http needs an integer status")
        if "$PORT" not in yaml.safe_dump(context):
            err("network case context should use $PORT")
        host = context.get("hostname") or context.get("url", "")
        if not any(h in str(host) for h in ("127.0.0.1", "localhost")):
            err("network case must target 127.0.0.1 or localhost")
    elif serve is not None:
        err("serve is only for network cases")


# Every batch: cases.yaml, cases2.yaml, ... in the order they were written.
CASE_FILES = tuple(sorted((p.name for p in HERE.glob("cases*.yaml")), key=lambda n: (len(n), n)))


def test_golden_cases_are_well_formed() -> None:
    cases = [case for name in CASE_FILES for case in load(name)]
    seen = yaml.safe_load((HERE / "seen.yaml").read_text()) or [] if (HERE / "seen.yaml").exists() else []
    errors: list[str] = []
    for case in cases:
        check(case, "cases", errors)
    ids = Counter(c.get("id") for c in cases)
    errors += [f"duplicate id {i!r}" for i, n in ids.items() if n > 1]
    errors += [f"seen.yaml names no case {i!r}" for i in seen if i not in ids]
    counts = Counter(c.get("agent") for c in cases)
    for agent, n in MINIMUM.items():
        if counts[agent] < n:
            errors.append(f"{agent}: {counts[agent]} cases, want at least {n}")
    referenced = {rel for c in cases for rel in (c.get("context_files") or {}).values()}
    folders = [d for d in HERE.iterdir() if d.is_dir() and d.name.startswith(("logs", "manifests"))]
    on_disk = {str(p.relative_to(HERE)) for d in folders for p in d.iterdir()}
    errors += [f"{orphan} is referenced by no case" for orphan in sorted(on_disk - referenced)]
    assert errors == []
    assert len(cases) >= 30
