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
        status = http.output.get("status_code")
        expected = service.expected_status
        if status is None:
            problem(
                Severity.CRITICAL,
                "service_http_failed",
                f"GET {service.url} failed: {http.output.get('error')}",
            )
        elif expected is not None and status != expected:
            problem(
                Severity.CRITICAL,
                "service_status_drift",
                f"GET {service.url} answered {status}, expected {expected}",
            )
        elif expected is None and status >= 500:
            problem(Severity.CRITICAL, "service_http_error", f"GET {service.url} answered {status}")
    if service.min_cert_days is not None:
        parts = urlsplit(service.url) if service.url else None
        port = (parts.port or 443) if parts and parts.scheme == "https" else (service.port or 443)
        tls = await check_tls(ip, target.host, port, timeout, trust)
        report["checks"]["tls"] = tls.output
        days = tls.output.get("days_until_expiry")
        if days is None:
            problem(
                Severity.CRITICAL,
                "service_tls_failed",
                f"no TLS certificate on port {port}: {tls.output.get('error')}",
            )
        elif days < service.min_cert_days:
            problem(
                Severity.CRITICAL if days <= 3 else Severity.WARNING,
                "service_cert_expiring",
                f"certificate expires in {days} days (minimum {service.min_cert_days})",
            )
        if days is not None and not tls.output.get("trusted"):
            problem(
                Severity.CRITICAL,
                "service_cert_untrusted",
                f"certificate not trusted: {tls.output.get('verify_error')}",
            )
    return _status(report), findings


def _status(report: dict[str, Any]) -> dict[str, Any]:
    report["status"] = "healthy" if not report["problems"] else "drifted"
    return report
