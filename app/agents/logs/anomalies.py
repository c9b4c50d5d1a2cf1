"""Numbers that stop making sense: a job whose every run reported gigabytes (or thousands of rows)
and whose latest runs report a few bytes (or none) is failing quietly, even when it says "ok".
An engineer reading a backup or export log checks the sizes; so does this."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

from app.agents.base import Finding, Severity
from app.agents.logs.parsing import LogEntry

_UNITS = {
    "b": 1, "byte": 1, "bytes": 1, "k": 1e3, "kb": 1e3, "kib": 1024, "m": 1e6, "mb": 1e6, "mib": 1024**2,
    "g": 1e9, "gb": 1e9, "gib": 1024**3, "t": 1e12, "tb": 1e12, "tib": 1024**4,
}  # fmt: skip
_SIZE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?(bytes?|[KMGT]i?B|[KMGT]|B)\b")
_COUNT = re.compile(
    r"(?<![\w.])(\d+)\s(rows?|records?|files?|objects?|items?|documents?|messages?|keys?|tables?|entries)\b",
    re.I,
)
MIN_RUNS = 4  # a usual value needs history
SHRINK = 100  # the latest value is a hundredth of the usual one or less
MIN_USUAL_BYTES = 1e5  # a drop from a few kilobytes is not worth a page
HISTORY = 500  # the most recent values of a kind of line weighed: enough history, bounded work


# Any word with a digit in it, and the unit after it: lines that differ only there are one kind.
# (A word, not a whole token: "tasks.refresh_views[5a3b-...]" keeps the task's name.)
_NUMBERS = re.compile(r"[\w-]*\d[\w.:-]*(?:\s(?:bytes?|[KMGT]i?B|[KMGT]|B)\b)?")


def _size(text: str) -> float | None:
    match = _SIZE.search(text)
    if not match:
        return None
    unit = match[2].lower()
    return float(match[1]) * _UNITS[unit if unit in _UNITS else unit.rstrip("s")]


def _count(text: str) -> tuple[float, str] | None:
    match = _COUNT.search(text)
    return (float(match[1]), match[2].lower()) if match else None


MIN_RUN_GAP_SECONDS = 300


def shrinking_output(entries: list[LogEntry]) -> list[Finding]:
    """One warning per kind of message (the same words, any numbers) whose latest values fell
    to a hundredth of its usual one."""
    groups: dict[str, list[LogEntry]] = {}
    for entry in entries:
        if entry.status is None:  # access lines' sizes are responses, not a job's output
            groups.setdefault(_NUMBERS.sub("#", entry.message), []).append(entry)
    findings = []
    for group in groups.values():
        if len(group) >= MIN_RUNS:
            finding = _shrunk(group, "size") or _shrunk(group, "count")
            if finding:
                findings.append(finding)
    return findings


def _shrunk(entries: list[LogEntry], kind: str) -> Finding | None:
    values: list[tuple[float, LogEntry]] = []
    noun = "bytes"
    for entry in entries:
        if kind == "size":
            size = _size(entry.message)
            if size is not None:
                values.append((size, entry))
        elif counted := _count(entry.message):
            values.append((counted[0], entry))
            noun = counted[1]
    values = values[-HISTORY:]
    if len(values) < MIN_RUNS:
        return None
    # A job writes its report once a run; lines seconds apart are one run's detail (a size per file).
    stamps = [e.timestamp for _, e in values if e.timestamp]
    gaps = [(b - a).total_seconds() for a, b in zip(stamps, stamps[1:], strict=False)]
    if gaps and statistics.median(gaps) < MIN_RUN_GAP_SECONDS:
        return None
    # The longest trailing run of tiny values against the usual value before it (2 at least).
    tail, usual = 0, 0.0
    for size in range(1, len(values) - 1):
        before = statistics.median(v for v, _ in values[:-size])
        if all(v * SHRINK <= before for v, _ in values[-size:]):
            tail, usual = size, before
    if tail == 0 or (kind == "size" and usual < MIN_USUAL_BYTES) or usual <= 0:
        return None
    latest, first_small = values[-1], values[-tail][1]
    when = f" since {first_small.timestamp.isoformat()}" if first_small.timestamp else ""
    shown = _bytes(latest[0]) if kind == "size" else f"{latest[0]:g} {noun}"
    usual_shown = _bytes(usual) if kind == "size" else f"{usual:g} {noun}"
    what = "suspiciously small" if kind == "size" else "far fewer than usual"
    return Finding(
        severity=Severity.WARNING,
        code="output_shrank",
        message=(
            f'The last {tail} of {len(values)} lines like "{latest[1].message[:160]}" report {shown}{when}, '
            f"against a usual {usual_shown}: {what}, so that job is likely failing quietly (an empty dump "
            "or export still reports success)."
        ),
    )


def _bytes(value: float) -> str:
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if value >= size:
            return f"{value / size:.1f} {unit}"
    return f"{value:g} B"


# Durations a line reports: "took 12ms", "in 3.2 s", "duration=450ms", JSON "durationMillis": 10234.
_DURATION_FIELD = re.compile(
    r'"?(?:durationMillis|duration_ms|latency_ms|elapsed_ms|took_ms|response_time_ms|request_time_ms)"?\s*[:=]\s*'
    r"(\d+(?:\.\d+)?)"
)
_DURATION_TEXT = re.compile(
    r"\b(?:took|in|after|duration[=:]|latency[=:]|elapsed[=:]|time[=:])\s?(\d+(?:\.\d+)?)\s?(ms|s|sec|seconds)\b",
    re.IGNORECASE,
)
# Redis's save rule, "1 changes in 3600 seconds. Saving...": a count over a window, not how long
# something took ("Completed 200 OK in 350ms" and "processed 500 rows in 3 s" are durations).
_COUNTED = re.compile(r"\b\d+ changes $")
SLOWER = 10  # the later median is ten times the earlier one or more
MIN_SLOW_MS = 500  # and half a second at least: 2 ms -> 20 ms pages nobody


def _milliseconds(entry: LogEntry) -> float | None:
    if match := _DURATION_FIELD.search(entry.text):
        return float(match[1])
    if (match := _DURATION_TEXT.search(entry.message)) and not _COUNTED.search(
        entry.message, 0, match.start()
    ):
        return float(match[1]) * (1 if match[2].lower() == "ms" else 1000)
    return None


@dataclass(frozen=True)
class Slowdown:
    since: LogEntry
    before_ms: float
    after_ms: float
    count: int

    def finding(self) -> Finding:
        when = f" since {self.since.timestamp.isoformat()}" if self.since.timestamp else ""
        return Finding(
            severity=Severity.WARNING,
            code="slowdown",
            message=(
                f'Lines like "{self.since.message[:160]}" take a median {_duration(self.after_ms)}{when} '
                f"({self.count} lines), against {_duration(self.before_ms)} before: "
                f"{self.after_ms / max(self.before_ms, 0.001):.0f}x slower."
            ),
        )


def slowdowns(entries: list[LogEntry]) -> list[Slowdown]:
    """Kinds of line whose reported duration jumped tenfold or more and stayed there, and when."""
    groups: dict[str, list[tuple[float, LogEntry]]] = {}
    for entry in entries:
        if (ms := _milliseconds(entry)) is not None:
            groups.setdefault(_NUMBERS.sub("#", entry.message), []).append((ms, entry))
    found = []
    for group in groups.values():
        values = group[-HISTORY:]
        for split in range(3, len(values) - 2):
            before = statistics.median(v for v, _ in values[:split])
            after = statistics.median(v for v, _ in values[split:])
            if after >= MIN_SLOW_MS and after >= SLOWER * before and values[split][0] >= SLOWER * before:
                found.append(Slowdown(values[split][1], before, after, len(values) - split))
                break
    return sorted(found, key=lambda s: s.since.line_no)


def _duration(ms: float) -> str:
    return f"{ms / 1000:.1f} s" if ms >= 1000 else f"{ms:.0f} ms"
