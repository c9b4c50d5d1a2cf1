"""The system monitoring agent: CPU, load, memory, swap, disks, I/O and network rates and top
processes of the host this service runs on, sampled over time, with threshold findings and
trends; or the same figures of another host read from its Prometheus node exporter."""

from __future__ import annotations

import re
import ssl
import statistics
import time
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app import __version__
from app.agents.base import (
    AgentCard,
    AgentContext,
    AgentResult,
    Finding,
    ProbeTarget,
    Severity,
)
from app.agents.entities import extract_entities, is_exporter_url
from app.agents.request_text import read_request
from app.agents.system import report
from app.agents.system.examples import EXAMPLES
from app.agents.system.node_exporter import ScrapeFailed, sample_remote
from app.agents.system.report import Thresholds, trend
from app.agents.system.sampling import sample
from app.observability.timing import ms_since


class SystemMonitoringInput(BaseModel):
    model_config = ConfigDict(extra="allow")

    duration: float = Field(default=0.0, ge=0, le=60, description="Seconds to sample over (0 to 60).")
    interval: float = Field(default=1.0, ge=0.5, le=60, description="Seconds between samples (0.5 or more).")
    top: int = Field(default=5, ge=1, le=50, description="How many top processes to list.")
    node_exporter_url: str | None = Field(
        default=None,
        max_length=2048,
        description=(
            "Read another host instead of this one: its Prometheus node exporter "
            "(e.g. http://db01:9100/metrics), scraped twice `duration` seconds apart (at least "
            "`interval`). Subject to the network target policy."
        ),
    )

    @field_validator("node_exporter_url")
    @classmethod
    def _exporter_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value.strip())
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError("node_exporter_url must be an http(s) URL with a host")
        if parts.username or parts.password:
            raise ValueError("node_exporter_url must not carry credentials")
        return value.strip()

    @model_validator(mode="after")
    def _interval_fits(self) -> SystemMonitoringInput:
        if self.duration and self.interval > self.duration:
            raise ValueError("interval must not be longer than duration")
        return self


CARD = AgentCard(
    id="system_monitoring",
    name="System monitoring",
    description=(
        "Samples the host the service runs on with psutil: CPU (total and per core), load, memory "
        "and swap, disk usage per mount and I/O rates, network rates per interface and the top "
        "processes by CPU and memory, over `duration` seconds every `interval` seconds; reports "
        "values over the configured thresholds and the trend across samples. With "
        "`node_exporter_url` it reads another host from its Prometheus node exporter instead."
    ),
    capabilities=("cpu", "memory", "disk", "load", "processes", "network_io"),
    version=__version__,
    input_model=SystemMonitoringInput,
    examples=EXAMPLES,
    keywords={
        "cpu": 1.5,
        "memory": 1.2,
        "ram": 1.2,
        "swap": 1.2,
        "disk": 1.0,
        "disk space": 1.5,
        "load": 0.8,
        "system load": 1.5,
        "processes": 1.2,
        "process": 0.8,
        "usage": 0.6,
        "utilisation": 0.8,
        "utilization": 0.8,
        "slow host": 0.8,
        "full": 0.5,
        "oom": 1.0,
        "this host": 0.8,
        "this server": 0.8,
        "this machine": 0.8,
        "sample": 0.6,
        "resources": 0.6,
        "iowait": 1.0,
        "node exporter": 1.5,
        "node_exporter": 1.5,
    },
    entity_weights={"sampling": 1.5, "exporter": 1.5},
)


class SystemMonitoringAgent:
    card = CARD

    def __init__(
        self,
        thresholds: Thresholds | None = None,
        *,
        scrape_timeout: float = 5.0,
        trust: ssl.SSLContext | None = None,
    ) -> None:
        self.thresholds = thresholds or Thresholds()
        self.scrape_timeout = scrape_timeout
        self.trust = trust or ssl.create_default_context()

    def targets(self, task: str, spec: BaseModel) -> list[ProbeTarget]:
        """A node exporter read instead of this host is what a run would contact."""
        assert isinstance(spec, SystemMonitoringInput)  # noqa: S101 - the registry validates
        url = spec.node_exporter_url or exporter_url_in(task)
        if url is None:
            return []
        parts = urlsplit(url)
        return [ProbeTarget(agent=CARD.id, host=parts.hostname, ports=[parts.port or 9100], url=url)]

    async def execute(self, task: str, context: AgentContext) -> AgentResult:
        started = time.perf_counter()
        spec = context.input
        assert isinstance(spec, SystemMonitoringInput)  # noqa: S101 - the registry validates
        url = spec.node_exporter_url or exporter_url_in(task)
        if url:
            return await self._remote(spec, url, context, started, task)
        raw = await sample(spec.duration, spec.interval, spec.top)
        output = _summarise(raw)
        findings = report.findings(output, self.thresholds, task)
        return AgentResult(
            agent_id=CARD.id,
            status="completed",
            summary=report.summary(output, findings, task),
            findings=findings,
            output=output,
            duration_ms=ms_since(started),
        )

    async def _remote(
        self, spec: SystemMonitoringInput, url: str, context: AgentContext, started: float, task: str
    ) -> AgentResult:
        host = urlsplit(url).hostname or url
        window = max(spec.duration, spec.interval)
        try:
            output = await sample_remote(
                url, context.target_policy, window, context.remaining(self.scrape_timeout), self.trust
            )
        except ScrapeFailed as exc:
            message = f"Could not read the node exporter at {url}: {exc}."
            return AgentResult(
                agent_id=CARD.id,
                status="failed",
                summary=message,
                findings=[Finding(severity=Severity.CRITICAL, code="exporter_unreachable", message=message)],
                output={"source": {"node_exporter": url}},
                duration_ms=ms_since(started),
                error=str(exc),
            )
        findings = report.findings(output, self.thresholds, task)
        if not output["source"]["tls_verified"]:
            findings.append(
                Finding(
                    severity=Severity.WARNING,
                    code="exporter_tls_unverified",
                    message=f"The certificate of {host} could not be verified; its figures were read anyway.",
                )
            )
        return AgentResult(
            agent_id=CARD.id,
            status="completed",
            summary=f"{host}: {report.summary(output, findings, task)}",
            findings=findings,
            output=output,
            duration_ms=ms_since(started),
        )


_MENTIONS_EXPORTER = re.compile(r"\bnode[ _-]exporter\b", re.IGNORECASE)


def exporter_url_in(task: str) -> str | None:
    """A task that names a node exporter ("node exporter of db01", "... http://db01:9100/metrics")
    or gives an exporter's URL (port 9100, or a /metrics path) reads that host: the URL given,
    else the exporter's default port and path on the first host."""
    found = extract_entities(read_request(task).request)
    exporter_urls = [url for url in found.urls if is_exporter_url(url)]
    if not exporter_urls and not _MENTIONS_EXPORTER.search(task):
        return None
    for url in exporter_urls or found.urls:
        try:
            return SystemMonitoringInput._exporter_url(url)
        except ValueError:
            continue
    hosts = [*found.ips, *found.hostnames]
    if not hosts:
        return None
    host = hosts[0]
    return f"http://[{host}]:9100/metrics" if ":" in host else f"http://{host}:9100/metrics"


def _summarise(raw: dict[str, Any]) -> dict[str, Any]:
    samples = raw["samples"]
    first, last = raw["baseline"], samples[-1]
    elapsed = max(last["at"] - first["at"], 1e-6)
    cpu = [s["cpu_percent"] for s in samples]
    memory = [s["memory_percent"] for s in samples]
    per_core = [statistics.fmean(core) for core in zip(*(s["cpu_per_core"] for s in samples), strict=False)]
    network = {
        nic: {
            "rx_bytes_per_s": round((last["net"][nic][0] - first["net"][nic][0]) / elapsed, 1),
            "tx_bytes_per_s": round((last["net"][nic][1] - first["net"][nic][1]) / elapsed, 1),
        }
        for nic in last["net"]
        if nic in first["net"]
    }
    return {
        "samples": len(samples),
        "cores": raw["cores"],
        "cpu": {
            "average": round(statistics.fmean(cpu), 1),
            "max": round(max(cpu), 1),
            "per_core_average": [round(v, 1) for v in per_core],
            "trend": trend(cpu),
        },
        "load": {"1m": last["load"][0], "5m": last["load"][1], "15m": last["load"][2]},
        "memory": {
            "percent": last["memory_percent"],
            "available_mb": last["memory_available_mb"],
            "total_mb": last["memory_total_mb"],
            "trend": trend(memory),
        },
        "swap": {"percent": last["swap_percent"]},
        "disks": raw["disks"],
        "disk_io": {
            "read_bytes_per_s": round((last["disk_read_bytes"] - first["disk_read_bytes"]) / elapsed, 1),
            "write_bytes_per_s": round((last["disk_write_bytes"] - first["disk_write_bytes"]) / elapsed, 1),
        },
        "network": network,
        "processes": raw["processes"],
    }
