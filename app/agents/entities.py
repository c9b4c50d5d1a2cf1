"""Entities in a task's text: IPs, host names, URLs, ports, log lines, YAML, file paths.

The router scores agents with them and agents take their targets from them when `context` does
not say. Extraction is pure text work: nothing found here is resolved or trusted.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

_URL = re.compile(r"\bhttps?://[^\s<>\"'`,;)]+", re.IGNORECASE)
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
_IPV6 = re.compile(r"(?<![\w:])\[?(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}\]?(?![\w:])", re.IGNORECASE)
_HOST_PORT = re.compile(
    r"(?<![\w.-])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}|"
    r"(?:\d{1,3}\.){3}\d{1,3}):(\d{1,5})\b",
    re.IGNORECASE,
)
_BARE_HOST_PORT = re.compile(r"(?<![\w.:/-])([a-z][a-z0-9-]{0,62}):(\d{1,5})(?![\w.:])", re.IGNORECASE)
_DOTTED_HOST = re.compile(
    r"(?<![\w.@/-])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62})(?![\w-]|\.\w)",
    re.IGNORECASE,
)
# A bare name ("db01") counts as a host only right after words that introduce one.
_BARE_HOST = re.compile(
    r"\b(?:to|ping|reach|hostname|traceroute|resolve|lookup|of|against|for host)\s+"
    r"([a-z][a-z0-9-]{0,62})\b(?![.:]\w)",
    re.IGNORECASE,
)
_PORT_LIST = re.compile(r"\bports?\s+((?:\d{1,5})(?:\s*(?:,|and|&|/|or)\s*\d{1,5})*)", re.IGNORECASE)
_ON_PORT = re.compile(
    r"\b(?:on|at)\s+(\d{1,5})(?![\w.:])(?!\s*(?:ms|s|seconds|minutes|%|mb|gb))", re.IGNORECASE
)
_PORT_PROTO = re.compile(r"\b(\d{1,5})/(?:tcp|udp)\b", re.IGNORECASE)
_LOG_LINE = re.compile(
    r"^\s*(?:\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|[A-Z][a-z]{2}\s+\d{1,2}\s\d{2}:\d{2}|\[?\d{2}/\w{3}/\d{4}"
    r"|\{\s*\"(?:time|ts|timestamp|level)\"|Traceback \(most recent call last\)|"
    r".*\b(?:ERROR|WARN(?:ING)?|FATAL|CRITICAL|Exception|panic:)\b"
    r"|.*\w(?:Exception|Error)(?::|$)|\s+at [\w.$]+\()",
    re.MULTILINE,
)
_YAML = re.compile(r"^\s*(?:services|apiVersion|kind|image|containers|volumes|version)\s*:", re.MULTILINE)
_PATH = re.compile(r"(?<![\w.])(/(?:[\w.-]+/)*[\w.-]+\.(?:log|txt|out|err|json)|/var/log/[\w./-]+)\b")

_FILE_SUFFIXES = frozenset(
    {
        "log",
        "txt",
        "yaml",
        "yml",
        "json",
        "py",
        "conf",
        "cfg",
        "ini",
        "sh",
        "md",
        "out",
        "err",
        "csv",
        "xml",
        "toml",
        "service",
        "pid",
        "sock",
        "gz",
        "zip",
        "tar",
        "html",
        "js",
        "lock",
    }
)
_NOT_HOSTS = frozenset(
    {
        "the",
        "a",
        "an",
        "my",
        "our",
        "your",
        "it",
        "this",
        "that",
        "port",
        "ports",
        "host",
        "server",
        "see",
        "check",
        "make",
        "find",
        "be",
        "me",
        "us",
        "them",
        "all",
        "every",
        "each",
        "what",
        "which",
        "whether",
        "is",
        "are",
        "why",
        "how",
        "and",
        "or",
        "errors",
        "error",
        "logs",
        "cpu",
        "memory",
        "disk",
        "load",
        "dns",
        "tls",
        "ssl",
        "http",
        "https",
        "tcp",
        "udp",
        "icmp",
        "network",
        "internet",
        "service",
        "services",
        "kubernetes",
        "docker",
        "compose",
        "yaml",
        "connectivity",
        "latency",
        "certificate",
        "cert",
        "expiry",
        "usage",
        "some",
        "any",
        "its",
        "of",
        "to",
        "for",
        "on",
        "at",
        "in",
        "from",
        "with",
        "by",
        "via",
        "up",
        "down",
        "now",
        "again",
        "there",
        "here",
        "localhost6",
        "records",
        "record",
        "mx",
        "website",
        "site",
        "box",
        "machine",
    }
)


@dataclass
class Entities:
    ips: list[str] = field(default_factory=list)
    hostnames: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)
    log_lines: int = 0
    yaml: bool = False
    paths: list[str] = field(default_factory=list)

    @property
    def hosts(self) -> list[str]:
        """Targets in order of appearance preference: URL hosts, then IPs, then names."""
        from_urls = [urlsplit(u).hostname or "" for u in self.urls]
        ordered = [h for h in from_urls if h] + self.ips + self.hostnames
        return list(dict.fromkeys(ordered))

    def kinds(self) -> set[str]:
        found = set()
        if self.ips:
            found.add("ip")
        if self.hostnames:
            found.add("hostname")
        if self.urls:
            found.add("url")
        if self.ports:
            found.add("port")
        if self.log_lines:
            found.add("log_lines")
        if self.yaml:
            found.add("yaml")
        if self.paths:
            found.add("path")
        return found


def _add_port(ports: list[int], text: str) -> None:
    value = int(text)
    if 1 <= value <= 65535 and value not in ports:
        ports.append(value)


def extract_entities(text: str) -> Entities:
    found = Entities()
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(".")
        found.urls.append(url)
    without_urls = _URL.sub(" ", text)

    for match in _IPV4.finditer(without_urls):
        try:
            ipaddress.IPv4Address(match.group(0))
        except ValueError:
            continue
        found.ips.append(match.group(0))
    for match in _IPV6.finditer(without_urls):
        candidate = match.group(0).strip("[]")
        try:
            ipaddress.IPv6Address(candidate)
        except ValueError:
            continue
        found.ips.append(candidate)

    for match in _HOST_PORT.finditer(without_urls):
        _add_port(found.ports, match.group(2))
    for match in _DOTTED_HOST.finditer(without_urls):
        name = match.group(1).lower()
        if name.rsplit(".", 1)[-1] in _FILE_SUFFIXES or _IPV4.fullmatch(name):
            continue
        if name not in found.hostnames:
            found.hostnames.append(name)
    for match in _BARE_HOST_PORT.finditer(without_urls):
        name = match.group(1).lower()
        if name in _NOT_HOSTS or name in found.hostnames:
            continue
        found.hostnames.append(name)
        _add_port(found.ports, match.group(2))
    for match in _BARE_HOST.finditer(without_urls):
        name = match.group(1).lower()
        if name in _NOT_HOSTS or name in found.hostnames or name.isdigit():
            continue
        if any(h.startswith(name + ".") for h in found.hostnames):
            continue
        found.hostnames.append(name)

    for match in _PORT_LIST.finditer(without_urls):
        for number in re.findall(r"\d{1,5}", match.group(1)):
            _add_port(found.ports, number)
    for match in _PORT_PROTO.finditer(without_urls):
        _add_port(found.ports, match.group(1))
    if found.hostnames or found.ips:
        for match in _ON_PORT.finditer(without_urls):
            _add_port(found.ports, match.group(1))

    found.log_lines = len(_LOG_LINE.findall(text))
    found.yaml = len(_YAML.findall(text)) >= 2
    found.paths = _PATH.findall(text)
    return found
