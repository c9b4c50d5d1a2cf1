"""Verify a declared inventory of services against reality, concurrently, with the network
probes and the target policy; report drift per service."""

from __future__ import annotations

import asyncio
import ssl
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from app.agents.base import Finding, Severity
from app.agents.checks.http import check_http
from app.agents.checks.tcp import connect_once
from app.agents.checks.tls import check_tls
from app.errors import InvalidTarget, TargetNotAllowed
from app.security.target_policy import TargetPolicy


class ServiceSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=128)
    host: str | None = Field(default=None, max_length=253)
    port: int | None = Field(default=None, ge=1, le=65535)
    url: str | None = Field(default=None, max_length=2048, pattern=r"^https?://")
    expected_status: int | None = Field(default=None, ge=100, le=599)
    min_cert_days: int | None = Field(default=None, ge=0, le=3650)


class Inventory(BaseModel):
    model_config = ConfigDict(extra="forbid")

    services: list[ServiceSpec] = Field(min_length=1, max_length=200)


async def verify_inventory(
    inventory: Inventory, policy: TargetPolicy, timeout: float, trust: ssl.SSLContext, concurrency: int = 32
) -> tuple[list[dict[str, Any]], list[Finding]]:
    gate = asyncio.Semaphore(concurrency)

    async def bounded(service: ServiceSpec) -> tuple[dict[str, Any], list[Finding]]:
        async with gate:
            return await _verify(service, policy, timeout, trust)

    outcomes = await asyncio.gather(*(bounded(s) for s in inventory.services))
    return [o for o, _ in outcomes], [f for _, fs in outcomes for f in fs]


async def _verify(
    service: ServiceSpec, policy: TargetPolicy, timeout: float, trust: ssl.SSLContext
) -> tuple[dict[str, Any], list[Finding]]:
    host = service.host or (urlsplit(service.url).hostname if service.url else None)
    report: dict[str, Any] = {"name": service.name, "host": host, "checks": {}, "problems": []}
    findings: list[Finding] = []

    def problem(severity: Severity, code: str, message: str) -> None:
        report["problems"].append(message)
        findings.append(Finding(severity=severity, code=code, message=f"{service.name}: {message}"))

    if not host:
        problem(Severity.WARNING, "inventory_incomplete", "no host or url to check")
        return _status(report), findings
    try:
        target = await policy.resolve(host)
    except (TargetNotAllowed, InvalidTarget) as exc:
        problem(Severity.WARNING, "inventory_target_refused", exc.message)
        return _status(report), findings
    ip = target.primary
    if ip is None:
        problem(
            Severity.CRITICAL, "service_unresolvable", f"{host} does not resolve ({target.resolution_error})"
        )
        return _status(report), findings
    if service.port:
        result = await connect_once(ip, service.port, timeout)
        report["checks"]["tcp"] = result
        if not result["open"]:
            problem(Severity.CRITICAL, "service_port_closed", f"port {service.port} is {result['state']}")
    if service.url:
        http = await check_http(service.url, ip, policy, timeout, trust)
        report["checks"]["http"] = http.output
        for found in _http_problems(service.url, service.expected_status, http.output):
            problem(*found)
    if service.min_cert_days is not None:
        port = _tls_port(service)
        tls = await check_tls(ip, target.host, port, timeout, trust)
        report["checks"]["tls"] = tls.output
        for found in _certificate_problems(port, service.min_cert_days, tls.output):
            problem(*found)
    return _status(report), findings


# A problem a check found: its severity, its code, and its message (without the service's name).
_Problem = tuple[Severity, str, str]


def _http_problems(url: str, expected: int | None, output: dict[str, Any]) -> list[_Problem]:
    """The GET failed, or answered other than the inventory expects (a server error when it
    expects nothing in particular)."""
    status = output.get("status_code")
    if status is None:
        return [(Severity.CRITICAL, "service_http_failed", f"GET {url} failed: {output.get('error')}")]
    if expected is not None and status != expected:
        return [
            (Severity.CRITICAL, "service_status_drift", f"GET {url} answered {status}, expected {expected}")
        ]
    if expected is None and status >= 500:
        return [(Severity.CRITICAL, "service_http_error", f"GET {url} answered {status}")]
    return []


def _tls_port(service: ServiceSpec) -> int:
    """The port whose certificate is checked: the https url's, else the service's port, else 443."""
    parts = urlsplit(service.url) if service.url else None
    return (parts.port or 443) if parts and parts.scheme == "https" else (service.port or 443)


def _certificate_problems(port: int, min_days: int, output: dict[str, Any]) -> list[_Problem]:
    """No certificate, one that expires sooner than the inventory allows (critical within three
    days), or one that is not trusted."""
    days = output.get("days_until_expiry")
    if days is None:
        return [
            (
                Severity.CRITICAL,
                "service_tls_failed",
                f"no TLS certificate on port {port}: {output.get('error')}",
            )
        ]
    problems: list[_Problem] = []
    if days < min_days:
        problems.append(
            (
                Severity.CRITICAL if days <= 3 else Severity.WARNING,
                "service_cert_expiring",
                f"certificate expires in {days} days (minimum {min_days})",
            )
        )
    if not output.get("trusted"):
        problems.append(
            (
                Severity.CRITICAL,
                "service_cert_untrusted",
                f"certificate not trusted: {output.get('verify_error')}",
            )
        )
    return problems


def _status(report: dict[str, Any]) -> dict[str, Any]:
    report["status"] = "healthy" if not report["problems"] else "drifted"
    return report
