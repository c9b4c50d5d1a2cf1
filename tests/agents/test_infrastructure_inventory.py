"""The infrastructure agent's inventory check: healthy and dead services told apart, and a target
the policy refuses reported as drift, not probed."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest

from app.agents.base import AgentContext
from app.agents.infrastructure.agent import InfrastructureAgent, InfrastructureInput
from app.security.target_policy import TargetPolicy
from tests.loopback_servers import server_port, start_http

pytestmark = pytest.mark.database_free  # left out of the PostgreSQL pass: tests/conftest.py


@pytest.fixture
async def healthy_http() -> AsyncIterator[int]:
    server = await start_http()
    yield server_port(server)
    server.close()
    await server.wait_closed()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_inventory_tells_healthy_from_dead_services(healthy_http: int) -> None:
    dead = closed_port()
    inventory = {"services": [
        {"name": "api", "host": "127.0.0.1", "port": healthy_http, "url": f"http://127.0.0.1:{healthy_http}/", "expected_status": 200},
        {"name": "billing", "host": "127.0.0.1", "port": dead},
        {"name": "shop", "url": f"http://127.0.0.1:{healthy_http}/fail", "expected_status": 200},
        {"name": "metadata", "host": "169.254.169.254", "port": 80},
    ]}  # fmt: skip
    policy = TargetPolicy(allow=["127.0.0.0/8"])
    context = AgentContext(
        input=InfrastructureInput.model_validate({"inventory": inventory}), target_policy=policy
    )
    result = await InfrastructureAgent(check_timeout=2).execute("verify inventory", context)
    status = {s["name"]: s["status"] for s in result.output["inventory"]}
    assert status == {"api": "healthy", "billing": "drifted", "shop": "drifted", "metadata": "drifted"}
    codes = {f.code for f in result.findings}
    assert {"service_port_closed", "service_status_drift", "inventory_target_refused"} <= codes
    assert "3 of 4" not in result.summary and "1 of 4 services healthy" in result.summary
