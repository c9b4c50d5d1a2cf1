"""How objects in one Kubernetes file fit together: a Service that selects no pod, and a
PodDisruptionBudget that blocks every drain; a file without workloads is not judged."""

from __future__ import annotations

from typing import Any

import pytest

from tests.agents.test_infrastructure import audit, k8s_container, k8s_workload, manifest, risky_codes


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


@pytest.mark.parametrize(
    ("heap", "limit", "flagged"),
    [
        ("-Xmx3g", "2Gi", True),
        ("-Xms3g -Xmx3072m", "3Gi", True),
        ("-Xmx1536m", "2Gi", False),
        ("-Xmx2g", "4G", False),
    ],
)
async def test_a_jvm_heap_as_large_as_the_memory_limit_is_critical(
    heap: str, limit: str, flagged: bool
) -> None:
    container = k8s_container(env=[{"name": "JAVA_TOOL_OPTIONS", "value": heap}],
                              resources={"requests": {"cpu": "1"}, "limits": {"memory": limit}})  # fmt: skip
    codes = risky_codes(await audit(manifest(k8s_workload("Deployment", "pricing", [container]))))
    assert ("heap_over_memory_limit" in codes) is flagged


@pytest.mark.parametrize(
    ("image", "volume", "flagged"),
    [("postgres:16.3", {"emptyDir": {}}, True), ("bitnami/postgresql:16", {"emptyDir": {"medium": "Memory"}}, True),
     ("postgres:16.3", {"persistentVolumeClaim": {"claimName": "data"}}, False), ("nginx:1.27", {"emptyDir": {}}, False)],
)  # fmt: skip
async def test_a_database_on_an_empty_dir_loses_its_data(
    image: str, volume: dict[str, Any], flagged: bool
) -> None:
    container = k8s_container(
        "db", image=image, volumeMounts=[{"name": "data", "mountPath": "/var/lib/postgresql/data"}]
    )
    workload = k8s_workload(
        "StatefulSet", "orders-db", [container], replicas=2, volumes=[{"name": "data", **volume}]
    )
    result = await audit(manifest(workload))
    assert ("data_on_ephemeral_storage" in risky_codes(result)) is flagged
    if flagged:
        assert result.findings[0].code == "data_on_ephemeral_storage"


@pytest.mark.parametrize(
    ("liveness", "startup", "flagged"),
    [
        ({"httpGet": {"path": "/health", "port": 8080}, "failureThreshold": 1}, None, True),
        ({"httpGet": {"path": "/health", "port": 8080}, "failureThreshold": 3}, None, False),
        ({"httpGet": {"path": "/health", "port": 8080}}, None, False),  # the default is 3
    ],
)
async def test_a_liveness_probe_that_gives_up_after_one_failure(
    liveness: dict[str, Any], startup: dict[str, Any] | None, flagged: bool
) -> None:
    container = k8s_container(livenessProbe=liveness, startupProbe=startup)
    result = await audit(manifest(k8s_workload("Deployment", "orders", [container])))
    assert risky_codes(result) == ({"fragile_liveness_probe"} if flagged else set())
    if flagged:
        assert "without a startupProbe" in result.findings[0].message


@pytest.mark.parametrize(
    ("liveness", "startup", "flagged"),
    [
        ({"initialDelaySeconds": 5, "periodSeconds": 5, "failureThreshold": 2}, None, True),  # 15 s
        ({"initialDelaySeconds": 5, "periodSeconds": 5, "failureThreshold": 2}, {"failureThreshold": 30}, False),
        ({"initialDelaySeconds": 10, "periodSeconds": 10, "failureThreshold": 3}, None, False),  # 40 s
        ({}, None, False),  # Kubernetes' defaults: 30 s
    ],
)  # fmt: skip
async def test_a_liveness_probe_that_kills_a_slow_start_without_a_startup_probe(
    liveness: dict[str, Any], startup: dict[str, Any] | None, flagged: bool
) -> None:
    probe = {"httpGet": {"path": "/health", "port": 8080}, **liveness}
    container = k8s_container(livenessProbe=probe, startupProbe=startup)
    result = await audit(manifest(k8s_workload("Deployment", "ledger", [container])))
    assert risky_codes(result) == ({"fragile_liveness_probe"} if flagged else set())
    if flagged:
        assert "not answering 15 s after start" in result.findings[0].message
