"""The log analysis agent: levels, message templates with counts (drain3), stack traces, error
spikes, and the most likely root cause with its evidence lines."""

from __future__ import annotations

import datetime as dt
import os
import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drain3 import TemplateMiner
from drain3.masking import MaskingInstruction
from drain3.template_miner_config import TemplateMinerConfig
from pydantic import BaseModel, ConfigDict, Field

from app import __version__, blocking
from app.agents.base import SEVERITY_RANK, AgentCard, AgentContext, AgentResult, Finding, InputNeed, Severity
from app.agents.entities import extract_entities
from app.agents.logs import causes
from app.agents.logs.anomalies import Slowdown, shrinking_output, slowdowns
from app.agents.logs.changes import change_before, described, is_change
from app.agents.logs.examples import EXAMPLES
from app.agents.logs.hints import meaning
from app.agents.logs.parsing import LogEntry, parse_lines
from app.agents.logs.security import auth_findings
from app.agents.request_text import read_request
from app.errors import AppError, MissingInput
from app.observability.timing import ms_since

MAX_TEMPLATES = 20
EVIDENCE_LINES = 3


class LogPathRefused(AppError):
    code = "log_path_refused"
    status = 403
    message = "The log file is outside the configured log roots."


class LogAnalysisInput(BaseModel):
    model_config = ConfigDict(extra="allow")

    logs: str | None = Field(default=None, description="Log text to analyse (inline).")
    log_file: str | None = Field(default=None, max_length=4096, description="A file under LOG_ROOTS.")
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    max_lines: int = Field(default=50_000, ge=1, le=500_000)


@dataclass(frozen=True)
class LogLimits:
    roots: tuple[str, ...] = ("/var/log",)
    max_bytes: int = 5 * 1024 * 1024


CARD = AgentCard(
    id="log_analysis",
    name="Log analysis",
    description=(
        "Reads logs given inline or from a file under the configured log roots; finds levels, "
        "errors and stack traces across ISO, syslog, nginx/Apache, JSON-lines, Python and Java "
        "formats; groups messages into templates with counts and first/last seen; flags error "
        "spikes; names the most likely root cause with evidence lines."
    ),
    capabilities=("log_parsing", "error_templates", "stack_traces", "error_spikes", "root_cause"),
    version=__version__,
    input_model=LogAnalysisInput,
    examples=EXAMPLES,
    keywords={
        "log": 1.0,
        "logs": 1.2,
        "logfile": 1.2,
        "error log": 1.2,
        "stack trace": 1.5,
        "traceback": 1.5,
        "exception": 1.0,
        "errors": 0.8,
        "root cause": 1.2,
        "spike": 1.0,
        "spikes": 1.0,
        "analyse": 0.4,
        "analyze": 0.4,
        "journal": 0.8,
        "syslog": 1.2,
        "crash": 0.6,
        "panic": 0.6,
        "warnings": 0.5,
    },
    entity_weights={"log_lines": 1.5, "path": 1.0, "material": 0.3},
    requires_any=("log_lines", "path", "material"),
    asks=InputNeed(
        needs=("logs",),
        question="Which logs should I look at? Paste the lines, or name a log file.",
    ),
)


# Analysed on the event loop up to this size (about 1 ms at most); larger inputs in a thread.
INLINE_LINES = 40
INLINE_BYTES = 8192


class LogAnalysisAgent:
    card = CARD

    def __init__(self, limits: LogLimits | None = None) -> None:
        self.limits = limits or LogLimits()

    async def execute(self, task: str, context: AgentContext) -> AgentResult:
        started = time.perf_counter()
        spec = context.input
        assert isinstance(spec, LogAnalysisInput)  # noqa: S101 - the registry validates
        text, source = await self._text(spec, task)
        lines = text.splitlines()[-spec.max_lines :]
        if len(lines) <= INLINE_LINES and len(text) <= INLINE_BYTES:  # a thread hop would cost more
            report = analyse(lines, spec.since, spec.until)
        else:  # CPU-bound: parsing and template mining stay off the event loop
            report = await blocking.run("parsing", analyse, lines, spec.since, spec.until)
        report["source"] = source
        findings = report.pop("findings")
        return AgentResult(
            agent_id=CARD.id,
            status="completed",
            summary=_summary(report, findings),
            findings=findings,
            output=report,
            duration_ms=ms_since(started),
        )

    async def _text(self, spec: LogAnalysisInput, task: str) -> tuple[str, str]:
        if spec.logs is not None:
            data = spec.logs.encode()[-self.limits.max_bytes :].decode("utf-8", "replace")
            return data, "inline"
        if spec.log_file:
            path = self._checked_path(spec.log_file)
            return await blocking.run("files", _tail, path, self.limits.max_bytes), str(path)
        text = read_request(task)
        if text.material.strip():  # logs pasted into the task itself
            return text.material, "task"
        paths = extract_entities(text.request).log_paths  # "analyse /var/log/nginx/error.log"
        if paths:
            path = self._checked_path(paths[0])
            return await blocking.run("files", _tail, path, self.limits.max_bytes), str(path)
        raise LogAnalysisInputMissing(details=CARD.asks.details(CARD.id) if CARD.asks else None)

    def _checked_path(self, requested: str) -> Path:
        """The real path must be a regular file inside a configured root: `..` and symlinks
        that lead out are refused."""
        roots = [Path(os.path.realpath(root)) for root in self.limits.roots]
        candidate = Path(requested)
        if not candidate.is_absolute():
            candidate = roots[0] / candidate if roots else candidate
        real = Path(os.path.realpath(candidate))
        if not any(real == root or root in real.parents for root in roots):
            raise LogPathRefused(
                f"{requested[:200]!r} is outside the log roots ({', '.join(map(str, roots))}).",
                details={"roots": [str(r) for r in roots]},
            )
        if not real.is_file():
            raise LogPathRefused(f"{requested[:200]!r} is not a readable file under the log roots.")
        return real


class LogAnalysisInputMissing(MissingInput):
    message = "Give the logs as context.logs, a file as context.log_file, or paste them below the task."


def _tail(path: Path, max_bytes: int) -> str:
    with path.open("rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        handle.seek(max(0, size - max_bytes))
        return handle.read().decode("utf-8", "replace")


def _miner() -> TemplateMiner:
    config = TemplateMinerConfig()
    config.profiling_enabled = False
    config.drain_sim_th = 0.55  # two-word lines that differ in one word stay apart
    config.masking_instructions = [
        MaskingInstruction(r"\b[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}\b", "UUID"),
        MaskingInstruction(r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b", "IP"),
        MaskingInstruction(r"\b0x[0-9a-fA-F]+\b", "HEX"),
        MaskingInstruction(r"(?<![A-Za-z])-?\d+(?:\.\d+)?(?:ms|s|m|h|%|[kKMG]B)?\b", "NUM"),
    ]
    return TemplateMiner(config=config)


def analyse(lines: list[str], since: dt.datetime | None, until: dt.datetime | None) -> dict[str, Any]:
    entries = _within(parse_lines(lines), since, until)
    levels = Counter(e.level for e in entries)
    table = _template_table(entries)
    # Known background (a scanner, firmware complaints) is no spike, and its exceptions (a
    # scanner's RoutingError) are not the log's.
    background = {id(e) for row in table if not causes.eligible(row) for e in row["_entries"]}
    # Raised ones only: a DEBUG line that names an exception type raised nothing.
    exceptions = Counter(
        e.exception_type for e in entries if e.exception_type and e.is_error and id(e) not in background
    )
    caused_by = {
        e.exception_type: e.root_exception
        for e in entries
        if e.exception_type and e.root_exception and e.root_exception != e.exception_type
    }
    spikes = _spikes([e for e in entries if e.is_error and id(e) not in background])
    ranked = [] if _passed_job(entries) else causes.rank(table)
    root = _root_cause(ranked[0]) if ranked else None
    slow = slowdowns(entries)
    trigger = _trigger(entries, ranked, slow)
    findings = (
        auth_findings(entries) + trigger + _findings(table, exceptions, caused_by, spikes, root, ranked)
    )
    findings += shrinking_output(entries) + [s.finding() for s in slow[:2]]
    findings.sort(key=lambda f: -SEVERITY_RANK[f.severity])  # stable: the root cause leads its severity
    return {
        "lines": len(lines),
        "entries": len(entries),
        "levels": dict(levels),
        "time_range": _time_range(entries),
        "templates": [{k: v for k, v in row.items() if k != "_entries"} for row in table[:MAX_TEMPLATES]],
        "exceptions": dict(exceptions.most_common(10)),
        "spikes": spikes,
        "root_cause": root,
        "candidates": [
            {"template": c.row["template"], "score": c.score, "why": list(c.reasons)} for c in ranked[:5]
        ],
        "findings": findings or [_no_problems(levels, entries)],
    }


def _within(entries: list[LogEntry], since: dt.datetime | None, until: dt.datetime | None) -> list[LogEntry]:
    """The entries from `since` up to (not including) `until`; a line without a time cannot be
    placed outside the window, so it stays."""
    if not (since or until):
        return entries
    since_utc, until_utc = _utc(since), _utc(until)
    return [
        e
        for e in entries
        if e.timestamp is None
        or (
            (since_utc is None or e.timestamp >= since_utc) and (until_utc is None or e.timestamp < until_utc)
        )
    ]


def _template_table(entries: list[LogEntry]) -> list[dict[str, Any]]:
    """The entries grouped into message templates, a row each: most errors first, then the most
    frequent."""
    miner = _miner()
    templates: dict[int | str, dict[str, Any]] = {}
    for entry in entries:
        key: int | str
        if entry.status is not None:  # access lines: method, route shape and status, as they are
            key = entry.message
        else:
            # An exception groups by what was raised and why, not by the line that logged it.
            key = miner.add_log_message(entry.exception_line or entry.message or entry.text)["cluster_id"]
        cluster = templates.setdefault(key, {"count": 0, "levels": Counter(), "entries": []})
        cluster["count"] += 1
        cluster["levels"][entry.level] += 1
        cluster["entries"].append(entry)
    by_id: dict[int | str, str] = {c.cluster_id: c.get_template() for c in miner.drain.clusters}
    table = [row for key, data in templates.items() for row in _rows(by_id.get(key, str(key)), data)]
    table.sort(key=lambda row: (-row["errors"], -row["count"]))
    return table


def _time_range(entries: list[LogEntry]) -> dict[str, str | None]:
    timestamps = [e.timestamp for e in entries if e.timestamp]
    return {
        "first": min(timestamps).isoformat() if timestamps else None,
        "last": max(timestamps).isoformat() if timestamps else None,
    }


# A CI or batch job's own verdict at its end: when it says it passed and nothing says it failed,
# the error-looking lines before it (git's "fatal: No names found", tests named after errors)
# did not fail it.
_PASSED = re.compile(
    r"^(?:Job succeeded|Build succeeded|BUILD SUCCESSFUL|Finished: SUCCESS|Pipeline succeeded)\b|"
    r"^=+ \d+ passed(?:, \d+ (?:skipped|xfailed|xpassed|warnings?|deselected))* in [\d.]+s",
    re.IGNORECASE,
)
_FAILED = re.compile(
    r"\bJob failed\b|\bBUILD FAILED\b|Finished: FAILURE|\bPipeline failed\b|\b\d+ failed\b|"
    r"exit(?:ed)? (?:with )?(?:code|status) [1-9]",
    re.IGNORECASE,
)


def _passed_job(entries: list[LogEntry]) -> bool:
    verdict = any(_PASSED.search(e.text.strip()) for e in entries[-15:])
    return verdict and not any(_FAILED.search(e.text) for e in entries)


CLOSE_CHANGE = dt.timedelta(minutes=2)


def _trigger(entries: list[LogEntry], ranked: list[causes.Candidate], slow: list[Slowdown]) -> list[Finding]:
    """When the errors name no cause (timeouts, waits, failed requests), or there are no errors
    but things got slow, a change logged just before the first of them is the likelier answer."""
    first_error = min((e.timestamp for e in entries if e.is_error and e.timestamp), default=None)
    if ranked and "names a cause" in ranked[0].reasons:
        # The errors explain themselves; a change right before them is still worth a look.
        change = change_before(entries, first_error, window=CLOSE_CHANGE)
        if change is None or change.timestamp is None or first_error is None:
            return []
        seconds = (first_error - change.timestamp).total_seconds()
        message = (
            f'A change {seconds:.0f} s before the first error: "{described(change)[:240]}"; '
            "check whether it led to it."
        )
        return [Finding(severity=Severity.WARNING, code="change_before_errors", message=message)]
    if ranked and first_error:
        start, what = first_error, "the first error"
        effect = f'the errors after it ("{ranked[0].row["template"][:160]}") name no cause of their own'
    elif not ranked and slow and slow[0].since.timestamp:
        start, what = slow[0].since.timestamp, "things got slow"
        factor = slow[0].after_ms / max(slow[0].before_ms, 0.001)
        effect = f'then "{slow[0].since.message[:160]}" got {factor:.0f}x slower'
    else:
        return []
    change = change_before(entries, start)
    if change is None or change.timestamp is None:
        return []
    seconds = (start - change.timestamp).total_seconds()
    return [
        Finding(
            severity=Severity.CRITICAL if ranked else Severity.WARNING,
            code="likely_trigger",
            message=f"Likely trigger: a change {seconds:.0f} s before {what}: "
            f'"{described(change)[:240]}" at {change.timestamp.isoformat()}; {effect}.',
        )
    ]


def _rows(template: str, data: dict[str, Any]) -> list[dict[str, Any]]:
    """A template generalises only over many variants: a wildcard standing for two or three
    different lines ("Reason: <*>" for CrashLoopBackOff and OOMKilled) hides what they said."""
    entries: list[LogEntry] = data["entries"]
    variants: dict[str, list[LogEntry]] = {}
    for entry in entries:
        variants.setdefault(entry.exception_line or entry.message, []).append(entry)
    if "<*>" not in template or len(variants) > 3:
        return [_template_row(template, data)]
    return [
        _template_row(
            message, {"count": len(group), "levels": Counter(e.level for e in group), "entries": group}
        )
        for message, group in variants.items()
    ]


def _template_row(template: str, data: dict[str, Any]) -> dict[str, Any]:
    entries: list[LogEntry] = data["entries"]
    stamps = [e.timestamp for e in entries if e.timestamp]
    errors = sum(count for level, count in data["levels"].items() if level in ("error", "critical"))
    return {
        "template": template,
        "count": data["count"],
        "errors": errors,
        "level": max(
            data["levels"], key=lambda lv: ("debug", "info", "warning", "error", "critical").index(lv)
        ),
        "first_seen": min(stamps).isoformat() if stamps else None,
        "last_seen": max(stamps).isoformat() if stamps else None,
        "example_lines": [e.line_no for e in entries[:EVIDENCE_LINES]],
        "_entries": entries,
    }


def _spikes(errors: list[LogEntry]) -> list[dict[str, Any]]:
    """Minutes with far more errors than usual (at least 5, and 3x the median busy minute)."""
    per_minute = Counter(e.timestamp.replace(second=0, microsecond=0) for e in errors if e.timestamp)
    if not per_minute:
        return []
    typical = statistics.median(per_minute.values()) if len(per_minute) > 2 else 1
    return [
        {"minute": minute.isoformat(), "errors": count, "typical": typical}
        for minute, count in sorted(per_minute.items())
        if count >= 5 and count >= 3 * typical
    ]


def _root_cause(candidate: causes.Candidate) -> dict[str, Any]:
    row = candidate.row
    problems = [e for e in candidate.entries if e.level in ("warning", "error", "critical")]
    evidence = [e.full_text[:500] for e in (problems or candidate.entries)[:EVIDENCE_LINES]]
    exception = next(
        (e.root_exception or e.exception_type for e in candidate.entries if e.exception_type), None
    )
    return {
        "template": row["template"],
        "count": row["count"],
        "errors": row["errors"],
        "level": row["level"],
        "first_seen": row["first_seen"],
        "exception_type": exception,
        "why": list(candidate.reasons),
        "example": _example(problems[0] if problems else _said_last(candidate.entries)),
        "evidence": evidence,
        # Read whole: a credential chain's own reason comes lines below its headline.
        "meaning": meaning(
            " ".join([row["template"], *(e.full_text[:4000] for e in (problems or candidate.entries)[:3])])
        ),
    }


def _said_last(entries: list[LogEntry]) -> LogEntry:
    """Of a calm line's occurrences, the last that explains something: a setting said twice
    (`using nameserver` at start and after a change) stands as it was said last."""
    return next((e for e in reversed(entries) if causes.explains_something(e.text)), entries[0])


def _example(entry: LogEntry) -> str:
    """The entry's message; for a line that only introduces what follows it (Spring Boot's failure
    analysis: `LoggingFailureAnalysisReporter : ` then the report), the first sentence that follows."""
    if entry.extra_lines and entry.text.rstrip().endswith(":"):
        said = next((line.strip() for line in entry.extra_lines if _SENTENCE.search(line)), None)
        if said:
            return f"{entry.message.rstrip(': ')}: {said}"[:300]
    if entry.extra_lines and not causes.names_cause(entry.text):
        # "node validation exception", then the bootstrap check that failed on a line below it.
        said = next((line.strip() for line in entry.extra_lines if causes.names_cause(line)), None)
        if said:
            return f"{entry.message[:150]}: {said}"[:300]
    if is_change(entry):  # a JSON line's fields carry what changed ("AllowCorsFrom: \"\" -> ...")
        return described(entry)[:300]
    return entry.message[:200]


# A line of prose (four words or more, lower case in them), not a banner, a heading or a frame.
_SENTENCE = re.compile(r"[A-Za-z]+[a-z]\w*(?:[ ,]+\w[\w'-]*){3,}")


def _findings(
    table: list[dict[str, Any]],
    exceptions: Counter[str],
    caused_by: dict[str, str],
    spikes: list[dict[str, Any]],
    root: dict[str, Any] | None,
    ranked: list[causes.Candidate],
) -> list[Finding]:
    findings = [_root_cause_finding(root, table)] if root else []
    for kind, count in exceptions.most_common(5):
        chain = f", caused by {caused_by[kind]}" if kind in caused_by else ""
        findings.append(
            Finding(
                severity=Severity.CRITICAL, code="exception", message=f"{kind} raised {count} time(s){chain}."
            )
        )
    findings += [_template_finding(row) for row in _other_problems(ranked)]
    findings += [_spike_finding(spike) for spike in spikes]
    return findings


def _root_cause_finding(root: dict[str, Any], table: list[dict[str, Any]]) -> Finding:
    cause = f" ({root['exception_type']})" if root["exception_type"] else ""
    # The cause of an outage is as bad as the outage: critical when the log has errors.
    # So is a definite cause still at work when the log ends (a full store blocking every producer,
    # said at INFO by a broker that logs no error for it).
    errors_seen = any(row["errors"] for row in table)
    ongoing = {"a definite cause", "still happening at the end"} <= set(root["why"])
    severity = Severity.CRITICAL if root["level"] != "warning" or errors_seen or ongoing else Severity.WARNING
    times = root["errors"] or root["count"]
    # A template with wildcards hides what was said: one real line shows it.
    example = (
        f' e.g. "{root["example"]}"'
        if re.search(r"<(?:\*|[A-Z]+)>", root["template"]) or len(root["example"]) > len(root["template"])
        else ""
    )
    return Finding(
        severity=severity,
        code="likely_root_cause",
        message=f'Most likely root cause{cause}: "{root["template"]}"{example}, {times} time(s) '
        f"from {root['first_seen'] or 'an unknown time'} ({', '.join(root['why'])})."
        + (f" It means: {root['meaning']}." if root["meaning"] else ""),
    )


def _other_problems(ranked: list[causes.Candidate]) -> list[dict[str, Any]]:
    """Other errors; warnings that name a cause only where the log has no errors (where there are
    errors, a warning beside them is context at most, and a misleading one as often)."""
    has_errors = any(c.row["errors"] for c in ranked)
    # What the root cause explains (a node that never registered is "not found" everywhere) is part
    # of its story, not another problem.
    explained = bool(ranked) and any(r.startswith("explains ") for r in ranked[0].reasons)
    return [
        c.row
        for c in ranked[1:8]
        if (c.row["errors"] or (not has_errors and "names a cause" in c.reasons))
        and not (explained and "explained by another line" in c.reasons)
    ]


def _template_finding(row: dict[str, Any]) -> Finding:
    problems = row["errors"] or sum(1 for e in row["_entries"] if e.level == "warning")
    # A calm line counted as a cause (a setting changed) says how often it was said, not "0 warnings".
    said = (
        f"{problems} {'error' if row['errors'] else 'warning'}(s)" if problems else f"{row['count']} time(s)"
    )
    return Finding(
        severity=Severity.WARNING,
        code="error_template" if row["errors"] else "warning_template",
        message=f'"{row["template"]}": {said}.',
    )


def _spike_finding(spike: dict[str, Any]) -> Finding:
    return Finding(
        severity=Severity.WARNING,
        code="error_spike",
        message=f"{spike['errors']} errors in the minute from {spike['minute']} "
        f"(typically {spike['typical']:g}).",
    )


# A line that reports the job, build or rollout went well: a healthy answer quotes the last one.
_SUCCESS = re.compile(
    r"\b\d+ passed\b|\bsucceeded\b|\bcompleted successfully\b|"
    r"\bsuccessfully (?:rolled out|deployed|completed)\b|\bbuild successful\b|\bjob succeeded\b|"
    r"\bexit(?:ed)? (?:with )?(?:code|status) 0\b|\bfinished: success\b",
    re.IGNORECASE,
)


def _no_problems(levels: Counter[str], entries: list[LogEntry]) -> Finding:
    """A healthy log: say so, what the warnings it has were (none named a cause), and the last
    line that reported success."""
    warnings = levels.get("warning", 0)
    success = next((e for e in reversed(entries) if e.level == "info" and _SUCCESS.search(e.message)), None)
    said = f' Last success reported: "{success.message[:200]}".' if success else ""
    errors = levels.get("error", 0) + levels.get("critical", 0)
    if errors:  # every error line was known background, or a job that passed wrote it
        message = (
            f"No action needed, this looks healthy: the {errors} error line(s) are known, expected "
            "background (routine retries and conflicts, scanners, sensors a machine does not have) or were "
            "followed by a passing verdict, and nothing else points at a problem."
        )
    elif warnings:
        message = (
            f"No action needed, this looks healthy: no errors or stack traces, and the {warnings} "
            "warning(s) name no cause (expected background such as deprecations, probe failures while "
            "new pods start, or retries that recovered)."
        )
    else:
        message = "No action needed, this looks healthy: no errors, warnings or stack traces found."
    return Finding(severity=Severity.INFO, code="no_errors", message=message + said)


def _summary(report: dict[str, Any], findings: list[Finding]) -> str:
    levels = report["levels"]
    errors = levels.get("error", 0) + levels.get("critical", 0)
    head = f"{report['entries']} entries, {errors} error(s), {levels.get('warning', 0)} warning(s)"
    top = findings[0]
    if top.code == "likely_trigger":
        return f"{head}. {top.message.split('; ')[0]}."
    if top.code == "login_after_brute_force":
        return f"{head}. {top.message.split(': a brute force')[0]}: a brute force that succeeded."
    root = report["root_cause"]
    if not root and top.severity != Severity.INFO:  # no error to blame, yet something is wrong
        return f"{head}. {top.message}"
    if root:
        cause = f" ({root['exception_type']})" if root["exception_type"] else ""
        times = root["errors"] or root["count"]
        return f'{head}. Likely root cause{cause}: "{root["template"]}" x{times}.'
    if errors:
        return f"{head}."
    return (
        f"{head}. No errors found."
        if not levels.get("warning")
        else f"{head}. No errors; the warnings name no cause."
    )


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
