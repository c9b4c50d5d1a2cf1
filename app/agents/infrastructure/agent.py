"""The infrastructure agent (read-only): verifies a declared inventory against reality and audits
docker-compose or Kubernetes YAML for risky settings. It never changes anything."""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app import __version__, blocking
from app.agents.base import (
    SEVERITY_RANK,
    AgentCard,
    AgentContext,
    AgentResult,
    Finding,
    InputNeed,
    Severity,
)
from app.agents.checks.tls import trust_context
from app.agents.infrastructure.config_audit import (
    MAX_CONFIG_BYTES,
    ConfigProblem,
    asked_about,
    audit_config,
    importance,
)
from app.agents.infrastructure.examples import EXAMPLES
from app.agents.infrastructure.inventory import Inventory, verify_inventory
from app.agents.request_text import read_request
from app.errors import AppError, MissingInput
from app.observability.timing import ms_since

INLINE_CONFIG_BYTES = 8_192  # a small file parses faster than a thread hop


class ConfigInvalid(AppError):
    code = "config_invalid"
    status = 422
    message = "The configuration could not be audited."


class InfrastructureInput(BaseModel):
    model_config = ConfigDict(extra="allow")

    inventory: Inventory | None = None
    config: str | None = Field(
        default=None, max_length=MAX_CONFIG_BYTES, description="docker-compose or Kubernetes YAML"
    )


CARD = AgentCard(
    id="infrastructure",
    name="Infrastructure",
    description=(
        "Read-only. Verifies a declared inventory of services (host, port, URL, expected status, "
        "certificate horizon) against reality and reports drift; audits docker-compose and "
        "Kubernetes YAML for privileged containers, host namespaces, latest tags, missing limits, "
        "root users, host mounts and secrets in plain environment values (never echoed)."
    ),
    capabilities=("inventory_verification", "config_audit", "compose_audit", "kubernetes_audit"),
    version=__version__,
    input_model=InfrastructureInput,
    examples=EXAMPLES,
    keywords={
        "inventory": 1.5,
        "drift": 1.2,
        "docker-compose": 1.5,
        "compose": 1.0,
        "kubernetes": 1.5,
        "k8s": 1.5,
        "manifest": 1.2,
        "deployment": 0.6,
        "yaml": 0.8,
        "audit": 1.0,
        "misconfiguration": 1.2,
        "privileged": 1.0,
        "security issues": 0.8,
        "risky": 0.8,
        "config": 0.6,
        "configuration": 0.6,
        "helm": 0.8,
        "pod": 0.6,
        "container": 0.5,
        "services": 0.3,
    },
    entity_weights={"yaml": 1.5, "inventory": 1.5},
    requires_any=("yaml", "inventory"),
    asks=InputNeed(
        needs=("config", "inventory"),
        question=(
            "What should I check? Paste the docker-compose or Kubernetes YAML, or send the service inventory."
        ),
    ),
)


class InfrastructureAgent:
    card = CARD

    def __init__(self, check_timeout: float = 5.0, ca_file: str | None = None) -> None:
        self.check_timeout = check_timeout
        self._trust = trust_context(ca_file)

    async def execute(self, task: str, context: AgentContext) -> AgentResult:
        started = time.perf_counter()
        spec = context.input
        assert isinstance(spec, InfrastructureInput)  # noqa: S101 - the registry validates
        config = spec.config
        if config is None and spec.inventory is None:
            material = read_request(task).material
            config = material if material.strip() else None
        if config is None and spec.inventory is None:
            raise MissingInput(
                "Give context.inventory (services to verify) or context.config (YAML to audit).",
                details=CARD.asks.details(CARD.id) if CARD.asks else None,
            )
        output: dict[str, Any] = {}
        findings: list[Finding] = []
        parts: list[str] = []
        if spec.inventory is not None:
            timeout = context.remaining(self.check_timeout)
            services, found = await verify_inventory(
                spec.inventory, context.target_policy, timeout, self._trust
            )
            output["inventory"] = services
            findings += found
            drifted = [s["name"] for s in services if s["status"] != "healthy"]
            parts.append(
                f"{len(services) - len(drifted)} of {len(services)} services healthy"
                + (f"; drift on {', '.join(drifted[:10])}" if drifted else "")
            )
        if config is not None:
            try:
                # Up to 256 KB of YAML: parsed off the event loop, on the parsing pool.
                kind, found = (
                    audit_config(config) if len(config) <= INLINE_CONFIG_BYTES
                    else await blocking.run("parsing", audit_config, config)
                )  # fmt: skip
            except ConfigProblem as exc:
                raise ConfigInvalid(f"context.config: {exc}") from None
            output["config"] = {"kind": kind, "issues": len(found)}
            findings += found
            parts.append(_audit_summary(kind, found))
        # What the question asks about first, then by severity and importance.
        asked = asked_about(task)
        findings.sort(key=lambda f: (f.code not in asked, -SEVERITY_RANK[f.severity], importance(f)))
        if not findings:
            checked = []
            if "config" in output:
                checked.append(f"nothing risky in the {output['config']['kind']} file ({_CHECKED})")
            if "inventory" in output:
                checked.append("every service matches its expected state")
            message = f"No issues found: {'; '.join(checked) or 'nothing to check'}."
            findings.append(Finding(severity=Severity.INFO, code="no_issues", message=message))
        return AgentResult(
            agent_id=CARD.id,
            status="completed",
            summary="; ".join(parts) + ".",
            findings=findings,
            output=output,
            duration_ms=ms_since(started),
        )


_CHECKED = (
    "privileges, capabilities, host access, secrets, exposure, image tags, limits, health checks, "
    "replicas and RBAC were checked"
)


def _audit_summary(kind: str, found: list[Finding]) -> str:
    if not found:
        return f"{kind} audit: nothing risky"
    critical = sum(f.severity == Severity.CRITICAL for f in found)
    return (
        f"{kind} audit: {len(found)} risky setting(s), {critical} critical, {len(found) - critical} warning"
    )
