"""Splits a task into what the person asked and the material they pasted with it.

Ops people paste logs, tracebacks, YAML and JSON under (or above) a one-line question. The
question is what routes the task and names what to probe; the material is data to analyse.
Hosts, IPs, ports and URLs that occur only inside material are never targets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_FENCE = re.compile(r"^\s*(```|~~~)")
_TIMESTAMP = (
    r"(?:\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}"  # ISO
    r"|\d{4}/\d{2}/\d{2}[ T]\d{2}:\d{2}"  # nginx error log
    r"|[A-Z][a-z]{2}\s+\d{1,2}\s+\d{2}:\d{2}:\d{2}"  # syslog
    r"|\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\s"  # bare clock
    r"|\d{10}(?:\.\d+)?\s)"  # epoch seconds
)
_ANY_TIMESTAMP = re.compile(_TIMESTAMP)
_LEVEL = r"(?:TRACE|DEBUG|INFO|NOTICE|WARN(?:ING)?|ERR(?:OR)?|FATAL|CRIT(?:ICAL)?|SEVERE|PANIC|ALERT|EMERG)"
_LOG_LINE = re.compile(
    rf"^\s*(?:\[?{_TIMESTAMP}"
    r"|.{0,40}(?<!\d)\d{1,2}:\d{2}:\d{2}(?!\d)"  # a clock with seconds near the start: redis, logfmt
    r"|\S+ \S+ \S+ \[\d{2}/\w{3}/\d{4}"  # access log
    rf"|\[?{_LEVEL}\]?[\s:\]|]"  # a line that starts with its level
    r"|\[[\w .:/-]{3,40}\]\s"  # [worker-3] ...
    r"|\{\s*\"@?(?:time|ts|timestamp|date|level|lvl|severity|msg|message|log|logger)\"\s*:"  # JSON logs
    r"|Traceback \(most recent call last\)|File \"[^\"]+\", line \d+|Caused by: |"
    r"at [\w$.<>]+ ?(?:\[as \w+\] )?\(|"  # Java, and Node's "at X [as y] ("
    r"\.\.\. \d+ more|[\w.]*(?:Exception|Error)(?::|\s*$)|goroutine \d+ \[|panic: |"
    r"[A-Z]\d{4} \d{2}:\d{2}"  # glog
    r"|<\d{1,3}>"  # raw syslog priority
    r"|[\w.-]+\[\d+\]: "  # program[pid]:
    r"|(?:\d+\|)?[\w.-]{1,40}\s*\|\s)",  # docker compose / pm2 prefixes: "api_1  | ...", "0|api  | ..."
)
_PROMPT = re.compile(r"^\s*(?:[$#>]|PS [^>]*>)\s+\S")  # a shell command; its output follows
_YAML_KEY = re.compile(r"^\s*(?:- )?[\w.\"'/-]{1,80}:(?:\s|$)")
_YAML_ITEM = re.compile(r"^\s*- \S")
_YAML_DOC = re.compile(r"^(?:---|\.\.\.)\s*$")
_JSON_EDGE = re.compile(r"^\s*(?:[{}\[\]],?|\"[^\"]+\"\s*:.*)\s*$")
_INDENTED = re.compile(r"^(?: {2,}|\t)\S")
_FRAME = re.compile(r"\S+\.(?:go|py|java|js|mjs|ts|rb|rs|c|cc|cpp|cs|php|kt|scala|ex|exs):\d+|\(0x[0-9a-f]")
_JSON_OBJECT = re.compile(r"^\s*[\[{].*[\]}],?\s*$")
# Words that open a person's sentence as often as a program's output line.
_COMMON_OPENERS = frozenset(
    {"the", "this", "that", "what", "why", "how", "and", "but", "also", "then", "here"}
)
# The request's own keys in a YAML-looking line ("note: please check") are prose, not config.
_PROSE_KEYS = frozenset({"note", "question", "q", "context", "fyi", "ps", "update", "edit", "hi", "hey"})
COMPOSE_OR_K8S = re.compile(
    r"^\s*(?:services|apiVersion|kind|image|containers|volumes|version|metadata|spec|ports|"
    r"environment|replicas|securityContext|networks|deploy|command|restart)\s*:",
    re.MULTILINE,
)


@dataclass(frozen=True)
class RequestText:
    request: str  # the person's own words, joined by newlines
    material: str  # pasted lines, in order
    log_lines: int  # material lines that look like log records or stack frames
    yaml: bool  # the material holds docker-compose or Kubernetes-looking YAML
    json: bool

    @property
    def kinds(self) -> frozenset[str]:
        kinds = set()
        if self.log_lines:
            kinds.add("log_lines")
        if self.yaml:
            kinds.add("yaml")
        if self.json:
            kinds.add("json")
        return frozenset(kinds)


@lru_cache(maxsize=512)
def read_request(task: str) -> RequestText:
    """Classify each line as request or material. One-line tasks are always the request,
    except a lone log record ("2024-05-01 12:00:01 ERROR ...")."""
    lines = task.splitlines()
    if len(lines) <= 1:
        is_log = bool(lines) and bool(_LOG_LINE.match(lines[0])) and not _ends_like_question(lines[0])
        if is_log:
            return RequestText("", task, 1, False, False)
        return RequestText(task.strip(), "", 0, False, False)
    kinds = _line_kinds(lines)
    request = [line.strip() for line, kind in zip(lines, kinds, strict=True) if kind == "request"]
    material = [line for line, kind in zip(lines, kinds, strict=True) if kind != "request"]
    body = "\n".join(material)
    return RequestText(
        request="\n".join(r for r in request if r),
        material=body,
        log_lines=sum(
            1
            for line, kind in zip(lines, kinds, strict=True)
            if kind == "log" or (kind != "request" and _ANY_TIMESTAMP.search(line))
        ),
        yaml=len(COMPOSE_OR_K8S.findall(body)) >= 2,
        json=any(kind == "json" for kind in kinds),
    )


def _ends_like_question(line: str) -> bool:
    return line.rstrip().endswith("?")


def _line_kinds(lines: list[str]) -> list[str]:
    kinds: list[str] = []
    fenced = False
    for index, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
            kinds.append("fence")
            continue
        if fenced:
            kinds.append("log" if _LOG_LINE.match(line) else "fenced")
            continue
        if kinds and kinds[-1] in ("prompt", "output") and line.strip() and not _LOG_LINE.match(line):
            kinds.append("output")  # what the command printed, up to the next blank line
            continue
        kinds.append("prompt" if _PROMPT.match(line) else _kind(line, lines, index))
    # A line between two pieces of material is material too unless it asks something
    # (continuation lines of a stack trace, a wrapped log message); so is an indented line
    # right after material.
    for _ in range(3):
        changed = False
        for index, kind in enumerate(kinds):
            if kind != "request" or not lines[index].strip():
                continue
            before = next((k for k in reversed(kinds[:index]) if k != "blank"), "request")
            after = next((k for k in kinds[index + 1 :] if k != "blank"), "request")
            between = after != "request" and not _ends_like_question(lines[index])
            if before != "request" and (between or _INDENTED.match(lines[index])):
                kinds[index], changed = "material", True
        if not changed:
            break
    _program_status_lines(lines, kinds)
    return ["request" if kind == "blank" else kind for kind in kinds]


def _program_status_lines(lines: list[str], kinds: list[str]) -> None:
    """A line after material that opens with a name the material is full of ("api-1 exited
    with code 1" under `api-1  | ...` lines) is the program's output, not the person's words."""
    first = next((i for i, kind in enumerate(kinds) if kind not in ("request", "blank")), None)
    if first is None:
        return
    names = {
        match.group(1).lower()
        for index in range(first, len(lines))
        if kinds[index] != "request"
        for match in [re.match(r"\s*([\w.-]{3,40})", lines[index])]
        if match
    }
    for index in range(first + 1, len(lines)):
        head = re.match(r"\s*([\w.-]{3,40})\s", lines[index])
        if kinds[index] == "request" and head and head.group(1).lower() in names - _COMMON_OPENERS:
            if not _ends_like_question(lines[index]):
                kinds[index] = "material"


def _kind(line: str, lines: list[str], index: int) -> str:
    stripped = line.strip()
    if not stripped:
        return "blank"
    if _LOG_LINE.match(line) or _FRAME.search(line):
        return "log"
    if " " not in stripped and len(stripped) > 15 and any(c in stripped for c in "/()=:"):
        return "material"  # a path, a call or a key=value blob: code, not a sentence
    if _JSON_OBJECT.match(line) or _JSON_EDGE.match(line):
        return "json"
    if _YAML_DOC.match(line) or _is_yaml(line, lines, index):
        return "yaml"
    return "request"


def _is_yaml(line: str, lines: list[str], index: int) -> bool:
    """A `key: value` or `- item` line counts as YAML only beside another one, so a lone
    "Note: the api is down" stays prose."""
    if not (_YAML_KEY.match(line) or _YAML_ITEM.match(line)):
        return False
    key = line.strip().removeprefix("- ").split(":", 1)[0].strip().lower()
    if key in _PROSE_KEYS:
        return False
    neighbours = [lines[i] for i in (index - 1, index + 1) if 0 <= i < len(lines)]
    return any(_YAML_KEY.match(n) or _YAML_ITEM.match(n) or _YAML_DOC.match(n) for n in neighbours)
