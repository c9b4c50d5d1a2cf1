"""Explains what usually listens on a TCP port and what to check when it misbehaves."""

from __future__ import annotations

import re
import socket
import time

from pydantic import BaseModel, ConfigDict, Field

from app.agents.base import AgentCard, AgentContext, AgentResult, Finding, Severity

KNOWN_PORTS: dict[int, tuple[str, str]] = {
    22: ("SSH", "sshd running and AllowUsers/firewall rules"),
    25: ("SMTP", "the MTA queue and whether the provider blocks outbound 25"),
    53: ("DNS", "the resolver process and UDP as well as TCP reachability"),
    80: ("HTTP", "the web server and any redirect to 443"),
    443: ("HTTPS", "the certificate and the TLS terminator"),
    3306: ("MySQL / MariaDB", "bind-address and max_connections"),
    5432: ("PostgreSQL", "listen_addresses, pg_hba.conf and max_connections"),
    5672: ("AMQP (RabbitMQ)", "the broker's listeners and vhost permissions"),
    6379: ("Redis", "bind/protected-mode and maxclients"),
    8080: ("HTTP (alternate)", "the application server behind it"),
    9092: ("Kafka", "advertised.listeners matching the address clients use"),
    9200: ("Elasticsearch", "cluster health and network.host"),
    11211: ("Memcached", "that it is not exposed publicly"),
    27017: ("MongoDB", "bindIp and authentication"),
}


class PortReferenceInput(BaseModel):
    model_config = ConfigDict(extra="allow")

    port: int | None = Field(default=None, ge=1, le=65535)


class PortReferenceAgent:
    card = AgentCard(
        id="port_reference",
        name="Port reference",
        description="Says which service usually listens on a TCP port and what to check first.",
        capabilities=("port_reference",),
        version="1.0.0",
        input_model=PortReferenceInput,
        # The router compares tasks with these: no code change in the service routes a plugin.
        examples=(
            "What usually runs on port 5432?",
            "which service uses port 9092",
            "what is port 6443 normally used for",
            "which daemon listens on 11211 by default",
            "port 27017 belongs to what software?",
            "what app would be on 9200",
            "who uses tcp 5672 usually",
            "what service is 3306",
        ),
        keywords={"usually runs": 1.5, "which service": 1.5, "what runs": 1.5, "well-known port": 1.5},
        entity_weights={"port": 0.5},
    )

    async def execute(self, task: str, context: AgentContext) -> AgentResult:
        started = time.perf_counter()
        assert isinstance(context.input, PortReferenceInput)
        port = context.input.port
        if port is None:
            match = re.search(r"\b(\d{1,5})\b", task)
            port = int(match.group(1)) if match and 0 < int(match.group(1)) < 65536 else None
        if port is None:
            return AgentResult(
                agent_id=self.card.id, status="failed", summary="No port number in the task.",
                error="give context.port or name a port in the task",
                duration_ms=(time.perf_counter() - started) * 1000,
            )
        service, advice = KNOWN_PORTS.get(port, (_system_name(port), "the process bound to it (ss -ltnp)"))
        message = f"Port {port} is usually {service}; check {advice}."
        return AgentResult(
            agent_id=self.card.id,
            status="completed",
            summary=message,
            findings=[Finding(severity=Severity.INFO, code="port_service", message=message)],
            output={"port": port, "service": service, "check": advice},
            duration_ms=(time.perf_counter() - started) * 1000,
        )


def _system_name(port: int) -> str:
    try:
        return socket.getservbyport(port, "tcp")
    except OSError:
        return "not a well-known service"
