"""The network diagnostics agent: DNS, ping, TCP, HTTP(S), TLS and traceroute against one target."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel

from app import __version__
from app.agents.base import (
    SEVERITY_RANK,
    AgentCard,
    AgentContext,
    AgentResult,
    Finding,
    InputNeed,
    ProbeTarget,
    Severity,
)
from app.agents.checks.dns import check_dns
from app.agents.checks.http import check_http
from app.agents.checks.outcome import CheckOutcome
from app.agents.checks.ping import check_ping
from app.agents.checks.tcp import check_tcp
from app.agents.checks.tls import TLS_PORTS, check_tls, speaks_tls, trust_context
from app.agents.checks.traceroute import check_traceroute
from app.agents.entities import Entities, extract_entities
from app.agents.network.examples import EXAMPLES
from app.agents.network.models import CheckName, NetworkDiagnosticsInput
from app.agents.request_text import read_request
from app.errors import InvalidTarget, MissingInput
from app.observability.metrics import PROBE_LATENCY, PROBES, labelled
from app.observability.timing import ms_since
from app.observability.tracing import tracer
from app.security.target_policy import IPAddress, ResolvedTarget

_CHECK_WORDS: dict[CheckName, re.Pattern[str]] = {
    "dns": re.compile(r"\b(dns|resolv\w*|lookup|nslookup|dig|records?|mx|cname|name ?servers?)\b"),
    "ping": re.compile(r"\b(ping\w*|reachab\w*|latency|icmp|alive|packet loss|rtt)\b"),
    "tcp": re.compile(r"\b(ports?|tcp|listening|firewall|telnet|open|closed|connect)\b"),
    "http": re.compile(r"\b(https?|url|website|web ?site|web|status code|endpoint|5\d\d|4\d\d|api)\b"),
    "tls": re.compile(r"\b(tls|ssl|certificates?|certs?|expir\w*|https)\b"),
    "traceroute": re.compile(r"\b(traceroute|tracert|mtr|route|hops?|path)\b"),
}

CARD = AgentCard(
    id="network_diagnostics",
    name="Network diagnostics",
    description=(
        "Checks a host from this service's network: DNS records, ICMP or TCP reachability, TCP "
        "ports (open, refused or filtered), HTTP(S) status and redirects, TLS certificate "
        "(issuer, SANs, expiry, trust) and traceroute. Every probe is bounded in time and count "
        "and subject to the target policy."
    ),
    capabilities=("dns", "ping", "tcp_ports", "http", "tls_certificate", "traceroute", "connectivity"),
    version=__version__,
    input_model=NetworkDiagnosticsInput,
    examples=EXAMPLES,
    keywords={
        "connectivity": 1.2,
        "connect": 0.8,
        "connections": 0.8,
        "accepting": 0.4,
        "connection": 0.8,
        "reachable": 1.0,
        "reach": 0.8,
        "unreachable": 1.0,
        "ping": 1.2,
        "latency": 0.7,
        "packet loss": 1.0,
        "dns": 1.2,
        "resolve": 1.0,
        "resolves": 1.0,
        "resolution": 0.8,
        "lookup": 0.8,
        "nslookup": 1.2,
        "dig": 0.6,
        "mx": 0.8,
        "cname": 1.0,
        "record": 0.4,
        "records": 0.4,
        "port": 1.0,
        "ports": 1.0,
        "tcp": 1.0,
        "firewall": 0.8,
        "listening": 0.6,
        "open": 0.3,
        "http": 0.8,
        "https": 0.8,
        "url": 0.6,
        "website": 1.0,
        "site": 0.4,
        "status code": 0.8,
        "endpoint": 0.5,
        "tls": 1.2,
        "ssl": 1.2,
        "certificate": 1.2,
        "cert": 1.0,
        "expire": 0.8,
        "expires": 0.8,
        "expiry": 0.8,
        "traceroute": 1.5,
        "tracert": 1.5,
        "hops": 0.8,
        "route": 0.5,
        "network": 0.6,
        "up": 0.3,
        "down": 0.3,
        "timeout": 0.4,
        "timing out": 0.6,
        "refused": 0.6,
        "host": 0.3,
        "server": 0.2,
        "responding": 0.5,
        "is up": 0.6,
        "is down": 0.6,
    },
    entity_weights={"url": 0.9, "ip": 0.8, "hostname": 0.8, "port": 0.7},
    requires_any=("hostname", "ip", "url"),
    asks=InputNeed(needs=("target",), question="Which host should I check?"),
)


@dataclass(frozen=True)
class NetworkLimits:
    check_timeout: float = 5.0
    max_ports: int = 1024
    concurrency: int = 256
    nameservers: tuple[str, ...] = ()
    ca_file: str | None = None


class NetworkDiagnosticsAgent:
    card = CARD

    def __init__(self, limits: NetworkLimits | None = None) -> None:
        self.limits = limits or NetworkLimits()
        self._trust = trust_context(self.limits.ca_file)
        self._traceroutes = asyncio.Semaphore(2)
        # NETWORK_PROBE_CONCURRENCY bounds the connects in flight across every request of the
        # process (the agent is one per process), not per request.
        self._probes = asyncio.Semaphore(self.limits.concurrency)

    async def execute(self, task: str, context: AgentContext) -> AgentResult:
        started = time.perf_counter()
        assert isinstance(context.input, NetworkDiagnosticsInput)  # noqa: S101 - the registry validates
        spec = context.input
        target_text, ports, url = self._plan(task, spec)
        checks = _choose_checks(spec, task, url, ports)
        resolved = await context.target_policy.resolve(target_text)

        timeout = context.remaining(self.limits.check_timeout)
        outcomes = await self._run(checks, resolved, ports, url, spec, task, timeout, context)
        findings = _ordered(
            [f for name, o in outcomes.items() for f in o.findings if _own(name, f, outcomes)]
        )
        output: dict[str, Any] = {
            "target": resolved.host,
            "addresses": [str(a) for a in resolved.addresses],
            "checks": {name: outcome.output for name, outcome in outcomes.items()},
        }
        return AgentResult(
            agent_id=CARD.id,
            status="completed",
            summary=_summary(resolved.host, findings, outcomes),
            findings=findings,
            output=output,
            duration_ms=ms_since(started),
        )

    def targets(self, task: str, spec: BaseModel) -> list[ProbeTarget]:
        """What a run would probe: the first host, URL or IP the request sentence (or context)
        names, and its ports. Hosts inside pasted material are never taken."""
        assert isinstance(spec, NetworkDiagnosticsInput)  # noqa: S101 - the registry validates
        host, ports, url = self._plan(task, spec)
        return [ProbeTarget(agent=CARD.id, host=host, ports=ports, url=url)]

    def _plan(self, task: str, spec: NetworkDiagnosticsInput) -> tuple[str, list[int], str | None]:
        entities = extract_entities(read_request(task).request)
        url = spec.url or (entities.urls[0] if entities.urls else None)
        if url:
            _check_url(url)
        return _target(spec, url, entities), _ports(spec, url, entities, self.limits.max_ports), url

    async def _run(
        self,
        checks: list[CheckName],
        target: ResolvedTarget,
        ports: list[int],
        url: str | None,
        spec: NetworkDiagnosticsInput,
        task: str,
        timeout: float,
        context: AgentContext,
    ) -> dict[CheckName, CheckOutcome]:
        jobs: dict[CheckName, Awaitable[CheckOutcome]] = {}
        host, ip = target.host, target.primary
        if "dns" in checks:
            if target.is_ip:
                # Asked for by name, it is said to be skipped; chosen by default, it goes unsaid.
                jobs["dns"] = _skipped(
                    "dns",
                    f"{host} is an IP address; there is nothing to resolve",
                    applies=bool(spec.checks and "dns" in spec.checks),
                )
            else:
                jobs["dns"] = check_dns(
                    host,
                    _record_types(spec, task),
                    list(self.limits.nameservers),
                    timeout,
                    [str(address) for address in target.addresses],
                )
        if ip is None:
            reason = f"{host} does not resolve ({target.resolution_error})"
            if "dns" not in jobs:
                jobs["dns"] = _unresolved(host, target.resolution_error)
            for name in checks:
                if name != "dns":
                    jobs[name] = _skipped(name, reason)
        else:
            if "ping" in checks:
                jobs["ping"] = check_ping(ip, host, spec.ping_count, min(timeout, 2.0), ports)
            if "tcp" in checks:
                jobs["tcp"] = check_tcp(ip, host, ports, timeout, self._probes)
            if "http" in checks:
                jobs["http"] = self._http(url, ip, host, ports, timeout, context)
            if "tls" in checks:
                jobs["tls"] = check_tls(ip, host, _tls_port(url, ports), timeout, self._trust)
            if "traceroute" in checks:
                jobs["traceroute"] = check_traceroute(ip, host, timeout * 2, self._traceroutes)
        names = list(jobs)
        results = await asyncio.gather(*(_observed(name, job) for name, job in jobs.items()))
        return dict(zip(names, results, strict=True))

    async def _http(
        self,
        url: str | None,
        ip: IPAddress,
        host: str,
        ports: list[int],
        timeout: float,
        context: AgentContext,
    ) -> CheckOutcome:
        """HTTP(S) on the URL given, or on the port: a port other than 80 and 443 is asked
        whether it speaks TLS first, so a TLS service on any port is spoken to in TLS."""
        if url is None:
            port = ports[0] if ports else 443
            tls = port == 443 or (port != 80 and await speaks_tls(ip, port, min(timeout, 2.0)))
            url = _default_url(host, port, tls)
        return await check_http(url, ip, context.target_policy, timeout, self._trust)


async def _observed(check: str, job: Awaitable[CheckOutcome]) -> CheckOutcome:
    """Probe metrics: count and time every check; its outcome is its worst finding."""
    started = time.perf_counter()
    with tracer.start_as_current_span(f"probe {check}"):
        outcome = await job
    worst = max((f.severity for f in outcome.findings), key=SEVERITY_RANK.__getitem__, default=Severity.INFO)
    labelled(
        PROBES,
        check,
        "skipped" if isinstance(outcome.output, dict) and outcome.output.get("skipped") else worst,
    ).inc()
    labelled(PROBE_LATENCY, check).observe(time.perf_counter() - started)
    return outcome


def _check_url(url: str) -> None:
    """A URL's port is a number from 1 to 65535 (`urlsplit` raises on anything else, later)."""
    try:
        port = urlsplit(url).port
    except ValueError:
        port = 0
    if port == 0:
        raise InvalidTarget(f"{url[:200]} has a port that is not a number from 1 to 65535.")


def _target(spec: NetworkDiagnosticsInput, url: str | None, entities: Entities) -> str:
    if spec.hostname or spec.host:
        return (spec.hostname or spec.host or "").strip()
    if url:
        host = urlsplit(url).hostname
        if host:
            return host
    if entities.hosts:
        return entities.hosts[0]
    raise MissingInput(
        "No target found: name a host, IP or URL in the task, or set context.hostname or context.url.",
        details=CARD.asks.details(CARD.id) if CARD.asks else None,
    )


def _ports(spec: NetworkDiagnosticsInput, url: str | None, entities: Entities, max_ports: int) -> list[int]:
    ports = list(dict.fromkeys(spec.ports or ([spec.port] if spec.port else []) or entities.ports))
    if not ports and url:
        parts = urlsplit(url)
        ports = [parts.port or (443 if parts.scheme == "https" else 80)]
    if len(ports) > max_ports:
        raise InvalidTarget(f"At most {max_ports} ports per request; {len(ports)} were asked for.")
    return ports


_GENERAL = re.compile(
    r"\b(connectivity|connect(ion)? to|reach|reachab\w*|diagnos\w*|troubleshoot\w*|working|"
    r"is (it |\S+ )?(up|down)|check)\b"
)


def _choose_checks(
    spec: NetworkDiagnosticsInput, task: str, url: str | None, ports: list[int]
) -> list[CheckName]:
    """Explicit `checks` win; otherwise the checks the task names, plus the general set
    (DNS, ping, ports, TLS on TLS ports) when it asks about connectivity in general."""
    if spec.checks:
        return list(dict.fromkeys(spec.checks))
    text = task.lower()
    chosen: set[CheckName] = {name for name, words in _CHECK_WORDS.items() if words.search(text)}
    if url:
        chosen.add("http")
        if url.startswith("https"):
            chosen.add("tls")
    if not chosen or _GENERAL.search(text):
        chosen |= {"dns", "ping"}
        if ports:
            chosen.add("tcp")
            if any(p in TLS_PORTS for p in ports):
                chosen.add("tls")
    if "tcp" in chosen and not ports:
        chosen.discard("tcp")
        chosen.add("ping")
    return [name for name in ("dns", "ping", "tcp", "http", "tls", "traceroute") if name in chosen]


def _record_types(spec: NetworkDiagnosticsInput, task: str) -> list[str]:
    if spec.dns_record_types:
        return list(dict.fromkeys(spec.dns_record_types))
    types = ["A", "AAAA", "CNAME"]
    if re.search(r"\b(mx|mail)\b", task.lower()):
        types.append("MX")
    return types


def _default_url(host: str, port: int, tls: bool) -> str:
    shown = f"[{host}]" if ":" in host else host
    scheme = "https" if tls else "http"
    if port == (443 if tls else 80):
        return f"{scheme}://{shown}/"
    return f"{scheme}://{shown}:{port}/"


def _tls_port(url: str | None, ports: list[int]) -> int:
    if url and url.startswith("https"):
        return urlsplit(url).port or 443
    tls_ports = [p for p in ports if p in TLS_PORTS]
    return tls_ports[0] if tls_ports else (ports[0] if ports else 443)


async def _skipped(name: str, reason: str, applies: bool = True) -> CheckOutcome:
    """A check that did not run: `applies=False` when it has no meaning for the target (DNS of an
    IP address), which the summary then leaves out rather than call skipped."""
    return CheckOutcome({"skipped": True, "reason": reason, **({} if applies else {"applies": False})})


async def _unresolved(host: str, error: str | None) -> CheckOutcome:
    outcome = CheckOutcome({"hostname": host, "records": {}, "error": error})
    outcome.add(Severity.CRITICAL, "dns_resolution_failed", f"{host} does not resolve: {error}.")
    return outcome


def _own(check: CheckName, finding: Finding, outcomes: dict[CheckName, CheckOutcome]) -> bool:
    """When the TLS check ran, certificate verdicts are its own: the HTTP check's shorter
    "not trusted" would say the same thing less precisely, and first."""
    return not (check == "http" and finding.code == "certificate_untrusted" and "tls" in outcomes)


# What a healthy answer leads with: the most specific thing checked (a certificate's days left
# says more than an answered request, which says more than an open port).
_HEADLINE_CODES = ("certificate_ok", "http_ok", "port_open")


def _ordered(findings: list[Finding]) -> list[Finding]:
    unique = list(dict.fromkeys(findings))
    headline = {code: rank for rank, code in enumerate(_HEADLINE_CODES)}
    return sorted(unique, key=lambda f: (-SEVERITY_RANK[f.severity], headline.get(f.code, len(headline))))


def _summary(host: str, findings: list[Finding], outcomes: dict[CheckName, CheckOutcome]) -> str:
    """Names only the checks that ran; skipped ones are said to be skipped, never passed."""
    skipped = [n for n, o in outcomes.items() if isinstance(o.output, dict) and o.output.get("skipped")]
    ran = ", ".join(name for name in outcomes if name not in skipped) or "none"
    skipped = [n for n in skipped if outcomes[n].output.get("applies", True)]
    tail = f"; skipped: {', '.join(skipped)}" if skipped else ""
    problems = [f for f in findings if f.severity != Severity.INFO]
    if not problems:
        # Say what was seen, not only that nothing was wrong: "answered 200", "port 443: open".
        seen = [f.message.rstrip(".") for f in findings if f.code in _HEADLINE_CODES][:3]
        facts = f": {'; '.join(seen)}" if seen else ""
        return f"{host}: no problems found{facts} (checks run: {ran}{tail})."
    critical = [f for f in problems if f.severity == Severity.CRITICAL]
    lead = critical[0] if critical else problems[0]
    counts = f"{len(critical)} critical, {len(problems) - len(critical)} warning"
    return f"{lead.message} ({counts}; checks run: {ran}{tail})."
