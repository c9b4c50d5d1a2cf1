"""DNS lookups with dnspython: A, AAAA and CNAME, MX when asked, each bounded in time."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import dns.asyncresolver
import dns.exception
import dns.resolver

from app.agents.base import Severity
from app.agents.checks.outcome import CheckOutcome
from app.observability.timing import ms_since


def make_resolver(nameservers: list[str], timeout: float) -> dns.asyncresolver.Resolver:
    """The system resolver, or the configured name servers (`host` or `host:port`)."""
    resolver = dns.asyncresolver.Resolver(configure=not nameservers)
    if nameservers:
        hosts, ports = [], set()
        for entry in nameservers:
            host, _, port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
            hosts.append(host or entry)
            ports.add(int(port) if port else 53)
        resolver.nameservers = hosts
        resolver.port = ports.pop() if len(ports) == 1 else 53
    resolver.lifetime = timeout
    resolver.timeout = min(timeout, 2.0)
    return resolver


async def check_dns(
    host: str,
    record_types: list[str],
    nameservers: list[str],
    timeout: float,
    system_addresses: list[str] | None = None,
) -> CheckOutcome:
    """DNS records of `host`. Reachability uses the system's resolution (`/etc/hosts`, search
    domains), passed as `system_addresses`: a name the system resolves but DNS does not know is
    a warning about other machines, not a failure here."""
    started = time.perf_counter()
    system = system_addresses or []
    if host == "localhost" or host.endswith(".localhost"):
        outcome = CheckOutcome({"hostname": host, "records": {}, "skipped": True, "system_addresses": system})
        outcome.add(
            Severity.INFO,
            "dns_local_name",
            f"{host} is answered by this system, not DNS: {', '.join(system) or 'no address'}.",
        )
        return outcome
    try:
        resolver = make_resolver(nameservers, timeout)
    except dns.resolver.NoResolverConfiguration:
        outcome = CheckOutcome({"hostname": host, "records": {}, "error": "no resolver configured"})
        outcome.add(Severity.CRITICAL, "dns_unavailable", "No DNS resolver is configured here.")
        return outcome

    async def lookup(rtype: str) -> tuple[str, list[str] | str]:
        try:
            # A name without dots is looked up under the search domains, as the system does.
            answer = await resolver.resolve(host, rtype, raise_on_no_answer=False, search="." not in host)
        except dns.resolver.NXDOMAIN:
            return rtype, "nxdomain"
        except (dns.resolver.LifetimeTimeout, dns.exception.Timeout):
            return rtype, "timeout"
        except dns.resolver.NoNameservers:
            return rtype, "servfail"
        except dns.exception.DNSException as exc:
            return rtype, type(exc).__name__
        if answer.rrset is None:
            return rtype, []
        return rtype, sorted(_text(rdata) for rdata in answer.rrset)

    results = dict(await asyncio.gather(*(lookup(rtype) for rtype in record_types)))
    records = {rtype: value for rtype, value in results.items() if isinstance(value, list)}
    errors = {rtype: value for rtype, value in results.items() if isinstance(value, str)}
    output: dict[str, Any] = {
        "hostname": host,
        "records": records,
        "errors": errors,
        "nameservers": [str(ns) for ns in resolver.nameservers],
        "system_addresses": system,
        "latency_ms": ms_since(started),
    }
    outcome = CheckOutcome(output)
    _verdict(outcome, host, records, errors, system, timeout)
    if "MX" in record_types and not records.get("MX") and "nxdomain" not in errors.values():
        outcome.add(Severity.WARNING, "dns_no_mx", f"{host} has no MX record: it receives no mail.")
    return outcome


def _verdict(
    outcome: CheckOutcome,
    host: str,
    records: dict[str, list[str]],
    errors: dict[str, str],
    system: list[str],
    timeout: float,
) -> None:
    """The one finding on whether `host` resolves: resolved, known to this system only, or why not."""
    addresses = records.get("A", []) + records.get("AAAA", [])
    if not addresses and system:
        problem = "does not exist in DNS" if "nxdomain" in errors.values() else "has no address in DNS"
        outcome.add(
            Severity.WARNING,
            "dns_local_only",
            f"{host} {problem}, but this system resolves it to {', '.join(system[:4])} "
            "(through /etc/hosts or a search domain): the checks use that, other machines may not.",
        )
    elif "nxdomain" in errors.values():
        outcome.add(Severity.CRITICAL, "dns_nxdomain", f"{host} does not exist in DNS (NXDOMAIN).")
    elif "timeout" in errors.values() and not addresses:
        outcome.add(Severity.CRITICAL, "dns_timeout", f"DNS did not answer for {host} within {timeout:g}s.")
    elif "servfail" in errors.values() and not addresses:
        outcome.add(Severity.CRITICAL, "dns_servfail", f"The name servers failed to answer for {host}.")
    elif not addresses:
        outcome.add(Severity.CRITICAL, "dns_no_address", f"{host} has no A or AAAA record.")
    else:
        via = f" (via CNAME {', '.join(records['CNAME'])})" if records.get("CNAME") else ""
        outcome.add(Severity.INFO, "dns_resolved", f"{host} resolves to {', '.join(addresses[:6])}{via}.")


def _text(rdata: Any) -> str:
    return (
        str(rdata).rstrip(".")
        if not hasattr(rdata, "exchange")
        else (f"{rdata.preference} {str(rdata.exchange).rstrip('.')}")
    )
