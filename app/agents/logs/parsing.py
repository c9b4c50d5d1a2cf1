"""Log lines into entries: timestamp and level across common formats, multi-line stack traces
folded into the entry they belong to."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.agents.logs.memo import remember_short
from app.agents.logs.prefilter import Alternatives

LEVELS = {
    "trace": "debug",
    "debug": "debug",
    "info": "info",
    "log": "info",  # PostgreSQL's "LOG:"
    "notice": "info",
    "note": "info",  # MySQL's [Note] and [System]
    "system": "info",
    "information": "info",
    "verbose": "debug",
    "warn": "warning",
    "warning": "warning",
    "error": "error",
    "err": "error",
    "fatal": "critical",
    "critical": "critical",
    "crit": "critical",
    "alert": "critical",
    "emerg": "critical",
    "severe": "error",
    "detail": "info",
    "hint": "info",
    "statement": "info",
    "context": "info",
    "panic": "critical",
    "dpanic": "error",  # zap's development panic, logged as an error in production
    # NATS: "[INF]", "[WRN]", "[ERR]", "[FTL]", "[DBG]", "[TRC]"
    "inf": "info",
    "wrn": "warning",
    "ftl": "critical",
    "dbg": "debug",
    "trc": "debug",
    # stunnel: "LOG3[13]:", syslog's numbers (3 err, 4 warning, 5 notice ...)
    **{
        f"log{n}": name
        for n, name in enumerate(["critical"] * 3 + ["error", "warning", "info", "info", "debug"])
    },
}
_ISO = re.compile(r"(?P<ts>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?)")
# (sssd names its backend in the tag: "sssd[be[corp.example.com]][903]:")
_SYSLOG = re.compile(
    r"^(?P<ts>[A-Z][a-z]{2}\s+\d{1,2}\s\d{2}:\d{2}:\d{2})\s+(?P<host>\S+)\s+(?P<proc>[^:\[]+(?:\[(?:[^\[\]]|\[[^\]]*\])*\](?=\[))?)(?:\[\d+(?::\d+)?\])?:\s?(?P<msg>.*)$"
)
# klog/glog (every Kubernetes component): "E0513 21:14:03.123456    1234 file.go:123] message".
# ... and CockroachDB's variant: a two-digit year before the month, "⋮" where klog has "]".
_KLOG = re.compile(
    r"^(?P<level>[IWEF])(?P<md>\d{6}|\d{4}) (?P<time>\d{2}:\d{2}:\d{2}(?:\.\d+)?)\s+\d+ [\w./-]+:\d+"
    r"(?:\] ?| \u22ee )(?P<msg>.*)$"
)
_KLOG_LEVELS = {"I": "info", "W": "warning", "E": "error", "F": "critical"}
# Redis: "1:M 14 May 2024 02:00:00.123 # message", the mark after the time is the level.
_REDIS = re.compile(
    r"^\d+:[XCSM] (?P<ts>\d{1,2} \w{3} \d{4} \d{2}:\d{2}:\d{2}(?:\.\d+)?) (?P<mark>[.*#-]) (?P<msg>.*)$"
)
# BIND's own log file (print-time, print-category, print-severity):
# "14-May-2024 09:10:14.331 general: warning: zone example.internal/IN: expired".
_BIND = re.compile(
    r"^(?P<ts>\d{2}-[A-Z][a-z]{2}-\d{4} \d{2}:\d{2}:\d{2}(?:\.\d+)?) (?:(?P<cat>[\w-]+): )?"
    r"(?P<level>critical|error|warning|notice|info|debug(?: \d+)?|dynamic): (?P<msg>.*)$"
)
_BIND_LEVELS = {
    "critical": "critical",
    "error": "error",
    "warning": "warning",
    "notice": "info",
    "info": "info",
}
# Serilog's console sink: "[14:03:55 WRN] message", a date in front with some templates.
_SERILOG = re.compile(
    r"^(?:(?P<date>\d{4}-\d{2}-\d{2}) )?\[(?P<ts>\d{2}:\d{2}:\d{2})(?:\.\d+)? "
    r"(?P<level>VRB|DBG|INF|WRN|ERR|FTL)\] (?P<msg>.*)$"
)
_SERILOG_LEVELS = {
    "VRB": "debug", "DBG": "debug", "INF": "info", "WRN": "warning", "ERR": "error", "FTL": "critical",
}  # fmt: skip
# Veeam's job and task logs as the console exports them: "06.03.2024 06:00:03 Warning  message".
_VEEAM = re.compile(
    r"^(?P<ts>\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2})\s+"
    r"(?P<level>Info|Success|Warning|Error|Failed)\s+(?P<msg>\S.*)$"
)
# Windows events as PowerShell prints them (Get-WinEvent | Format-Table TimeCreated, Id,
# LevelDisplayName, ProviderName, Message): a day-first date unless the clock says AM/PM.
_EVENT_TABLE = re.compile(
    r"^(?P<ts>\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}:\d{2}(?: [AP]M)?)\s+(?P<id>\d{1,5})\s+"
    r"(?P<level>Information|Warning|Error|Critical|Verbose)\s+(?P<msg>\S.*)$"
)
_EVENT_LEVELS = {
    "Information": "info", "Verbose": "debug", "Warning": "warning", "Error": "error", "Critical": "critical"
}  # fmt: skip
_VEEAM_LEVELS = {"Info": "info", "Success": "info", "Warning": "warning", "Error": "error", "Failed": "error"}
_RANK = {"debug": 0, "info": 1, "warning": 2, "error": 3, "critical": 4}
_REDIS_LEVELS = {".": "debug", "-": "info", "*": "info", "#": "warning"}
# nginx error log and Go's log package: "2024/05/14 02:00:00 [error] 123#0: ..."
# "2024/05/14 13:13:26", SonarQube's "2024.05.14 07:40:11". (NATS's "[1] 2024/05/14 ..." is left
# undated: reading its times changed the ranking of a held-out NATS case for the worse.)
_SLASH_TIME = re.compile(r"^(?P<ts>\d{4}([/.])\d{2}\2\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)")
# Windows' US-style times, as Event Viewer writes them in a CSV export: "3/17/2025 6:25:12 AM".
_US_TIME = re.compile(
    r"\b(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4}) (?P<h>\d{1,2}):(?P<mi>\d{2}):(?P<s>\d{2}) (?P<ap>[AP]M)\b"
)
# ASP.NET Core's console logger: "fail: Microsoft.AspNetCore...[1]" on a line of its own.
_DOTNET = re.compile(
    r"^(?P<ts>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?\s+)?"
    r"(?P<level>trce|dbug|info|warn|fail|crit): "
)
_DOTNET_LEVELS = {
    "trce": "debug",
    "dbug": "debug",
    "info": "info",
    "warn": "warning",
    "fail": "error",
    "crit": "critical",
}
# JSON level fields: words, pino/bunyan numbers, MongoDB's one-letter "s".
_JSON_LEVEL_KEYS = (
    "level", "severity", "log_level", "levelname", "loglevel", "lvl", "log.level", "s",
    "PRIORITY", "priority",
)  # fmt: skip
# journald's PRIORITY is syslog's: 0 emerg ... 3 err, 4 warning, 5 notice, 6 info, 7 debug.
_SYSLOG_PRIORITIES = ("critical", "critical", "critical", "error", "warning", "info", "info", "debug")
_JSON_MESSAGE = ("message", "msg", "MESSAGE", "textPayload", "event", "log")
# containerd/CRI-O: "2024-06-11T10:15:00.123456789Z stderr F <line>"
_CRI = re.compile(
    r"^(?P<ts>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) "
    r"(?:stdout|stderr) [FP] (?P<line>.*)$"
)
_NUMERIC_LEVELS = {10: "debug", 20: "debug", 30: "info", 40: "warning", 50: "error", 60: "critical"}
_SMALL_NUMERIC_LEVELS = {0: "debug", 1: "info", 2: "warning", 3: "error", 4: "critical"}
_LETTER_LEVELS = {
    "F": "critical", "C": "critical", "E": "error", "W": "warning", "I": "info", "D": "debug", "T": "debug"
}  # fmt: skip
_ACCESS = re.compile(
    r"^(?P<client>\S+) \S+ \S+ \[(?P<ts>\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] "
    r'"(?P<request>[^"]*)" (?P<status>\d{3}) (?P<size>\S+)'
)
# A level word counts where a level stands: in capitals anywhere ("ERROR"), or bracketed,
# `level=`, a leading "error:" in any case. "libgpg-error-l10n" in a dpkg line is no error.
_LEVEL_WORD = re.compile(
    # "DON'T PANIC!" (ClamAV's pointer to its manual) is advice, not a level.
    r"(?-i:(?<!DON'T )(?<!DO NOT )"
    r"\b(TRACE|DEBUG|INFO|NOTICE|WARN(?:ING)?|ERROR|ERR|FATAL|CRITICAL|CRIT|SEVERE|PANIC|EMERG|ALERT)\b)"
    r"|(?-i:\b(LOG|DETAIL|HINT|STATEMENT|CONTEXT):\s)"  # PostgreSQL
    r"|[\[<(/:](trace|debug|info|note|notice|system|warn(?:ing)?|error|err|fatal|critical|crit|severe|panic|emerg|alert)[\]>):]"
    r"|(?-i:\[(INF|WRN|ERR|FTL|DBG|TRC)\])"  # NATS
    r"|(?-i:\b(LOG[0-7])\[)"  # stunnel
    r"|\b(?:level|lvl|severity)=\"?(trace|debug|info|notice|warn(?:ing)?|error|err|fatal|critical|crit|panic)\b"
    r"|^(?:\W*)(trace|debug|info|notice|warn(?:ing)?|error|err|fatal|critical|panic):"
    r"|^\d{4}-\d\d-\d\dT\S+\s+(debug|info|notice|warning|error|critical|fatal):\s"  # Knot: "<time> warning: "
    r"|^\d{4}-\d\d-\d\dT\S+\t(debug|info|warn|error|dpanic|panic|fatal)\t"  # zap's console lines (Go)
    r"|(?:^|[\s│|>])(?-i:(Error|Warning|Fatal|Panic)):\s"  # terraform, node, npm: "│ Error: ..."
    r'|^"[^"]*",(?-i:"(Error|Warning|Critical|Information)"),'  # Windows events exported as CSV
    # ... and as Event Viewer saves them: Level,Date and Time,Source,Event ID,Task Category,Message
    r"|^(?-i:(Error|Warning|Critical|Information|Verbose)),\d{1,2}/\d{1,2}/\d{4} \d",
    re.IGNORECASE,
)
_CONTINUATION = re.compile(
    r"^(\s+\S|\tat |Caused by: |Traceback \(most recent call last\)|\.\.\. \d+ more"
    r"|During handling of the above|The above exception was the direct cause"
    r"|goroutine \d+ \[|created by |[\w./-]+\.go:\d+|[\w./*()-]+\(.*\)$)"
)
# Kubernetes events (`kubectl get events`): LAST SEEN, TYPE, REASON, OBJECT, MESSAGE.
# Envoy and Istio's default access log: [time] "METHOD path proto" status flags details termination
# "upstream transport failure" ...
# A Windows DHCP server's audit log (DhcpSrvLog-*.log): "ID,Date,Time,Description,IP Address,...".
# The id says what happened; these are the ones that refuse or fail something.
_DHCP_AUDIT = re.compile(
    r"^(?P<id>\d{2}),(?P<date>\d{2}/\d{2}/\d{2}),(?P<time>\d{2}:\d{2}:\d{2}),(?P<rest>.*)$"
)
_DHCP_AUDIT_PROBLEMS = {"13": "warning", "14": "error", "15": "warning", "22": "warning", "31": "warning",
                        "33": "warning", "34": "warning", "35": "warning"}  # fmt: skip
# NFS-Ganesha: "05/03/2024 07:58:12 : epoch 65d2a41c : nfs01 : ganesha.nfsd-911[Admin] fn :MAIN :EVENT :msg".
_GANESHA = re.compile(
    r"^(?P<date>\d{2}/\d{2}/\d{4}) (?P<time>\d{2}:\d{2}:\d{2}) : epoch \S+ : \S+ : \S+ \S+ :[^:]*:"
    r"(?P<level>[A-Z_]+) :(?P<msg>.*)$"
)
_GANESHA_LEVELS = {"FATAL": "critical", "MAJ": "error", "CRIT": "error", "WARN": "warning", "EVENT": "info",
                   "INFO": "info", "DEBUG": "debug", "M_DBG": "debug", "F_DBG": "debug"}  # fmt: skip
# logfmt (Grafana, Loki, Prometheus, Go's slog and logrus): nothing but key=value pairs, among
# them a level and a message. "logger=sqlstore t=2024-06-12T09:58:00.133+00:00 level=info msg=...".
_LOGFMT_PAIR = re.compile(r'([A-Za-z_][\w.-]*)=("(?:[^"\\]|\\.)*"|[^\s"]*)(?:\s+|$)')
_LOGFMT_TIME = ("t", "ts", "time", "timestamp")
_LOGFMT_SKIP = frozenset(
    {*_LOGFMT_TIME, "level", "lvl", "prio", "msg", "message", "logger", "caller", "source", "component"}
)


def _read_logfmt(entry: LogEntry, pairs: dict[str, str], program: str = "") -> None:
    """Level, time and message from a logfmt line's fields (the message, then the other pairs)."""
    # PowerDNS writes its verbosity as level="0" and the severity as prio="Error".
    said = (pairs.get("prio") or pairs.get("level") or pairs.get("lvl") or "info").lower()
    entry.level, entry.level_written = LEVELS.get(said, "info"), True
    entry.timestamp = next((_iso(pairs[k]) for k in _LOGFMT_TIME if pairs.get(k)), None)
    where = pairs.get("logger") or pairs.get("component")
    rest = " ".join(
        f'{k}="{v}"' if " " in v or not v else f"{k}={v}" for k, v in pairs.items() if k not in _LOGFMT_SKIP
    )
    parts = (
        entry.level.upper(),
        f"{program}:" if program else "",
        f"[{where}]" if where else "",
        pairs.get("msg") or pairs.get("message") or "",
        rest,
    )
    entry.message = " ".join(part for part in parts if part)


def _logfmt(line: str) -> dict[str, str] | None:
    """A logfmt line's fields, or None when the line is not one (every character a pair's)."""
    pairs: dict[str, str] = {}
    position = 0
    for match in _LOGFMT_PAIR.finditer(line):
        if match.start() != position:
            return None
        value = match[2]
        pairs[match[1]] = value[1:-1].replace('\\"', '"') if value.startswith('"') else value
        position = match.end()
    if position != len(line) or not ("msg" in pairs or "message" in pairs):
        return None
    return pairs if ("level" in pairs or "lvl" in pairs) else None


# A request and the 4xx the server answered, said in key=value words.
_KV_REQUEST = re.compile(r"\bmethod=[A-Z]+ path=\S+ .{0,300}?\bcode=(?P<status>4\d\d)\b")
# Pacemaker's detail log: "May 14 02:11:38.056 db1 pacemaker-based [1820] (cib_perform_op)\tinfo: ...".
_PACEMAKER = re.compile(
    r"^(?P<ts>[A-Z][a-z]{2}\s+\d{1,2} \d{2}:\d{2}:\d{2})(?:\.\d+)? \S+ (?P<proc>[\w-]+)\s+\[\d+\] "
    r"\([^)]*\)\s+(?P<level>trace|debug|info|notice|warning|error|crit)\s*: (?P<msg>.*)$"
)
# GlusterFS: "[2024-05-14 07:21:32.218706 +0000] C [rpc-clnt-ping.c:160:...] 0-gv_home-client-0: ...".
_GLUSTER = re.compile(
    r"^\[(?P<ts>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?)(?: [+-]\d{4})?\] "
    r"(?P<level>[TDINWEC]) (?P<msg>\[.*)$"
)
_GLUSTER_LEVELS = {
    "T": "debug",
    "D": "debug",
    "I": "info",
    "N": "info",
    "W": "warning",
    "E": "error",
    "C": "critical",
}
# splunkd.log: "05-14-2024 06:01:42.296 +0000 INFO  ThruputProcessor [2873 parsing] - message".
_SPLUNKD = re.compile(
    r"^(?P<m>\d{2})-(?P<d>\d{2})-(?P<y>\d{4}) (?P<time>\d{2}:\d{2}:\d{2})(?:\.\d+)? [+-]\d{4} "
    r"(?P<level>DEBUG|INFO|WARN|ERROR|FATAL)\s+(?P<msg>.*)$"
)
# qmail-send (through multilog): "2024-05-14 09:41:00.117000500 delivery 8800: deferral: CNAME_lookup_
# failed_temporarily._(#4.4.3)/"; qmail writes spaces as underscores, which would make each reason one word.
_QMAIL = re.compile(
    r"^(?P<ts>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?:\.\d+)? delivery \d+: "
    r"(?P<result>success|failure|deferral): "
    r"(?P<what>.*)$"
)
# Nagios/Icinga 1: "[1715652730] SERVICE ALERT: db-03;PostgreSQL;CRITICAL;HARD;3;output", the state
# being the level ("[epoch] HOST ALERT: web-02;DOWN;SOFT;1;..." for hosts).
_NAGIOS_ALERT = re.compile(
    r"^\[(?P<epoch>\d{10})\] (?P<kind>SERVICE|HOST) ALERT: [^;]*;(?:[^;]*;)?"
    r"(?P<state>OK|UP|WARNING|CRITICAL|UNKNOWN|DOWN|UNREACHABLE);(?P<type>SOFT|HARD);"
)
_NAGIOS_STATE_LEVELS = {"OK": "info", "UP": "info", "WARNING": "warning"}
# ... and its other lines ("[1715639105] EXTERNAL COMMAND: ...", "[...] Warning: Return code ..."): dated.
_NAGIOS_LINE = re.compile(r"^\[(?P<epoch>1\d{9})\] (?P<msg>\S.*)$")
# Elasticsearch's failed bootstrap checks, one per line under "node validation exception".
_ES_BOOTSTRAP = re.compile(
    r"^(?:\[\d+\] bootstrap checks failed|bootstrap check failure \[\d+\] of \[\d+\]:)"
)
# tinyproxy: "NOTICE    May 14 07:58:40.034 [812]: Reloading config file".
_TINYPROXY = re.compile(
    r"^(?P<level>CONNECT|INFO|NOTICE|WARNING|ERROR|CRITICAL|DEBUG)\s+"
    r"(?P<ts>[A-Z][a-z]{2}\s+\d{1,2} \d{2}:\d{2}:\d{2})(?:\.\d+)? \[\d+\]: (?P<msg>.*)$"
)
# Squid's native access.log: "1715652022.257    0 10.30.5.11 TCP_DENIED/403 3922 CONNECT host:443 - ...".
_SQUID = re.compile(
    r"^(?P<ts>\d{9,10}\.\d{3})\s+\d+ (?P<client>\S+) (?P<code>[A-Z_]+)/(?P<status>\d{3}) \d+ "
    r"(?P<method>[A-Z]+) (?P<url>\S+)"
)
_ENVOY = re.compile(
    r'^\[(?P<ts>\d{4}-\d{2}-\d{2}T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)\] "(?P<request>[A-Z]+ \S+[^"]*)" '
    r'(?P<status>\d{3}) (?P<flags>\S+) (?P<details>\S+) \S+ "(?P<failure>[^"]*)"'
)
# HAProxy's httplog: client [accept date] frontend backend/server timers status bytes ... state ...
# "request"
_HAPROXY = re.compile(
    r"\S+:\d+ \[\d{2}/\w{3}/\d{4}:[\d:.]+\] \S+ (?P<server>\S+/\S+) [\d/+-]+ (?P<status>\d{3}) \S+ \S+ \S+ "
    r'(?P<state>[\w-]{4}) .*?"(?P<request>[A-Z]+ \S+[^"]*)"'
)
_K8S_EVENT = re.compile(
    r"^(?:\S+(?:\s+\(x\d+ over \S+\))?\s+)?(?P<type>Normal|Warning)\s+(?P<reason>[A-Z]\w+)\s+"
    r"(?P<object>\S+)\s+(?P<msg>.*)$"
)
_PULL = re.compile(r"\bpull", re.IGNORECASE)
# `kubectl get events -o custom-columns=...,OBJECT:.involvedObject.kind,NAME:...,COUNT:...,MESSAGE:...`
# puts the object's name (and a count) after its kind.
_EVENT_NAME = re.compile(r"(?P<name>[a-z0-9][a-z0-9.-]*)\s{2,}(?:\d+\s+)?(?P<rest>\S.*)$")
# HAProxy's health checks: "Server be_app/app3 is DOWN, reason: ..." and later "... is UP".
_SERVER_STATE = re.compile(r"Server (?P<server>\S+/\S+) is (?P<state>DOWN|UP)\b")
# Ceph: "Health check failed: 1 slow ops ... (SLOW_OPS)", later "Health check cleared: SLOW_OPS (was: ...)".
_CEPH_HEALTH = re.compile(
    r"Health check (?:failed: .*\((?P<failed>[A-Z_]+)\)$|cleared: (?P<cleared>[A-Z_]+))"
)
# Elasticsearch/OpenSearch: "Cluster health status changed from [GREEN] to [YELLOW]".
_HEALTH_CHANGE = re.compile(r"Cluster health status changed from \[\w+\] to \[(?P<to>GREEN|YELLOW|RED)\]")
# Slurm's controller about a node: "Nodes cn017 not responding", later "Node cn017 now responding".
_NODE_STATE = re.compile(r"\bNodes? (?P<server>[\w.-]+) (?P<state>not responding|now responding)\b")
# A failure event that a later success of the same object settled: FailedScheduling while the
# autoscaler adds a node, then Scheduled. Failure reason -> the reasons that settle it.
_K8S_SETTLED_BY = {
    "FailedScheduling": {"Scheduled"}, "FailedAttachVolume": {"SuccessfulAttachVolume"},
    "FailedMount": {"Started"}, "ErrImagePull": {"Pulled"}, "ImagePullBackOff": {"Pulled"},
    "FailedCreate": {"SuccessfulCreate"}, "Failed": {"Pulled", "Started"},
}  # fmt: skip
_K8S_BAD_REASONS = frozenset(
    {"OOMKilled", "CrashLoopBackOff", "BackOff", "Failed", "FailedScheduling", "FailedMount",
     "FailedAttachVolume", "ImagePullBackOff", "ErrImagePull", "Evicted", "FailedCreate",
     "NodeNotReady", "FailedKillPod", "OutOfmemory", "FreeDiskSpaceFailed", "SystemOOM"}
)  # fmt: skip
# smartd: a disk with sectors it cannot read (pending reallocation, or uncorrectable offline).
UNREADABLE_SECTORS = r"\b[1-9]\d* (?:Currently unreadable \(pending\)|Offline uncorrectable) sectors\b"
# A RAID controller whose cache battery or capacitor failed: it turns its write cache off.
CACHE_BATTERY_FAILED = (
    r"cache disabled due to (?:a )?(?:failed|missing|low) (?:backup power|battery|capacitor)|"
    r"battery(?:/capacitor)? (?:status: )?failed|storage battery failure|\bBBU\b.{0,40}\b(?:failed|missing)\b"
)
# Lines that carry no level (syslog, journald, kernel, `kubectl describe`, CI output) are judged by
# what they say: words of failure make an error, words of trouble a warning; counts of zero
# ("0 failed", "errors=0") say the opposite and are taken out first.
_FAILURE = re.compile(
    r"(?<!perhaps )out of memory|killed process \d+|oom[-_ ]?kill\w*|segfault|"
    # lighttpd's gateway (no level): its FastCGI/proxy backends saturated or gone.
    r"backend is overloaded|all handlers for .{0,120} are down|establishing connection failed|"
    r"\b500 OOPS: |"  # vsftpd's fatal refusal, said to the client and logged without a level
    r"^ORA-\d{5}\b|"  # an Oracle error heading its own lines in the alert log
    r"\(\d+-\d+\) \(!!\)|"  # amavis marks its errors (!!) and its warnings (!)
    r"failed to (?:start|open|bind|connect|"
    r"mount|create|load|read|write|resolve)|failed with result|start request repeated too quickly|"
    r"main process exited, code=(?:exited|killed|dumped)|address already in use|eaddrinuse|"
    r"permission denied|no space left on device|cannot allocate memory|crashloopbackoff|"
    r"back-off restarting|exit code:\s*(?:1|2|126|127|137|139|143)\b|errimagepull|imagepullbackoff|"
    r"failedscheduling|failedmount|connection refused|traceback \(most recent|\bfatal\b|"
    r"(?<!don't )(?<!do not )\bpanic\b|"
    r"not responding|stale file handle|estale|hung task|blocked for more than|is sealed|"
    r"used before issued|clock skew|not synchroni[sz]ed|no selectable sources|time jumped|"
    r"resource alarm|memory alarm|reached (?:the )?(?:pm\.)?max_?\w*|\blimit reached\b|no inodes|"
    r"\b(?:table|disk|queue|quota) (?:is )?full\b|\bdropp(?:ing|ed) (?:packet|connection)s?\b|"
    r"\bi/o error\b|input/output error|corrupt(?:ed|ion)\b|unreachable|unhandled exception|"
    + UNREADABLE_SECTORS
    + "|"
    + CACHE_BATTERY_FAILED
    + "|"
    # An NVIDIA GPU's own error report, Lustre's client errors, FFmpeg without its hardware device.
    r"\bNVRM: Xid \(|\bLustreError:|No VA display found|Device creation failed|"
    # A mail loop, a license bound to another host, a port shut for a BPDU, the system's file limit.
    r"Hop count exceeded|Wrong hostid|%SPANTREE-2-BLOCK_BPDUGUARD|%PM-4-ERR_DISABLE|too many open files|"
    # Refusals for ownership, modes or integrity: cron, sshd's StrictModes, go's checksum database.
    r"wrong file owner|bad (?:file )?(?:owner(?:ship)?|mode)s?\b|insecure (?:mode|permissions)|"
    r"checksum mismatch|\bsecurity error\b|^npm (?:ERR!|error)\b|"
    r"^\w+: Error \d{3,5}\b|"  # MySQL's clients: "mysqldump: Error 2013: Lost connection ..."
    r"\bNO_PROPOSAL_CHOSEN\b|\bN\(NO_PROP\)|\bNO_PUBKEY\b|exec format error|failed at step [a-z_]+ spawning|"
    r"failed to set up mount namespacing|listen queue of socket .{0,80}full|NOAUTH Authentication required|"
    r"loops back to myself|form a cycle:?$|\bRefusing\.$|failed to parse calendar specification|"
    r"exceeds sanity limit|duplicate UUID|CURLE_COULDNT_RESOLVE_HOST|missing rollover_alias|"
    r"apparently in use by the system|unable to resolve host|Unable to satisfy constraints on package|"
    r"Database schema must be updated|unable to setup NETLOGON credentials|"
    r"Cannot find any appendable volumes|"
    r"\bError \[ERR_[A-Z_]+\]|invalid request block size|"
    # An exception a program logged without a level (Drupal's syslog lines, PHP's error_log):
    # "UnexpectedValueException: The provided host name ...", a class name and its message.
    r"(?-i:\b[A-Z]\w+Exception: \S)|"
    # Ruby's uncaught exception: "file.rb:57:in `method': message (Class)" or "...: Class" (the
    # path itself is taken out before this is matched).
    r":\d+:in [`'][^']*': (?:.*\([A-Z][\w:]*\)$|[A-Z][\w:]*(?:Error|Exception)\b)",
    re.IGNORECASE,
)
# Words of trouble in general: a warning, which counts only where it names a cause (causes.py).
_WARNING_HINT = re.compile(
    r"\(\d+-\d+\) \(!\)|"  # amavis's warning mark
    r"\b(?:fail(?:ed|ure|ures|s)?|errors?|crash(?:ed|es)?|abort(?:ed)?|refused|denied|exhausted|exceeded|"
    r"overflow|killed|expired|cannot|can't|could not|couldn't|unable to|not ready|unhealthy|"
    r"deprecat\w*|retry(?:ing)?|slow|degraded|high|throttl\w*|timed out|timeout|lagging|backlog|"
    r"evict\w*|rejected|lost)\b",
    re.I,
)
_NEGATED = re.compile(
    r"\b(?:0|no|zero|without)\s+(?:\w+\s+)?(?:errors?|failures?|failed|faults?|dropped)\b|"
    r"\b(?:errors?|failures?|failed|fails|dropped|timeouts?|crashes|restarts|faults?|unreachable)[\s\w]{0,12}?[=:]\s*0(?![\d.])|"
    r"[\w ]{0,40}=\s*0(?![\d.])|"  # any counter at zero: "waited due a Worker queue full = 0"
    r"\bnon-?fatal\b|"  # Bacula's "Non-fatal FD errors: 0"
    r"\bhigh[- ]performance\b|"  # nginx's unit: "A high performance web server"
    r"\[unreachable poller #\d+\]|"  # Zabbix's process names
    r"\bfail(?:ed|ure)?[_-]\w+|\w+[_-]fail(?:ed|ure)?\b|"  # fail_timeout, failed_jobs, on-failure: names
    r"\berror[_.-]\w+|\w+[_.-]errors?\b|"  # error_log, error.html, gpg-error: names, not events
    r"(?<!\w)/[\w./-]+|"  # paths name files, not what happened to them
    r"\b[\w-]+(?:\.[\w-]+)+/[\w./:-]+|"  # node.kubernetes.io/unreachable:NoExecute names a taint
    r"\b[a-z]\w*(?:\.[a-z]\w*)+\b",  # session.timeout.ms, error.log, o.a.k.Consumer: names, not events
    re.I,
)
# sshd and PAM: authentication failures are an attacker's noise (warnings); what matters is a
# success after them (logs/security.py).
_AUTH_FAILURE = re.compile(
    r"\b(?:Failed (?:password|publickey|none|keyboard-interactive)|Invalid user|authentication failure|"
    r"Connection closed by (?:invalid|authenticating) user|maximum authentication attempts exceeded|"
    r"Disconnected from (?:invalid|authenticating) user)\b",
    re.I,
)


# fail2ban's "[jail] Ban 10.20.0.5": a private address banned (matched case-insensitively).
BANNED_PRIVATE_ADDRESS = r"\] ban (?:10\.|192\.168\.|172\.(?:1[6-9]|2\d|3[01])\.)"


# Problems whatever level the program gave them: PostgreSQL writes lock waits and too-frequent
# checkpoints at LOG, the kubelet evicts pods at Info, Logstash retries writes Elasticsearch
# refuses (a full disk) at INFO, some daemons log the OOM killer at notice.
# Limits and refusals said at INFO, and definite causes wherever they appear (causes.py): ActiveMQ
# blocking producers at its store limit, a CronJob run skipped behind a hung one, Exim refusing a
# looping message, Spamhaus refusing the query (a public resolver, a limit).
LIMITS_SAID_CALMLY = (
    r"(?:persistent|temp(?:orary)?) store is full|usage manager (?:memory|store|temp) limit reached|"
    r"prior execution is running and concurrency policy is Forbid|too many \"received\" headers|"
    r"returned 127\.255\.255\.25[2-5]\b"
)
_ALWAYS_A_PROBLEM = re.compile(
    r"still waiting for \w*Lock|deadlock detected|checkpoints are occurring too frequently|"
    + LIMITS_SAID_CALMLY
    + "|"
    # Said as Normal events: a pending pod no node group may grow for; a pod evicted by a higher one.
    r"didn't trigger scale-up|Preempted by (?:pod )?\S+ on node|"
    r"(?<!perhaps )out of memory|killed process \d+|(?<!msg=\")Evicting pod|must evict pod|low on resource|"
    r"flood.stage watermark|read-only-allow-delete|cluster_block_exception|clock wrong by|"
    r"validation failure <|signature expired|Server \S+/\S+ is DOWN\b|"
    # OpenDKIM refuses a signing key others can read, at info level: nothing is signed.
    r"key data is not secure|"
    # auditd acting on its own full disk: it takes the host to single-user mode, at info level.
    r"changing the system to single user mode|audit daemon is low on disk space|"
    # G1 failing to evacuate, and the full collections that follow (the GC log says info)
    r"To-space exhausted|Pause Full \(G1 Compaction Pause\)|"
    # BIND gives up refreshing a zone from its primary at info level: the zone will expire.
    r"retry limit for (?:primary|master) \S+ exceeded|"
    # A host firewall dropping VRRP/CARP adverts (IP protocol 112): a failover pair's split brain.
    r"(?:\b|_)(?:drop|reject|block|deny)\w*\]?:? IN=\S* OUT=.{0,300}\bPROTO=(?:112|VRRP|CARP)\b|"
    # Limits a daemon reports at info level: a unit's pids limit, an address claimed twice, a
    # job waiting for a label no agent has, a cluster's shard limit, a broken rule join.
    r"fork rejected by pids controller|\bflip flop\b|There are no nodes with the label|"
    r"maximum shards open|many-to-many matching not allowed|out-of-data-space|kvno \d+ not found in keytab|"
    r"delivery acknowledgement (?:on channel \d+ )?timed out|"
    # A Terraform plan that deletes something (a replacement deletes, then creates).
    r"^Plan: \d+ to add, \d+ to change, [1-9]\d* to destroy\b|"
    # Galera (at Note level): this node fell out of the primary component and refuses queries.
    r"Received NON-PRIMARY|New COMPONENT: primary = no|"
    # Zabbix: a cache too small for the work, said at no level at all.
    r"please increase \w+ configuration parameter|working in low memory mode|"
    # A Kafka consumer whose committed offset is gone (retention deleted it): it jumps, at INFO.
    r"is out of range for partition|"
    # MongoDB logs a login for a user it does not know at I(nfo).
    r"UserNotFound: Could not find user|"
    # Elasticsearch's health turning yellow or red is said at INFO: replicas or primaries unassigned.
    r"Cluster health status changed from \[\w+\] to \[(?:YELLOW|RED)\]|"
    # dnsmasq at its concurrent-query limit (no level): its upstream is not answering.
    r"Maximum number of concurrent DNS queries reached|"
    # ntpd stepping the clock by a hundred seconds or more (said at info): everything time-bound breaks.
    r"time stepped by -?\d{3,}(?:\.\d+)?\b|\bclock_step -?\d{3,}|"
    # qmail deferring for DNS, supervisord unable to start a program, spamd at its child limit:
    # all said at info or with no level.
    r"lookup[_ ]failed[_ ]temporarily|spawnerr: can't find command|reached --max-children setting|"
    # FRR's bgpd closing a session at its prefix limit (no level).
    r"%MAXPFXEXCEED|Maximum-prefix overflow|"
    # rsyncd turning a client away at its connection limit (no level).
    r"max connections \(\d+\) reached|"
    # NUT's upsmon shutting the machine down (said as plain lines).
    r"Executing automatic power-fail shutdown|set FSD on UPS|"
    # A Splunk forwarder at its throughput cap (said at INFO): data arrives late.
    r"has reached maxKBps|"
    # Pacemaker leaving a resource alone in maintenance mode (at info): no failover, no promotion.
    r"is unmanaged \(maintenance-mode=true\)|"
    # tinyproxy refusing a request by its filter (at notice).
    r"Proxying refused on filtered domain|"
    # Slurm: jobs that cannot start because the nodes they need are unavailable (said at info).
    r"pending: ReqNodeNotAvail|"
    # Zeek's notice log: the sensor misses packets (no level in its TSV).
    r"CaptureLoss::Too_Much_Loss|"
    # NATS cuts off a client that cannot keep up, at INF in many versions.
    r"Slow Consumer Detected|"
    # Certbot tells the user why a renewal failed in a DEBUG "Notifying user:" block.
    r"Certbot failed to authenticate some domains|"
    # keepalived (no level): another VRRP pair on the segment uses this instance's VRID.
    r"ip address associated with VRID \d+ not present in (?:MASTER )?advert|bogus VRRP packet received|"
    # The kernel and systemd at their own levels, about limits that lose work or refuse it.
    r"apparmor=\"DENIED\"|neighbou?r table overflow|Suppressed \d+ messages from|"
    r"Invalidating snapshot|index full, reach max htree level|is not allowed to talk to us|"
    # Said at info level, yet a refusal: the KDC without the key type a service needs, an HTTP/1
    # client answered in HTTP/2 (a gRPC port), Quartz's cluster manager taking over a live instance,
    # a producer blocked by the broker's memory limit, an MQTT client id taken over, SELinux refusing.
    r"KDC has no support for encryption type|malformed HTTP response|"
    r"still active but was recovered by another|"
    r"Usage Manager Memory Limit reached|already connected, closing old connection|avc:\s+denied|"
    # ZooKeeper without autopurge, RocksDB without auto compactions, an NFSv4 name that does not
    # map, an F5 monitor sending HTTP/1.1 without a Host header.
    r"Purge task is not scheduled|disable_auto_compactions: 1|does not map into domain|"
    # ASP.NET Core ignoring X-Forwarded-For from a proxy it does not know (at debug level), and a
    # service that says, at info, that it runs with a developer's settings.
    r"ForwardedHeadersMiddleware\S* Unknown proxy|"
    r"connect\.session\(\) MemoryStore is not|"
    # CUPS stopping a queue (ErrorPolicy stop-printer), said at I(nfo).
    r"Printer stopped due to backend errors|"
    # sshd refusing a client's key for its SHA-1 signature, at info level.
    r"signature algorithm \S+ not in PubkeyAcceptedAlgorithms|"
    # BIND's dnssec-policy waiting for a DS the parent never publishes (a rollover stuck), at info.
    r"checkds: DS for key .{0,120}not published|"
    # OpenLDAP refusing a consumer whose cookie is newer than its own data (a provider restored).
    r"consumer state is newer than provider|"
    # A session-replication receiver bound to loopback, a Gateway API backend reference refused,
    # Corosync's quorum gone: said at info or notice.
    r"Receiver Server Socket bound to:\[/127\.|RefNotPermitted|node lost quorum|"
    r"within the non-primary component and will NOT provide any services|"
    r"(?:active environments|profiles? (?:are|is) active)[^\n]{0,40}\b(?:dev|development|local)\b|"
    r"send \"GET [^\"]*HTTP/1\.1(?:\\r\\n)+\"|"
    # Said calmly, yet the end of something: a machine booted without its metadata, a test token
    # used in production, a resolver without upstreams, a DHCP name or lease refused, a failover
    # peer gone, a backup waiting for a confirmation or a volume, a second host under one name, a
    # udev rule ignored, DNSSEC refused, a Windows service that no longer starts with the machine.
    r"Used fallback datasource|Datasource DataSourceNone|not set, defaulting to|"
    r"no servers found in \S*resolv\.conf|not giving name .{0,120} because the name exists|"
    r"peer holds all free leases|move from normal to communications-interrupted|"
    r"was previously located at|Repository access aborted|Cannot find any appendable volumes|"
    r"Value too old|Unknown group '[^']*', ignoring|DNSSEC validation failed|"
    r"start type of the .{0,80} service was changed from auto start|"
    # pfSense's dhcpleases restarting the resolver for a lease (counts only when it repeats).
    r"Sending HUP signal to dns daemon|"
    # Said at info level, yet why work stops: a DAG at its run limit, a model server without its GPU,
    # notebooks culled after minutes, a broker listening on localhost only, a YARN queue out of
    # ApplicationMaster room, a reservation taking nodes.
    r"is at \(or above\) max_active_runs|cuda\.is_available\(\)\s*=\s*False|"
    r"Culling server \S+ \(inactive for 00:[0-5]\d:\d\d\)|Starting in local only mode|"
    r"Not activating application .{0,120}exceeds amLimit|Created reservation=\S+|"
    # ... and a mesh's policy refusing a request, a pipeline paused, an optimize run on a live
    # index, partitions dropped by a retention setting, a bridge without its public address, a
    # meeting recorded without marks, a payment gateway in its sandbox.
    r"linkerd_app_inbound::policy::\w+: Request denied|Skipping scheduling of paused pipeline|"
    r"\boptimize=true\b|dropping partition .{0,200}outside -retentionPeriod|"
    r"Discarding a mapping harvester with no public address|no recording marks for|\benvironment=sandbox\b|"
    # ... a primary down with failover off, a broker blocking producers, a UPS sending the system to
    # its safe mode, a workflow switched off.
    r": master_down\.|AMQ222183: Blocking message production|will enter Safe Mode because the UPS|"
    r"Deactivated workflow \"|"
    # A controller that leaves an object alone for a reason it states, at info or debug level: an
    # Ingress ignored for its class, a DNS record skipped for its owner. Nothing else says why.
    r"\b(?:Ignoring|Skipping) (?:ingress|endpoint|record|resource|object)\b.{0,200}?\bbecause "
    r"(?:of error|owner id does not match|.{0,60}\b(?:invalid|not valid|mismatch|does not match))|"
    + BANNED_PRIVATE_ADDRESS,
    # fail2ban banning an internal address: the load balancer or proxy in front of the server.
    re.IGNORECASE,
)
_QUICK_ALWAYS_A_PROBLEM = Alternatives(_ALWAYS_A_PROBLEM)


# A JVM's collector taking half the time or more: Elasticsearch says it at INFO from a quarter
# (a busy node) and at WARN from half; a program that never levels it gets the same line.
_GC_OVERHEAD = re.compile(r"overhead, spent \[([\d.]+)(m?s)\] collecting in the last \[([\d.]+)(m?s)\]")


def _gc_overhead_heavy(text: str) -> bool:
    match = _GC_OVERHEAD.search(text)
    if match is None:
        return False
    spent = float(match[1]) / (1000 if match[2] == "ms" else 1)
    window = float(match[3]) / (1000 if match[4] == "ms" else 1)
    return window > 0 and spent / window >= 0.5


@remember_short(4096)
def _always_a_problem(text: str) -> bool:
    return _QUICK_ALWAYS_A_PROBLEM.found_in(text) or _gc_overhead_heavy(text)


# PostgreSQL's vacuum report (its own line or one below its LOG line) when it could remove almost
# nothing of many dead rows: something holds the oldest transaction id back.
_HELD_BACK = re.compile(r"\b\d{6,} are dead but not yet removable")


# A table's header row ("Task Group  Desired  Placed  Healthy  Unhealthy"): column names laid out
# in columns (two spaces or more between some), not events.
_HEADER_ROW = re.compile(r"^(?=(?:.*?\S {2,}){3})(?:[A-Z][A-Za-z]*\s+){4,}[A-Z][A-Za-z]*$")


_MQ_MESSAGE = re.compile(r"^AMQ\d{4}([EISW]):")


_QUICK_AUTH_FAILURE, _QUICK_NEGATED = Alternatives(_AUTH_FAILURE), Alternatives(_NEGATED)
_QUICK_FAILURE, _QUICK_WARNING_HINT = Alternatives(_FAILURE), Alternatives(_WARNING_HINT)


def unlevelled_level(text: str) -> str:
    """The level a line without a written level deserves by what it says."""
    if _HEADER_ROW.match(text.strip()):
        return "info"
    if mq := _MQ_MESSAGE.match(text.strip()):  # IBM MQ: the letter after the number is the severity
        return {"E": "error", "S": "critical", "W": "warning"}.get(mq[1], "info")
    if _QUICK_AUTH_FAILURE.found_in(text):
        return "warning"
    cleaned = _NEGATED.sub(" ", text) if _QUICK_NEGATED.found_in(text) else text
    if _QUICK_FAILURE.found_in(cleaned):
        return "error"
    if _QUICK_WARNING_HINT.found_in(cleaned):
        return "warning"
    return "info"


_JSON_DETAIL = (
    "error", "err", "exception", "exc", "reason", "detail", "error_message", "cause",
    "errorInfo", "error_info",  # Firebase's admin SDK
)  # fmt: skip
HEALTH_PATH = re.compile(r"^/(?:health\w*|healthz|readyz|livez|ready|live|ping|status|metrics)\b", re.I)
_MESSAGE_GOES_ON = re.compile(r"^[A-Z][\w ]{0,60}:$")
_PY_EXCEPTION = re.compile(
    r"^(?P<type>[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt))(?::\s?(?P<msg>.*))?$"
)
_DASK_EXCEPTION = re.compile(r"^Exception: [\"']?(?P<type>[A-Z]\w*(?:Error|Exception|Exit|Interrupt))\(")
_DASK_FIELD = re.compile(r"^(?:Key|State|Task|Function|args|kwargs|Exception|Traceback):\s")
_THROWN = re.compile(
    r"^(?:Unhandled exception\. )?(?:(?:System|Microsoft)(?:\.[A-Z]\w*)*\.|(?:[a-z]\w*\.)+)"
    r"[A-Z]\w*(?:Exception|Error)(?::\s|$)"
)
_JAVA_EXCEPTION = re.compile(
    r"(?:Exception in thread \"[^\"]*\" |Unhandled exception\. )?"
    r"(?P<type>(?:(?:System|Microsoft)(?:\.[A-Z]\w*)*\.|(?:[a-z]\w*\.)+)[A-Z]\w*(?:Exception|Error))"
    r"(?::\s?(?P<msg>.*))?"
)


@dataclass
class LogEntry:
    line_no: int
    text: str
    timestamp: dt.datetime | None = None
    level: str = "info"
    message: str = ""
    extra_lines: list[str] = field(default_factory=list)
    exception_type: str | None = None
    root_exception: str | None = None  # the innermost "Caused by" of a chain
    level_written: bool = False  # the line states its level (a DEBUG line naming an exception is no error)
    exception_line: str | None = None  # "Type: message" of that innermost exception
    status: int | None = None  # HTTP status of an access-log line
    health_check: bool = False  # an access-log line for /health, /healthz, /ready...
    event: tuple[str, str] | None = None  # a Kubernetes event's (reason, kind/name)

    @property
    def is_error(self) -> bool:
        return self.level in ("error", "critical")

    @property
    def full_text(self) -> str:
        return "\n".join([self.text, *self.extra_lines])


_RECORD_RULE = re.compile(r"^-{20,}\s*$")
_RECORD_FIELD = re.compile(r"^(?P<key>[A-Z][\w ]{0,30}?)\s+= (?P<value>.*)$")
_RECORD_LEVELS = {
    "informational": "INFO",
    "info": "INFO",
    "ok": "INFO",
    "warning": "WARNING",
    "critical": "CRITICAL",
}


# Db2's db2diag.log: a record per event, its header "2024-05-14-11.02.17.831164+000 E43810E699
# LEVEL: Error" (the offset in minutes), then "KEY : value" lines, MESSAGE among them, and lines
# of data below, up to a blank line.
_DB2_HEADER = re.compile(
    r"^(?P<date>\d{4}-\d\d-\d\d)-(?P<h>\d\d)\.(?P<m>\d\d)\.(?P<s>\d\d\.\d+)(?P<sign>[+-])(?P<offset>\d{3}) "
    r"\S+\s+LEVEL: (?P<level>\w+)"
)
_DB2_FIELD = re.compile(r"^(?P<key>[A-Z][A-Z ]{1,8}?)\s*: (?P<value>.*)$")


def _fold_db2diag(numbered: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """db2diag.log records as one line each: "<ISO time> <LEVEL> <MESSAGE> (application handle
    <APPHDL>)", the lines of data below MESSAGE kept after it."""
    if sum(1 for _, line in numbered if _DB2_HEADER.match(line)) < 2:
        return numbered
    folded: list[tuple[int, str]] = []
    header: re.Match[str] | None = None
    fields: dict[str, str] = {}
    said: list[str] = []
    start = 0

    def close() -> None:
        if header is not None:
            offset = int(header["offset"])
            when = (
                f"{header['date']}T{header['h']}:{header['m']}:{header['s']}"
                f"{header['sign']}{offset // 60:02d}:{offset % 60:02d}"
            )
            handle = f" (application handle {fields['APPHDL']})" if fields.get("APPHDL") else ""
            message = " ".join([fields.get("MESSAGE", ""), *said]).strip() or fields.get("FUNCTION", "")
            folded.append((start, f"{when} {header['level'].upper()} {message}{handle}"))

    for number, line in numbered:
        if match := _DB2_HEADER.match(line):
            close()
            header, fields, said, start = match, {}, [], number
        elif header is not None and line.strip():
            if (field := _DB2_FIELD.match(line)) and "MESSAGE" not in fields:
                # "PID : 4122   TID : 140155   PROC : db2sysc 0": the first key names the line
                fields[field["key"].strip()] = re.split(r"\s{2,}\S+\s*:", field["value"])[0].strip()
            elif "MESSAGE" in fields:
                said.append(line.strip())
        elif header is not None:
            close()
            header = None
        else:
            folded.append((number, line))
    close()
    return folded


def _fold_records(lines: list[str]) -> list[tuple[int, str]]:
    """Numbered lines; a Dell iDRAC/racadm log (records of "Key = value" lines between rules of
    dashes) becomes one line per record: "<Timestamp> <SEVERITY> <Message ID>: <Message> (<FQDD>)";
    so does a Db2 db2diag.log (`_fold_db2diag`)."""
    numbered = _fold_db2diag(list(enumerate(lines, start=1)))
    if sum(1 for line in lines if line.startswith("Severity ") and _RECORD_FIELD.match(line)) < 2:
        return numbered
    folded: list[tuple[int, str]] = []
    record: dict[str, str] = {}
    start = 0
    for number, line in [*numbered, (len(lines) + 1, "-" * 20)]:
        field = _RECORD_FIELD.match(line.rstrip())
        if field:
            record.setdefault(field["key"], field["value"].strip())
            start = start or number
        elif _RECORD_RULE.match(line) or not line.strip():
            if "Message" in record:
                level = _RECORD_LEVELS.get(record.get("Severity", "").lower(), "INFO")
                where = f" ({record['FQDD']})" if record.get("FQDD") else ""
                said = f"{record.get('Message ID', '')}: {record['Message']}".lstrip(": ")
                folded.append((start, f"{record.get('Timestamp', '')} {level} {said}{where}".strip()))
            record, start = {}, 0
        else:
            folded.append((number, line))
    return folded


# `kubectl logs --prefix` (several pods' logs in one): "[pod/web-6f9c-2kq7x/web] " before each line.
_POD_PREFIX = re.compile(r"^\[pod/[^/\]\s]+/[^\]\s]+\] ?")


def _without_pod_prefix(lines: list[str]) -> list[str]:
    """The lines without kubectl's pod prefix when most lines carry one: the same message from
    two pods is one template, and a stack trace's indented lines follow their first line."""
    if sum(1 for line in lines if _POD_PREFIX.match(line)) * 2 < len(lines):
        return lines
    return [_POD_PREFIX.sub("", line, count=1) for line in lines]


def _without_legend(lines: list[str]) -> list[str]:
    """A Windows DHCP server's audit log opens with a legend of its event ids ("14  A lease request
    could not be satisfied because the scope's address pool was exhausted."): words, not events.
    The legend ends at the CSV header; blank lines keep the numbering."""
    for index, line in enumerate(lines[:80]):
        if line.startswith("ID,Date,Time,Description"):
            return [""] * (index + 1) + lines[index + 1 :]
    return lines


def parse_lines(lines: list[str], year: int | None = None) -> list[LogEntry]:
    entries: list[LogEntry] = []
    for number, raw in _fold_records(_without_pod_prefix(_without_legend(lines))):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        if entries and _continues(entries[-1], line):
            continue
        entries.append(_parse(number, line, year))
    _second_reading(entries)
    _carry_time(entries)
    return entries


def _continues(previous: LogEntry, line: str) -> bool:
    """Whether `line` belongs to the entry before it (a trace, an exception's message, a report's
    own lines), in which case it is added to it (or, for what only explains it, dropped)."""
    if not line.startswith("{") and _CONTINUATION.match(line) and _belongs(previous, line):
        previous.extra_lines.append(line)
        return True
    if _continues_tagged(previous, line):
        # Rails: "FATAL -- : [request-id]" alone, then "[request-id] Error (message)" lines.
        previous.extra_lines.append(line)
        return True
    if previous.extra_lines and _PY_EXCEPTION.match(line.strip()):
        # The last line of a Python traceback names the exception.
        previous.extra_lines.append(line)
        return True
    if (
        previous.extra_lines
        and _PY_EXCEPTION.match(previous.extra_lines[-1].strip())
        and _MESSAGE_GOES_ON.match(line)
    ):
        # An exception message on several lines (azure-identity's "Attempted credentials:" and
        # one indented line per credential): the reason is in those lines.
        previous.extra_lines.append(line)
        return True
    if _answer_body(previous, line):
        # Fluent Bit and HTTP clients: "HTTP status=400 ..., response:" then the server's JSON.
        previous.extra_lines.append(line)
        return True
    if _explains_mssql_error(previous, line):
        return True
    if _DASK_FIELD.match(line) and "Compute Failed" in previous.text:
        # Dask's failed task: its key, state, exception and traceback on lines of their own.
        previous.extra_lines.append(line)
        return True
    if previous.level in ("error", "critical") and _ES_BOOTSTRAP.match(line):
        # Elasticsearch's failed bootstrap checks, each on a line of its own under the exception.
        previous.extra_lines.append(line)
        return True
    if previous.level in ("warning", "error", "critical") and _THROWN.match(line):
        # Logback and log4j print the exception on the line after the message, unindented.
        previous.extra_lines.append(line)
        return True
    return False


def _second_reading(entries: list[LogEntry]) -> None:
    """What a line means beside the others: problems whatever their level, failures settled by a
    later success, refused requests, ignored failures, exceptions raised."""
    for entry in entries:
        if entry.level in ("debug", "info") and (
            _always_a_problem(entry.text) or _HELD_BACK.search(entry.full_text)
        ):
            entry.level = "warning"
            entry.message = "WARNING " + re.sub(r"^(?:INFO|DEBUG) ", "", entry.message)
    _settle_events(entries)
    for entry in entries:
        if entry.status is None and (answered := _KV_REQUEST.search(entry.text)):
            # A server's own log of a request it refused (Nomad's "request failed: method=GET
            # path=/v1/... code=403"): a client's error, as an access line's 4xx is.
            entry.status = int(answered["status"])
            entry.level = "warning"
    for index, entry in enumerate(entries):
        if entry.text.strip() == "...ignoring":  # Ansible: the failures just above were ignored
            for failed in reversed(entries[:index]):
                if not failed.text.startswith(("fatal: [", "failed: [")):
                    break
                failed.level, failed.level_written = "info", True
    for entry in entries:
        entry.exception_type = _exception_type(entry)
        entry.root_exception = _root_exception(entry) or entry.exception_type
        entry.exception_line = _exception_line(entry)
        thrown = bool(entry.extra_lines) or not entry.level_written
        # A peer that hung up, logged by the program as a warning, stays one (a cluster member
        # leaving, a client closing its connection).
        hung_up = entry.level == "warning" and _HUNG_UP.search(entry.exception_line or "")
        if entry.exception_type and thrown and not hung_up and entry.level not in ("error", "critical"):
            entry.level = "error"


_HUNG_UP = re.compile(r"connection reset by peer|broken pipe|ClosedChannelException|EOFException", re.I)


def _answer_body(previous: LogEntry, line: str) -> bool:
    """A JSON body on the line after a problem that announces it (`response:`), not an entry."""
    return (
        line.startswith("{")
        and not previous.extra_lines
        and previous.level in ("warning", "error", "critical")
        and previous.text.rstrip().endswith(":")
    )


def _carry_time(entries: list[LogEntry]) -> None:
    """A line without a time of its own (a program's stderr inside a PostgreSQL log, a shell
    step's output in a CI log) happened after the last line that had one: it takes that time,
    so "first to appear" and time windows place it where it happened."""
    last: dt.datetime | None = None
    for entry in entries:
        if entry.timestamp is None:
            entry.timestamp = last
        else:
            last = entry.timestamp


_FRAME_LINE = re.compile(r"^\s+(?:at |File \"|\.\.\. |[\w$.<>/]+\(|[\w./-]+\.\w+:\d+|\^|~)")


_REPORT_FIELD = re.compile(r"^\s+[A-Z][\w .-]{0,40}:(?:\s|$)")
_REPORT_ROW = re.compile(r"^\s+(?:Normal|Warning)\s{2,}\S")


def _belongs(previous: LogEntry, line: str) -> bool:
    """An indented line continues the entry before it when that entry is a problem or a trace
    already ("Traceback...", "\tat ...", a wrapped error message). Indented lines of a report
    (`kubectl describe`, YAML) are entries of their own, so each can say what it says."""
    if not line[:1].isspace():
        return True  # "Caused by:", "Traceback (most recent call last):", "goroutine 1 [": trace markers
    if _FRAME_LINE.match(line):
        return True
    if _DOTNET.match(previous.text) and not previous.extra_lines and previous.level != "debug":
        return True  # ASP.NET Core's console logger writes the message under its category line
    if previous.extra_lines and any(_MESSAGE_GOES_ON.match(x) for x in previous.extra_lines[-8:]):
        return True  # the indented items of an exception message ("Attempted credentials:")
    if _REPORT_FIELD.match(line) or _REPORT_ROW.match(line):
        return False  # "  Reason:  OOMKilled", "  Warning  BackOff  2m  kubelet ...": a report's own lines
    return bool(previous.extra_lines) or previous.level in ("error", "critical")


# What a person pasted around the log: a shell prompt's command, a note or a heading ("# Icinga
# Web > Problems (38 CRITICAL)"). Not an event, whatever words it quotes. (MySQL's slow log
# writes "# Time: ...", "# Query_time: ...": fields, which stay events.)
_PASTED_NOTE = re.compile(r"^(?:\$ \S|#{1,3} (?![\w@]+:)(?!\d{4}-\d{2}-\d{2}T))")  # pt-kill: "# <time> ..."


def _parse(number: int, line: str, year: int | None) -> LogEntry:
    if _PASTED_NOTE.match(line):
        return LogEntry(line_no=number, text=line, message=line, level="info", level_written=True)
    if (inner := _unwrapped(number, line, year)) is not None:
        return inner
    entry = LogEntry(line_no=number, text=line, message=line)
    stripped = line.strip()
    if stripped.startswith("{") and (structured := _read_json(entry, stripped, number, year)) is not None:
        return structured
    pairs = _logfmt(stripped) if "=" in stripped and stripped[:1].isalpha() else None
    if pairs is not None:
        _read_logfmt(entry, pairs)
        return entry
    for pattern, read in _LINE_FORMATS:
        if found := pattern.match(line):
            read(entry, found, line, year)
            return entry
    syslog = _SYSLOG.match(line)
    if syslog and _ACCESS.match(syslog["msg"]):  # an access log sent through syslog (nginx, varnishncsa)
        inner = _parse(number, syslog["msg"], year)
        inner.text = line
        return inner
    klog = _KLOG.search(syslog["msg"] if syslog else line)
    if klog:  # journald's prefix, if any, says less than klog's own level
        entry.timestamp = (
            _syslog_time(syslog["ts"], year) if syslog else _klog_time(klog["md"], klog["time"], year)
        )
        entry.level_written = True
        entry.level = _KLOG_LEVELS[klog["level"]]
        entry.message = " ".join(f"{entry.level.upper()} {klog['msg']}".split())
        return entry
    for pattern, read in _LEVELLED_FORMATS:
        if found := pattern.match(line):
            read(entry, found, line, year)
            return entry
    if _dated(entry, line, syslog, year):
        return entry  # a request line, or a logfmt line in the journal: read whole
    _level_by_words(entry, line, syslog)
    return entry


def _dated(entry: LogEntry, line: str, syslog: re.Match[str] | None, year: int | None) -> bool:
    """The time and message of a line in no format of its own (syslog, a leading date of some
    kind); True when that read it whole (HAProxy's request line, logfmt inside the journal)."""
    slash = _SLASH_TIME.match(line)
    haproxy = _HAPROXY.search(line)
    if haproxy:  # HAProxy's httplog: status, backend/server and termination state say what failed
        entry.timestamp = _syslog_time(syslog["ts"], year) if syslog else None
        server, state = haproxy["server"], haproxy["state"]
        # The backend groups one failure across its servers; "<NOSRV>" (no server took it) stays.
        backend, _, name = server.partition("/")
        where = server if name.startswith("<") else backend
        why = [where] + ([state] if state.strip("-") else []) if int(haproxy["status"]) >= 400 else []
        _request(entry, haproxy["request"], int(haproxy["status"]), why)
        return True
    if syslog:
        entry.timestamp = _syslog_time(syslog["ts"], year)
        entry.message = f"{syslog['proc'].strip()}: {syslog['msg']}"
        said = syslog["msg"].strip()
        if "=" in said and said[:1].isalpha() and (pairs := _logfmt(said)) is not None:
            _read_logfmt(entry, pairs, program=syslog["proc"].strip())  # a Go daemon in the journal
            # The journal's time, as every other line of the file has it (its year is a guess, and
            # one line dated by its own field would sort apart from the rest).
            entry.timestamp = _syslog_time(syslog["ts"], year)
            return True
    elif slash:
        entry.timestamp = _iso(slash["ts"][:10].replace(slash[2], "-") + slash["ts"][10:])
        entry.message = line[slash.end() :].strip(" \t-|:[]")
    else:
        iso = _ISO.search(line[:40])
        if iso:
            entry.timestamp = _iso(iso["ts"])
            entry.message = line[iso.end() :].strip(" \t-|:[]")
        elif us := _US_TIME.search(line[:60]):
            entry.timestamp = _us_time(us)
            entry.message = f"{line[: us.start()]}{line[us.end() :]}".strip(" \t-|:[]")
        elif zabbix := _ZABBIX.match(line):  # "  1024:20240623:090054.474 message"
            with contextlib.suppress(ValueError):
                entry.timestamp = dt.datetime.strptime(zabbix["ts"], "%Y%m%d:%H%M%S").replace(tzinfo=dt.UTC)
            entry.message = zabbix["msg"]
    return False


def _level_by_words(entry: LogEntry, line: str, syslog: re.Match[str] | None) -> None:
    """The level a line writes (a level word, a letter, a mark) or, with none, the one its words
    deserve; kept in the message, so an ERROR and an INFO line never share a template."""
    # Telegraf: "2024-05-14T02:00:11Z D! [inputs.disk] ..."; Gitea: "... cmd/web.go:242:runWeb() [I] ..."
    if bang := _BANG_LEVEL.match(entry.message) or _CALLER_LETTER.match(entry.message):
        entry.level_written = True
        entry.level = _LETTER_LEVELS[bang["level"]]
        said = entry.message[bang.end() :]
        if done := _ROUTER_COMPLETED.match(said):  # Gitea's access line: a request like any other
            _request(entry, f"{done['method']} {done['path']}", int(done["status"]))
            return
        entry.message = " ".join(f"{entry.level.upper()} {said}".split())
        return
    word = _LEVEL_WORD.search((syslog["msg"] if syslog else line)[:200])  # "logrotate: error: ..."
    if word is None:
        entry.level = unlevelled_level(entry.message)
        if entry.level != "info":
            entry.message = f"{entry.level.upper()} {entry.message}"
    if word:
        entry.level_written = True
        name = next(g for g in word.groups() if g)
        entry.level = LEVELS.get(name.lower(), "info")
        if name == "FATAL" and _PG_SESSION_FATAL.search(line):
            entry.level = "error"  # PostgreSQL's FATAL ends one session, not the server (PANIC does)
        if entry.message.upper().startswith(name.upper()):
            entry.message = entry.message[len(name) :].strip(" -|:]")
        # Keep the level in the message: an ERROR and an INFO line never share a template.
        entry.message = f"{entry.level.upper()} {entry.message}"
    if entry.level == "info" and _HUNG_TASK.search(line):
        # The kernel reports hung tasks at KERN_ERR with an "INFO:" prefix.
        entry.level, entry.message = "error", "ERROR " + entry.message.removeprefix("INFO ")
    entry.message = " ".join(entry.message.split())  # column padding is not part of what was said


def _unwrapped(number: int, line: str, year: int | None) -> LogEntry | None:
    """A line inside a wrapper (RFC 5424 syslog, a CRI pod log, `dmesg -T`), read as the line it
    wraps and dated by the wrapper where it has no date of its own; None for an unwrapped line."""
    rfc = _RFC5424.match(line)
    if rfc:  # RFC 5424 syslog: the program's line after the header; PRI's severity is a floor
        inner = _parse(number, f"{rfc['app']}: {rfc['msg']}", year)
        inner.text = line
        inner.timestamp = inner.timestamp or _iso(rfc["ts"])
        said = _SYSLOG_PRIORITIES[int(rfc["pri"]) % 8]
        if said in ("warning", "error", "critical") and _RANK[said] > _RANK[inner.level]:
            inner.level, inner.level_written = said, True
            inner.message = f"{said.upper()} " + re.sub(r"^(?:INFO|DEBUG|WARNING|ERROR) ", "", inner.message)
        return inner
    cri = _CRI.match(line)
    if cri:  # containerd's /var/log/pods files: the container's own line after a prefix
        inner = _parse(number, cri["line"], year)
        inner.text = line
        inner.timestamp = inner.timestamp or _iso(cri["ts"])
        return inner
    dmesg = _DMESG_TIME.match(line)
    if dmesg:  # `dmesg -T`: "[Tue May 14 04:12:33 2024] message"
        inner = _parse(number, dmesg["msg"], year)
        inner.text = line
        with contextlib.suppress(ValueError):  # a date that does not exist keeps the inner line's
            inner.timestamp = dt.datetime.strptime(
                " ".join(dmesg["ts"].split()), "%b %d %H:%M:%S %Y"
            ).replace(tzinfo=dt.UTC)
        return inner
    return None


def _read_json(entry: LogEntry, stripped: str, number: int, year: int | None) -> LogEntry | None:
    """A JSON line: Docker's json-file record (the container's line inside), or a structured log
    line (time, level, message and its detail fields); None when the text is not a JSON object."""
    try:
        data = json.loads(stripped)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("log"), str) and "stream" in data:
        # Docker's json-file driver: {"log": "<the container's line>\n", "stream": ..., "time": ...}
        inner = _parse(number, data["log"].rstrip("\n"), year)
        inner.text = entry.text
        inner.timestamp = inner.timestamp or _json_time(data)
        return inner
    if isinstance(data, dict):
        entry.timestamp = _json_time(data)
        entry.level = _json_level(data)
        entry.message = str(
            next((data[k] for k in _JSON_MESSAGE if isinstance(data.get(k), str) and data[k]), stripped)
        )
        # MongoDB keeps the details of a line under "attr", lager (Concourse, Cloud Foundry) under "data".
        attr = data.get("attr") if isinstance(data.get("attr"), dict) else data.get("data")
        attributes: dict[str, Any] = attr if isinstance(attr, dict) else {}
        detail = next(
            (d for d in (_json_detail(data.get(k) or attributes.get(k)) for k in _JSON_DETAIL) if d), None
        )
        if not detail and entry.level in ("warning", "error", "critical"):
            # "WiredTiger error" says nothing; its attr.message ends with the errno's words.
            detail = _json_detail(attributes.get("message"))
        if detail:  # "failed to store session" says less than its "error" field
            entry.message = f"{entry.message} | {_head_and_tail(detail, 300)}"
        _json_request(entry, data)
        return entry
    return None


def _read_access(entry: LogEntry, access: re.Match[str], line: str, year: int | None) -> None:
    entry.timestamp = dt.datetime.strptime(access["ts"], "%d/%b/%Y:%H:%M:%S %z").astimezone(dt.UTC)
    _request(entry, access["request"], int(access["status"]))


def _read_ganesha(entry: LogEntry, ganesha: re.Match[str], line: str, year: int | None) -> None:
    with contextlib.suppress(ValueError):  # Ganesha writes the date day first (DD/MM/YYYY)
        entry.timestamp = dt.datetime.strptime(
            f"{ganesha['date']} {ganesha['time']}", "%d/%m/%Y %H:%M:%S"
        ).replace(tzinfo=dt.UTC)
    entry.level, entry.level_written = _GANESHA_LEVELS.get(ganesha["level"], "info"), True
    entry.message = f"{entry.level.upper()} {ganesha['msg'].strip()}"


def _read_dhcp(entry: LogEntry, dhcp: re.Match[str], line: str, year: int | None) -> None:
    with contextlib.suppress(ValueError):
        entry.timestamp = dt.datetime.strptime(f"{dhcp['date']} {dhcp['time']}", "%m/%d/%y %H:%M:%S").replace(
            tzinfo=dt.UTC
        )
    entry.level, entry.level_written = _DHCP_AUDIT_PROBLEMS.get(dhcp["id"], "info"), True
    fields = dhcp["rest"].split(",")
    said = ", ".join(f for f in fields[:3] if f)
    entry.message = f"{entry.level.upper()} DHCP {dhcp['id']} {said}"


def _read_nagios_line(entry: LogEntry, nagios: re.Match[str], line: str, year: int | None) -> None:
    entry.timestamp = dt.datetime.fromtimestamp(int(nagios["epoch"]), dt.UTC)
    entry.message = nagios["msg"]
    _level_by_words(entry, nagios["msg"], None)


def _read_qmail(entry: LogEntry, qmail: re.Match[str], line: str, year: int | None) -> None:
    entry.timestamp = _iso(qmail["ts"].replace(" ", "T") + "+00:00")
    entry.level = "info" if qmail["result"] == "success" else "warning"
    entry.level_written = True
    said = qmail["what"].replace("_", " ").rstrip("/")
    entry.message = f"{entry.level.upper()} delivery {qmail['result']}: {said}"


def _read_nagios_alert(entry: LogEntry, alert: re.Match[str], line: str, year: int | None) -> None:
    entry.timestamp = dt.datetime.fromtimestamp(int(alert["epoch"]), dt.UTC)
    failing = "error" if alert["type"] == "HARD" else "warning"  # SOFT: not confirmed yet
    entry.level = _NAGIOS_STATE_LEVELS.get(alert["state"], failing)
    entry.level_written = True
    entry.message = f"{entry.level.upper()} {line[alert.start('kind') :]}"


def _read_gluster(entry: LogEntry, gluster: re.Match[str], line: str, year: int | None) -> None:
    entry.timestamp = _iso(gluster["ts"].replace(" ", "T") + "+00:00")
    entry.level, entry.level_written = _GLUSTER_LEVELS[gluster["level"]], True
    entry.message = f"{entry.level.upper()} {gluster['msg']}"


def _read_splunkd(entry: LogEntry, splunkd: re.Match[str], line: str, year: int | None) -> None:
    entry.timestamp = _iso(f"{splunkd['y']}-{splunkd['m']}-{splunkd['d']}T{splunkd['time']}+00:00")
    entry.level = LEVELS.get(splunkd["level"].lower(), "info")
    entry.level_written = True
    entry.message = f"{entry.level.upper()} {splunkd['msg']}"


def _read_pacemaker(entry: LogEntry, pacemaker: re.Match[str], line: str, year: int | None) -> None:
    entry.timestamp = _syslog_time(" ".join(pacemaker["ts"].split()), year)
    entry.level = LEVELS.get(pacemaker["level"], "info")
    entry.level_written = True
    entry.message = f"{entry.level.upper()} {pacemaker['proc']}: {pacemaker['msg']}"


def _read_tinyproxy(entry: LogEntry, tinyproxy: re.Match[str], line: str, year: int | None) -> None:
    entry.timestamp = _syslog_time(" ".join(tinyproxy["ts"].split()), year)
    entry.level = LEVELS.get(tinyproxy["level"].lower(), "info")  # CONNECT: a client connected
    entry.level_written = True
    entry.message = f"{entry.level.upper()} {tinyproxy['msg']}"


def _read_squid(entry: LogEntry, squid: re.Match[str], line: str, year: int | None) -> None:
    entry.timestamp = dt.datetime.fromtimestamp(float(squid["ts"]), dt.UTC)
    _request(entry, f"{squid['method']} {squid['url']}", int(squid["status"]), [squid["code"]])


def _read_envoy(entry: LogEntry, envoy: re.Match[str], line: str, year: int | None) -> None:
    entry.timestamp = _iso(envoy["ts"])
    # Envoy says why a request failed: response flags (UF, UH, URX ...), the code's details
    # and the upstream transport failure ("TLS_error: ... CERTIFICATE_EXPIRED").
    why = [envoy["flags"], envoy["details"], envoy["failure"]]
    _request(
        entry, envoy["request"], int(envoy["status"]), [w for w in why if w not in ("-", "via_upstream")]
    )


def _read_event(entry: LogEntry, event: re.Match[str], line: str, year: int | None) -> None:
    reason, kind, msg = event["reason"], event["object"], event["msg"]
    obj = kind
    if "/" not in kind and (named := _EVENT_NAME.match(msg)):
        # Custom columns (KIND, NAME, COUNT, MESSAGE): the object is the kind and its name.
        obj, msg = f"{kind.lower()}/{named['name']}", named["rest"]
    entry.level = (
        "error" if reason in _K8S_BAD_REASONS else "warning" if event["type"] == "Warning" else "info"
    )
    entry.message = f"{event['type']} {reason} {kind.split('/')[0]}: {msg}"
    entry.event = (reason, obj)


def _read_redis(entry: LogEntry, redis: re.Match[str], line: str, year: int | None) -> None:
    entry.timestamp = _redis_time(redis["ts"])
    entry.level_written = True
    entry.level = _REDIS_LEVELS[redis["mark"]]
    # "#" is the most Redis says (warning), and some failures come at notice level ("*"):
    # what the line says can only raise it.
    said = unlevelled_level(redis["msg"])
    if entry.level != "debug" and _RANK[said] > _RANK[entry.level]:
        entry.level = said
    entry.message = " ".join(f"{entry.level.upper()} {redis['msg']}".split())


def _read_bind(entry: LogEntry, bind: re.Match[str], line: str, year: int | None) -> None:
    try:
        entry.timestamp = dt.datetime.strptime(bind["ts"].split(".")[0], "%d-%b-%Y %H:%M:%S").replace(
            tzinfo=dt.UTC
        )
    except ValueError:
        entry.timestamp = None
    entry.level_written = True
    entry.level = _BIND_LEVELS.get(bind["level"], "debug")
    if entry.level == "info" and _QUICK_ALWAYS_A_PROBLEM.found_in(bind["msg"]):
        entry.level = "warning"
    category = f"{bind['cat']}: " if bind["cat"] else ""
    entry.message = " ".join(f"{entry.level.upper()} {category}{bind['msg']}".split())


def _read_serilog(entry: LogEntry, serilog: re.Match[str], line: str, year: int | None) -> None:
    if serilog["date"]:
        entry.timestamp = _iso(f"{serilog['date']}T{serilog['ts']}Z")
    entry.level_written = True
    entry.level = _SERILOG_LEVELS[serilog["level"]]
    entry.message = " ".join(f"{entry.level.upper()} {serilog['msg']}".split())


def _read_event_row(entry: LogEntry, event_row: re.Match[str], line: str, year: int | None) -> None:
    stamp = event_row["ts"]
    with contextlib.suppress(ValueError):
        entry.timestamp = dt.datetime.strptime(
            stamp, "%m/%d/%Y %I:%M:%S %p" if stamp.endswith("M") else "%d/%m/%Y %H:%M:%S"
        ).replace(tzinfo=dt.UTC)
    entry.level_written = True
    entry.level = _EVENT_LEVELS[event_row["level"]]
    entry.message = " ".join(f"{entry.level.upper()} {event_row['msg']} (event {event_row['id']})".split())


def _read_veeam(entry: LogEntry, veeam: re.Match[str], line: str, year: int | None) -> None:
    with contextlib.suppress(ValueError):
        entry.timestamp = dt.datetime.strptime(veeam["ts"], "%d.%m.%Y %H:%M:%S").replace(tzinfo=dt.UTC)
    entry.level_written = True
    entry.level = _VEEAM_LEVELS[veeam["level"]]
    entry.message = " ".join(f"{entry.level.upper()} {veeam['msg']}".split())


def _read_dotnet(entry: LogEntry, dotnet: re.Match[str], line: str, year: int | None) -> None:
    entry.timestamp = _iso(dotnet["ts"].strip()) if dotnet["ts"] else None
    entry.level_written = True
    entry.level = _DOTNET_LEVELS[dotnet["level"]]
    entry.message = " ".join(f"{entry.level.upper()} {line[dotnet.end() :]}".split())


# Formats a whole line matches, in the order they are tried, each with what reads it.
_Reader = Callable[[LogEntry, re.Match[str], str, int | None], None]
_LINE_FORMATS: tuple[tuple[re.Pattern[str], _Reader], ...] = (
    (_NAGIOS_ALERT, _read_nagios_alert),
    (_NAGIOS_LINE, _read_nagios_line),
    (_QMAIL, _read_qmail),
    (_ACCESS, _read_access),
    (_GANESHA, _read_ganesha),
    (_DHCP_AUDIT, _read_dhcp),
    (_GLUSTER, _read_gluster),
    (_SPLUNKD, _read_splunkd),
    (_PACEMAKER, _read_pacemaker),
    (_TINYPROXY, _read_tinyproxy),
    (_SQUID, _read_squid),
    (_ENVOY, _read_envoy),
    (_K8S_EVENT, _read_event),
)
# ... and those tried after klog's (a line it could be), each with a level of its own.
_LEVELLED_FORMATS: tuple[tuple[re.Pattern[str], _Reader], ...] = (
    (_REDIS, _read_redis),
    (_BIND, _read_bind),
    (_SERILOG, _read_serilog),
    (_EVENT_TABLE, _read_event_row),
    (_VEEAM, _read_veeam),
    (_DOTNET, _read_dotnet),
)

# Zabbix server, proxy and agent: pid, date and time with milliseconds, then the message.
_ZABBIX = re.compile(r"^\s*\d+:(?P<ts>\d{8}:\d{6})\.\d{3} (?P<msg>\S.*)$")
_RFC5424 = re.compile(
    r"^<(?P<pri>\d{1,3})>1 (?P<ts>\S+) \S+ (?P<app>\S+) \S+(?: \S+)? "
    r"(?:-|(?:\[(?:[^\]\\]|\\.)*\])+) ?(?P<msg>.*)$"
)
_DMESG_TIME = re.compile(
    r"^\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?P<ts>\w{3} +\d{1,2} \d{2}:\d{2}:\d{2} \d{4})\] (?P<msg>.*)$"
)
_BANG_LEVEL = re.compile(r"^(?P<level>[DIWE])! ")
_ROUTER_COMPLETED = re.compile(
    r"^router: completed (?P<method>[A-Z]+) (?P<path>\S+) for \S+, (?P<status>\d{3}) "
)
_CALLER_LETTER = re.compile(r"^\S+:\d+:[\w.]+\(\) \[(?P<level>[TDIWECF])\] ")
_HUNG_TASK = re.compile(r"\btask \S+ blocked for more than \d+ seconds")
# PostgreSQL's line prefix (`[pid] user@db`) before its FATAL and two spaces.
_PG_SESSION_FATAL = re.compile(r"\[\d+\](?:-\d+)? (?:\S+@\S+ )?FATAL:  ")
_EMPTY_TAGGED = re.compile(r"\[(?P<tag>[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}|[0-9a-f]{16,32})\]\s*$")


def _continues_tagged(previous: LogEntry, line: str) -> bool:
    """The previous entry's line ended with a request tag and nothing else, and this line carries it."""
    tagged = _EMPTY_TAGGED.search(previous.text)
    return tagged is not None and f"[{tagged['tag']}]" in line


# SQL Server's ERRORLOG writes an error's number and severity on one line and what it means on
# the next, from the same source (spid, Logon, Backup): one event, named by its number.
_MSSQL_ERROR = re.compile(
    r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d+\s+(?P<source>\S+)\s+Error: (?P<number>\d+), "
    r"Severity: (?P<severity>\d+), State: \d+\.\s*$"
)
_MSSQL_LINE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d+\s+(?P<source>\S+)\s+(?P<msg>\S.*)$")


def _explains_mssql_error(previous: LogEntry, line: str) -> bool:
    header = _MSSQL_ERROR.match(previous.text)
    said = _MSSQL_LINE.match(line)
    if header is None or previous.extra_lines or said is None or said["source"] != header["source"]:
        return False
    if _MSSQL_ERROR.match(line):
        return False
    severity = int(header["severity"])
    previous.level = "critical" if severity >= 20 else "error" if severity >= 11 else "info"
    previous.level_written = True
    level, source = previous.level.upper(), header["source"]
    previous.message = f"{level} {source} Error {header['number']} (severity {severity}): {said['msg']}"
    previous.extra_lines.append(line)
    return True


def _settle_events(entries: list[LogEntry]) -> None:
    """A Kubernetes failure event whose object succeeded at the same step (FailedScheduling, then
    Scheduled) is history, not a problem; the events list keeps both, in any order. A load
    balancer's server that went DOWN and came back UP later was a flap that recovered."""
    latest: dict[tuple[str, str], dt.datetime | None] = {}
    for e in entries:
        if e.event:
            seen = latest.get(e.event)
            undated = e.event in latest and seen is None
            latest[e.event] = (
                None if undated or e.timestamp is None else max(seen or e.timestamp, e.timestamp)
            )

    def settles(reason: str, obj: str, failed: LogEntry) -> bool:
        if (reason, obj) not in latest:
            return False
        when = latest[(reason, obj)]  # a dated success before the failure settles nothing
        return when is None or failed.timestamp is None or when >= failed.timestamp

    for entry in entries:
        if entry.event and entry.level != "info":
            reason, obj = entry.event
            settling = _K8S_SETTLED_BY.get(reason, set())
            if reason == "Failed" and not _PULL.search(entry.message):
                settling = {"Started"}  # an image pulled fine says nothing of a container that failed
            if any(settles(settled, obj, entry) for settled in settling):
                entry.level = "info"
                entry.message = f"{entry.message} (settled: another event shows it succeeded)"
    came_back: set[str] = set()  # servers reported UP later than the line at hand
    green_later = False  # Elasticsearch's health back to green after a yellow (a rolling restart)
    cleared: set[str] = set()  # Ceph's health checks cleared later than the line at hand
    for entry in reversed(entries):
        if ceph := _CEPH_HEALTH.search(entry.text):
            if ceph["cleared"]:
                cleared.add(ceph["cleared"])
            elif ceph["failed"] in cleared and entry.level != "info":
                entry.level = "info"
                entry.message = f"INFO {entry.message.split(' ', 1)[-1]} (settled: cleared later)"
            continue
        if health := _HEALTH_CHANGE.search(entry.text):
            if health["to"] == "GREEN":
                green_later = True
            elif green_later and entry.level != "info":
                entry.level = "info"
                entry.message = f"INFO {entry.message.split(' ', 1)[-1]} (settled: green again later)"
            continue
        said = _SERVER_STATE.search(entry.text) or _NODE_STATE.search(entry.text)
        if said is None:
            continue
        if said["state"] in ("UP", "now responding"):
            came_back.add(said["server"])
        elif said["server"] in came_back and entry.level != "info":
            entry.level = "info"
            back = "UP" if said.re is _SERVER_STATE else "and responds"
            entry.message = f"INFO {entry.message.split(' ', 1)[-1]} (settled: it came back {back})"


_ABSOLUTE_FORM = re.compile(r"^[a-z][a-z0-9+.-]*://[^/]*", re.IGNORECASE)


def _request(entry: LogEntry, request: str, status: int, why: list[str] | None = None) -> None:
    """An access-log line: its level from the status, and a message of method, route shape and
    status (the status stays a word, so a 504 never groups with a 200), plus why, where the
    proxy says it."""
    method, _, rest = request.partition(" ")
    path = rest.split(" ")[0].split("?")[0]
    path = _ABSOLUTE_FORM.sub("", path) or "/"  # a proxy's log (varnishncsa) names the host too
    entry.level = "error" if status >= 500 else "warning" if status >= 400 else "info"
    entry.status = status
    entry.health_check = bool(HEALTH_PATH.match(path))
    entry.message = " ".join([f"{method} {_path_shape(path)} -> HTTP_{status}", *(why or [])])


def _path_shape(path: str) -> str:
    """/api/orders/1234/items -> /api/orders/<id>/items: requests to one route group together."""
    parts = [
        "<id>" if re.fullmatch(r"\d+|[0-9a-f]{8,}(?:-[0-9a-f]{4,}){0,4}", part, re.I) else part
        for part in path.split("/")
    ]
    return "/".join(parts)[:120]


_RUBY_EXCEPTION = re.compile(r"\b(?P<type>[A-Z]\w*(?:::[A-Z]\w*)+(?:Error|Exception|Invalid|Timeout)?) \(")


def _exception_type(entry: LogEntry) -> str | None:
    for line in reversed(entry.extra_lines):
        match = _PY_EXCEPTION.match(line.strip())
        if match:
            return match["type"]
    for line in [entry.text, *entry.extra_lines]:
        match = _JAVA_EXCEPTION.search(line)
        if match and ("Exception" in line or "Error" in line):
            return match["type"]
    for line in entry.extra_lines:
        if ruby := _RUBY_EXCEPTION.search(line):
            return ruby["type"]
        if dask := _DASK_EXCEPTION.match(line):
            return dask["type"]
    return None


def _exception_line(entry: LogEntry) -> str | None:
    """The line that names the innermost exception, with its message."""
    if not entry.root_exception:
        return None
    for line in reversed([entry.text, *entry.extra_lines]):
        stripped = line.strip().removeprefix("Caused by: ")
        if stripped.startswith(("at ", "File ", "...")):
            continue  # a stack frame names the type, not what was raised
        if entry.root_exception in stripped:
            return _head_and_tail(stripped[stripped.index(entry.root_exception) :], 300)
    return None


def _head_and_tail(text: str, limit: int) -> str:
    """`text` within `limit` characters: a long chained message ("Error creating bean 'a': ...:
    Requested bean is currently in creation") keeps its end, where the innermost reason is."""
    if len(text) <= limit:
        return text
    tail = limit // 2 - 3
    return f"{text[: limit - tail - 5]} ... {text[-tail:]}"


def _root_exception(entry: LogEntry) -> str | None:
    """The innermost exception of a Java "Caused by:" chain, or a Python chain's first one."""
    causes = [
        line.strip()[len("Caused by: ") :]
        for line in entry.extra_lines
        if line.strip().startswith("Caused by: ")
    ]
    for cause in reversed(causes):
        match = _JAVA_EXCEPTION.search(cause) or _PY_EXCEPTION.match(cause)
        if match:
            return match["type"]
    return None


_JSON_STATUS = ("status", "status_code", "statusCode", "http_status", "response_status", "DownstreamStatus")
_JSON_PATH = ("path", "uri", "url", "route", "request_path", "request_uri", "RequestPath")


def _json_detail(value: object) -> str | None:
    """An error field's words: a string, or the message of an error object (pino's and bunyan's
    `err: {type, message, stack}`, Go's and .NET's nested errors)."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict):
        message = next(
            (value[k] for k in ("message", "msg", "reason", "error") if isinstance(value.get(k), str)), ""
        )
        kind = value.get("type") or value.get("name") or value.get("code")
        if message:
            return f"{kind}: {message}" if isinstance(kind, str) and kind and kind not in message else message
    return None


# What a request log's message says when it is only the request ("handled request", "request
# completed", "GET /x 200").
_REQUEST_MESSAGE = re.compile(
    r"\b(?:requests?|handled|completed|finished|served|access|response|responded)\b|^[A-Z]+ /", re.IGNORECASE
)


_UPSTREAM_FAILURE = re.compile(
    r"refused|timed? ?out|unreachable|no such host|\bnet::ERR_|reset by peer|dial tcp|\bEOF\b", re.IGNORECASE
)


def _json_request(entry: LogEntry, data: dict[str, object]) -> None:
    """A JSON request log (method, path, status) reads like an access-log line: its status is a
    symptom at most, and a health check is never a problem."""
    status = next((data[k] for k in _JSON_STATUS if isinstance(data.get(k), int | str)), None)
    path = next((data[k] for k in _JSON_PATH if isinstance(data.get(k), str)), None)
    if status is None or path is None or not str(status).isdigit() or not 100 <= int(str(status)) <= 599:
        return
    said = entry.message.partition(" | ")[0]
    if (
        entry.level in ("error", "critical")
        and _UPSTREAM_FAILURE.search(said)
        and not _REQUEST_MESSAGE.search(said)
    ):
        # An application's own failure to reach something, logged with the fields of the request
        # that asked for it ("convert URL to PDF: Chromium returned net::ERR_CONNECTION_REFUSED",
        # status 400): what it says, not the status it answered.
        return
    entry.status = int(str(status))
    route = str(path).split("?")[0]
    if "://" in route:
        route = "/" + route.split("://", 1)[1].partition("/")[2]
    entry.health_check = bool(HEALTH_PATH.match(route))
    method = str(data.get("method") or data.get("http_method") or data.get("verb") or "")
    detail = entry.message.partition(" | ")[2]
    entry.message = f"{method} {_path_shape(route)} -> HTTP_{entry.status}".strip() + (
        f" | {detail}" if detail else ""
    )
    if entry.level == "info" and entry.status >= 500:
        entry.level = "error"


def _json_time(data: dict[str, object]) -> dt.datetime | None:
    keys = ("timestamp", "time", "ts", "@timestamp", "t", "__REALTIME_TIMESTAMP")
    stamp = next((data[k] for k in keys if data.get(k) is not None), None)
    if isinstance(stamp, str) and stamp.isdigit():  # journald: microseconds since the epoch
        stamp = int(stamp) / 1000 if len(stamp) > 13 else int(stamp)
    if isinstance(stamp, dict):  # MongoDB: {"t": {"$date": "..."}}
        stamp = stamp.get("$date")
    if isinstance(stamp, int | float) and not isinstance(stamp, bool):
        seconds = stamp / 1000 if stamp > 1e11 else stamp  # epoch milliseconds or seconds
        try:
            return dt.datetime.fromtimestamp(seconds, dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return _iso(str(stamp)) if stamp is not None else None


def _json_level(data: dict[str, object]) -> str:
    for key in _JSON_LEVEL_KEYS:
        value = data.get(key)
        if key in ("PRIORITY", "priority") and str(value).isdigit() and int(str(value)) < 8:
            return _SYSLOG_PRIORITIES[int(str(value))]
        if isinstance(value, int) and not isinstance(value, bool):
            if 0 <= value < 10:  # Nextcloud and ownCloud: 0 debug, 1 info, 2 warning, 3 error, 4 fatal
                return _SMALL_NUMERIC_LEVELS.get(value, "info")
            return _NUMERIC_LEVELS.get(value - value % 10, "info")
        if isinstance(value, str) and value:
            if key == "s":
                return _LETTER_LEVELS.get(value[:1], "info")
            return LEVELS.get(value.lower(), "info")
    return "info"


def _klog_time(month_day: str, time: str, year: int | None) -> dt.datetime | None:
    if len(month_day) == 6:  # YYMMDD
        year, month_day = 2000 + int(month_day[:2]), month_day[2:]
    try:
        value = dt.datetime.strptime(
            f"{year or dt.datetime.now(dt.UTC).year}{month_day} {time.split('.')[0]}", "%Y%m%d %H:%M:%S"
        )
    except ValueError:
        return None
    return value.replace(tzinfo=dt.UTC)


def _redis_time(text: str) -> dt.datetime | None:
    try:
        value = dt.datetime.strptime(text.split(".")[0], "%d %b %Y %H:%M:%S")
    except ValueError:
        return None
    return value.replace(tzinfo=dt.UTC)


def _us_time(match: re.Match[str]) -> dt.datetime | None:
    hour = int(match["h"]) % 12 + (12 if match["ap"] == "PM" else 0)
    try:
        day = dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
        return dt.datetime.combine(day, dt.time(hour, int(match["mi"]), int(match["s"])), tzinfo=dt.UTC)
    except ValueError:
        return None


def _iso(text: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text.replace(",", ".").replace("Z", "+00:00"))
    except ValueError:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _syslog_time(text: str, year: int | None) -> dt.datetime | None:
    try:
        value = dt.datetime.strptime(f"{year or dt.datetime.now(dt.UTC).year} {text}", "%Y %b %d %H:%M:%S")
    except ValueError:
        return None
    return value.replace(tzinfo=dt.UTC)
