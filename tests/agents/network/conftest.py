from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.agents.base import AgentContext
from app.agents.network.agent import NetworkDiagnosticsAgent, NetworkLimits
from app.agents.network.models import NetworkDiagnosticsInput
from app.security.target_policy import TargetPolicy
from tests.loopback_servers import (
    Certificates,
    make_certificates,
    server_context,
    server_port,
    start_dns,
    start_http,
)

LOOPBACK_POLICY = TargetPolicy(allow=["127.0.0.0/8", "::1/128", "localhost"])
ZONE = {
    ("svc.test", "A"): ["127.0.0.1"],
    ("alias.test", "CNAME"): ["svc.test."],
    ("alias.test", "A"): ["127.0.0.1"],
    ("mail.test", "A"): ["127.0.0.1"],
    ("mail.test", "MX"): ["10 mx1.mail.test.", "20 mx2.mail.test."],
    ("localhost", "A"): ["127.0.0.1"],
}


def context(policy: TargetPolicy = LOOPBACK_POLICY, **fields: object) -> AgentContext:
    return AgentContext(input=NetworkDiagnosticsInput.model_validate(fields), target_policy=policy)


@pytest.fixture
async def tcp_port() -> AsyncIterator[int]:
    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    yield server_port(server)
    server.close()
    await server.wait_closed()


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
async def http_port() -> AsyncIterator[int]:
    server = await start_http()
    yield server_port(server)
    server.close()
    await server.wait_closed()


@pytest.fixture
def certificates(tmp_path: Path) -> Certificates:
    return make_certificates(tmp_path, days_valid=10)


@pytest.fixture
async def tls_port(certificates: Certificates) -> AsyncIterator[int]:
    server = await start_http(server_context(certificates))
    yield server_port(server)
    server.close()
    await server.wait_closed()


@pytest.fixture
async def dns_port() -> AsyncIterator[int]:
    transport, port = await start_dns(ZONE)
    yield port
    transport.close()


@pytest.fixture
def agent(dns_port: int, certificates: Certificates) -> NetworkDiagnosticsAgent:
    return NetworkDiagnosticsAgent(
        NetworkLimits(
            check_timeout=2.0, nameservers=(f"127.0.0.1:{dns_port}",), ca_file=str(certificates.ca_file)
        )
    )
