"""How objects in one Kubernetes file fit together: a Service that selects no pod, and a
PodDisruptionBudget that blocks every drain; a file without workloads is not judged."""

from __future__ import annotations

from typing import Any

import pytest

from tests.agents.test_infrastructure import audit, k8s_workload, manifest, risky_codes


def service(selector: dict[str, str], namespace: str | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": "checkout"} | ({"namespace": namespace} if namespace else {})
    return {"apiVersion": "v1", "kind": "Service", "metadata": metadata,
            "spec": {"selector": selector, "ports": [{"port": 80, "targetPort": 8080}]}}  # fmt: skip


def budget(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "checkout"},
            "spec": {"selector": {"matchLabels": {"app": "checkout"}}, **spec}}  # fmt: skip


@pytest.mark.parametrize(
    ("documents", "flagged"),
    [
        ([service({"app": "checkout"})], False),
        ([service({"app.kubernetes.io/name": "checkout-api"})], True),
        ([service({"app": "checkout", "tier": "web"})], True),  # every key must match
        ([service({"app": "checkout"}, namespace="shop")], True),  # the workload is in default
    ],
)
async def test_a_service_that_selects_no_pod_in_the_file_is_critical(
    documents: list[Any], flagged: bool
) -> None:
    result = await audit(manifest(k8s_workload("Deployment", "checkout"), *documents))
    assert ("service_selects_no_pods" in risky_codes(result)) is flagged
    if flagged:
        assert (
            result.findings[0].code == "service_selects_no_pods" and result.findings[0].severity == "critical"
        )
        assert "no endpoints" in result.findings[0].message


async def test_a_service_alone_is_not_judged() -> None:
    assert risky_codes(await audit(manifest(service({"app": "anything"})))) == set()


@pytest.mark.parametrize(
    ("spec", "replicas", "flagged"),
    [
        ({"minAvailable": 3}, 3, True),
        ({"minAvailable": 4}, 3, True),
        ({"minAvailable": "100%"}, 3, True),
        ({"maxUnavailable": 0}, 3, True),
        ({"minAvailable": 2}, 3, False),
        ({"maxUnavailable": 1}, 3, False),
        ({"minAvailable": 1}, 2, False),
    ],
)
async def test_a_budget_that_allows_no_disruption_blocks_drains(
    spec: dict[str, Any], replicas: int, flagged: bool
) -> None:
    result = await audit(manifest(k8s_workload("Deployment", "checkout", replicas=replicas), budget(**spec)))
    assert risky_codes(result) == ({"pdb_blocks_drain"} if flagged else set())
