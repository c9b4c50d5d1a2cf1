"""Input of the network diagnostics agent: the target and, optionally, which checks to run."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

CheckName = Literal["dns", "ping", "tcp", "http", "tls", "traceroute"]
RecordType = Literal["A", "AAAA", "CNAME", "MX", "TXT", "NS"]
ALL_CHECKS: tuple[CheckName, ...] = ("dns", "ping", "tcp", "http", "tls", "traceroute")
MAX_PORTS = 1024
Port = Annotated[int, Field(ge=1, le=65535)]


class NetworkDiagnosticsInput(BaseModel):
    """Everything is optional: a target missing here is taken from the task's text."""

    model_config = ConfigDict(extra="allow")  # one context may serve several agents

    hostname: str | None = Field(default=None, max_length=253, description="Host name or IP.")
    host: str | None = Field(default=None, max_length=253, description="Alias of hostname.")
    port: int | None = Field(default=None, ge=1, le=65535)
    ports: list[Port] | None = Field(
        default=None, min_length=1, max_length=MAX_PORTS, description="TCP ports to check."
    )
    url: str | None = Field(default=None, max_length=2048, pattern=r"^https?://")
    checks: list[CheckName] | None = Field(
        default=None, min_length=1, description="Checks to run; chosen from the task when absent."
    )
    dns_record_types: list[RecordType] | None = Field(default=None, min_length=1, max_length=6)
    ping_count: int = Field(default=3, ge=1, le=10)
