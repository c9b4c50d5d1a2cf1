"""The infrastructure agent: every risky compose and Kubernetes setting flagged, secrets never
echoed, and an inventory's healthy and dead services told apart."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest

from app.agents.base import AgentContext
from app.agents.infrastructure.agent import InfrastructureAgent, InfrastructureInput
from app.main import create_app
from app.security.target_policy import TargetPolicy
from tests.conftest import PLAIN_KEY, open_client
from tests.loopback_servers import server_port, start_http

SECRET = "Sup3r-S3cret-Value-42"
COMPOSE = f"""
services:
  web:
    image: nginx:latest
    privileged: true
    network_mode: host
    pid: host
    user: root
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
      - /etc:/host-etc:ro
      - data:/data
    environment:
      DB_PASSWORD: {SECRET}
      API_TOKEN: ${{API_TOKEN}}
      LOG_LEVEL: info
  worker:
    image: registry.example.com/worker
  safe:
    image: registry.example.com/api:1.4.2
    user: "1000"
    deploy:
      resources:
        limits: {{cpus: "0.5", memory: 256M}}
volumes:
  data: {{}}
"""
KUBERNETES = f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  template:
    spec:
      hostNetwork: true
      hostPID: true
      volumes:
        - name: sock
          hostPath: {{path: /var/run/docker.sock}}
      containers:
        - name: app
          image: example/app:latest
          securityContext: {{privileged: true, runAsUser: 0, allowPrivilegeEscalation: true}}
          env:
            - {{name: DATABASE_PASSWORD, value: "{SECRET}"}}
            - {{name: FROM_SECRET, valueFrom: {{secretKeyRef: {{name: s, key: k}}}}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: hardened}}
spec:
  template:
    spec:
      securityContext: {{runAsNonRoot: true}}
      containers:
        - name: app
          image: example/app:2.0.1
          resources: {{limits: {{cpu: 500m, memory: 256Mi}}}}
"""


async def audit(config: str):  # type: ignore[no-untyped-def]
    context = AgentContext(input=InfrastructureInput(config=config), target_policy=TargetPolicy())
    return await InfrastructureAgent().execute("audit", context)


async def test_every_risky_compose_setting_is_flagged() -> None:
    result = await audit(COMPOSE)
    by_service: dict[str, set[str]] = {}
    for finding in result.findings:
        service = finding.message.split(":")[0].removeprefix("service ")
        by_service.setdefault(service, set()).add(finding.code)
    assert by_service["web"] >= {
        "privileged_container", "host_network", "host_pid", "runs_as_root", "image_latest_tag",
        "missing_resource_limits", "docker_socket_mount", "host_path_mount", "plaintext_secret",
    }  # fmt: skip
    assert by_service["worker"] == {"image_untagged", "missing_resource_limits"}
    assert "safe" not in by_service
    secret_findings = [f for f in result.findings if f.code == "plaintext_secret"]
    assert (
        len(secret_findings) == 1 and "DB_PASSWORD" in secret_findings[0].message
    )  # ${API_TOKEN} is a reference
    assert SECRET not in result.model_dump_json()


async def test_every_risky_kubernetes_setting_is_flagged() -> None:
    result = await audit(KUBERNETES)
    web = {f.code for f in result.findings if f.message.startswith("Deployment web")}
    assert web >= {
        "host_network", "host_pid", "privileged_container", "runs_as_root", "privilege_escalation",
        "image_latest_tag", "missing_resource_limits", "docker_socket_mount", "plaintext_secret",
    }  # fmt: skip
    assert not [f for f in result.findings if f.message.startswith("Deployment hardened")]
    assert SECRET not in result.model_dump_json()
    assert result.output["config"]["kind"] == "kubernetes"


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


async def test_over_http_secrets_are_absent_and_bad_yaml_is_422(make_settings) -> None:  # type: ignore[no-untyped-def]
    async for client in open_client(create_app(make_settings())):
        headers = {"X-API-Key": PLAIN_KEY}
        response = await client.post(
            "/api/v1/orchestrate",
            json={"task": "audit this docker-compose file", "context": {"config": COMPOSE}},
            headers=headers,
        )
        assert response.status_code == 200
        assert response.json()["routing"]["agents"] == ["infrastructure"]
        assert SECRET not in response.text
        execution_id = response.json()["execution_id"]
        stored = await client.get(f"/api/v1/executions/{execution_id}", headers=headers)
        assert SECRET not in stored.text
        bad = await client.post(
            "/api/v1/orchestrate",
            json={
                "task": "audit",
                "agent_id": "infrastructure",
                "context": {"config": "services: [unclosed"},
            },
            headers=headers,
        )
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "config_invalid"
