"""How objects in one Kubernetes file fit together: a Service that selects no pod, and a
PodDisruptionBudget that blocks every drain; a file without workloads is not judged."""

from __future__ import annotations

from typing import Any

import pytest

from tests.agents.test_infrastructure import (
    audit,
    compose,
    compose_service,
    k8s_container,
    k8s_workload,
    manifest,
    risky_codes,
)

pytestmark = pytest.mark.database_free  # left out of the PostgreSQL pass: tests/conftest.py


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


def listening(port: int = 3000, name: str = "http") -> dict[str, Any]:
    return k8s_workload(
        "Deployment", "checkout", [k8s_container(ports=[{"name": name, "containerPort": port}])]
    )


def exposing(target: Any) -> dict[str, Any]:
    port: dict[str, Any] = {"port": 80} | ({} if target is None else {"targetPort": target})
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "checkout"},
            "spec": {"selector": {"app": "checkout"}, "ports": [port]}}  # fmt: skip


@pytest.mark.parametrize(
    ("workload", "target", "flagged"),
    [
        (listening(3000), 8080, True),
        (listening(3000), "8080", True),
        (listening(3000), 3000, False),
        (listening(3000, "web"), "web", False),
        (listening(3000, "web"), "http", True),  # a name no port has
        (listening(80), None, False),  # no targetPort: the port itself
        (listening(3000), None, True),
        (k8s_workload("Deployment", "checkout"), 8080, False),  # ports not declared: not judged
    ],
)
async def test_a_service_whose_target_port_no_pod_listens_on_is_critical(
    workload: dict[str, Any], target: Any, flagged: bool
) -> None:
    result = await audit(manifest(workload, exposing(target)))
    assert ("service_port_mismatch" in risky_codes(result)) is flagged
    if flagged:
        [finding] = [f for f in result.findings if f.code == "service_port_mismatch"]
        assert finding.severity == "critical" and "refused" in finding.message


def policy(
    name: str, types: list[str], egress: list[Any] | None = None, namespace: str = "pay"
) -> dict[str, Any]:
    spec: dict[str, Any] = {"podSelector": {}, "policyTypes": types}
    if egress is not None:
        spec["egress"] = egress
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": namespace}, "spec": spec}  # fmt: skip


POSTGRES_ONLY = [
    {"to": [{"podSelector": {"matchLabels": {"app": "pg"}}}], "ports": [{"protocol": "TCP", "port": 5432}]}
]
DNS = [{"to": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]  # fmt: skip


@pytest.mark.parametrize(
    ("policies", "flagged"),
    [
        ([policy("deny-all", ["Ingress", "Egress"]), policy("pg", ["Egress"], POSTGRES_ONLY)], True),
        ([policy("deny-all", ["Ingress", "Egress"]), policy("pg", ["Egress"], POSTGRES_ONLY),
          policy("dns", ["Egress"], DNS)], False),
        ([policy("deny-all", ["Egress"]), policy("dns", ["Egress"], [{"ports": [{"port": "dns"}]}])], False),
        ([policy("deny-all", ["Egress"]), policy("any", ["Egress"], [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}])],
         False),  # a rule without ports allows every port
        ([policy("range", ["Egress"], [{"ports": [{"port": 1, "endPort": 1024}]}])], False),
        ([policy("only-ingress", ["Ingress"])], False),
        ([policy("implied", [], POSTGRES_ONLY)], True),  # egress rules make it an Egress policy
        ([policy("deny-all", ["Egress"]), policy("pg", ["Egress"], POSTGRES_ONLY),
          policy("dns", ["Egress"], DNS, namespace="other")], True),
        # Nothing out at all (a static site behind its ingress): no name to resolve either.
        ([policy("deny-all", ["Ingress", "Egress"])], False),
        ([policy("web", ["Ingress", "Egress"], [])], False),
    ],
)  # fmt: skip
async def test_egress_policies_that_leave_dns_out_are_critical(policies: list[Any], flagged: bool) -> None:
    result = await audit(manifest(*policies))
    assert ("network_policy_blocks_dns" in risky_codes(result)) is flagged
    if flagged:
        [finding] = [f for f in result.findings if f.code == "network_policy_blocks_dns"]
        assert (
            finding.severity == "critical"
            and "port 53" in finding.message
            and "namespace pay" in finding.message
        )


def autoscaler(metric: dict[str, Any] | None = None, **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "checkout"},
                            "minReplicas": 2, "maxReplicas": 5, **spec}  # fmt: skip
    if metric is not None:
        body["metrics"] = [metric]
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "checkout"},
            "spec": body}  # fmt: skip


def cpu(target: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Resource", "resource": {"name": "cpu", "target": target}}


MEMORY_ONLY = {"requests": {"memory": "256Mi"}, "limits": {"memory": "256Mi"}}


@pytest.mark.parametrize(
    ("resources", "hpa", "flagged"),
    [
        (MEMORY_ONLY, autoscaler(cpu({"type": "Utilization", "averageUtilization": 70})), True),
        (MEMORY_ONLY, autoscaler(targetCPUUtilizationPercentage=70), True),  # autoscaling/v1's form
        (MEMORY_ONLY, autoscaler(cpu({"type": "AverageValue", "averageValue": "500m"})), False),
        ({"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"memory": "256Mi"}},
         autoscaler(cpu({"type": "Utilization", "averageUtilization": 70})), False),
    ],
)  # fmt: skip
async def test_an_autoscaler_on_utilization_without_a_request_is_a_warning(
    resources: dict[str, Any], hpa: dict[str, Any], flagged: bool
) -> None:
    workload = k8s_workload("Deployment", "checkout", [k8s_container(resources=resources)])
    result = await audit(manifest(workload, hpa))
    assert ("hpa_without_resource_request" in risky_codes(result)) is flagged
    if flagged:
        [finding] = [f for f in result.findings if f.code == "hpa_without_resource_request"]
        assert finding.severity == "warning" and "<unknown>" in finding.message


@pytest.mark.parametrize(
    ("policy_value", "flagged"), [(None, True), ("Allow", True), ("Forbid", False), ("Replace", False)]
)
async def test_a_cronjob_whose_runs_may_overlap_is_a_warning(policy_value: str | None, flagged: bool) -> None:
    job = k8s_workload("CronJob", "sync")
    if policy_value is None:
        del job["spec"]["concurrencyPolicy"]
    else:
        job["spec"]["concurrencyPolicy"] = policy_value
    result = await audit(manifest(job))
    assert ("cronjob_overlap" in risky_codes(result)) is flagged


SPRING = [{"name": "SPRING_PROFILES_ACTIVE", "value": "prod"}]
QUICK_LIVENESS = {"httpGet": {"path": "/live", "port": 8000}, "initialDelaySeconds": 10, "periodSeconds": 5,
                  "failureThreshold": 3}  # fmt: skip


@pytest.mark.parametrize(
    ("container", "flagged"),
    [
        (k8s_container(env=SPRING, livenessProbe=QUICK_LIVENESS), True),  # 25 s for a Spring app
        (k8s_container(image="eclipse-temurin:21-jre", livenessProbe=QUICK_LIVENESS), True),
        (k8s_container(livenessProbe=QUICK_LIVENESS), False),  # 25 s is enough for a small service
        (k8s_container(env=SPRING, livenessProbe=QUICK_LIVENESS,
                       startupProbe={"httpGet": {"path": "/live", "port": 8000}, "failureThreshold": 30}), False),
        (k8s_container(env=SPRING, livenessProbe={**QUICK_LIVENESS, "initialDelaySeconds": 90}), False),
    ],
)  # fmt: skip
async def test_a_jvm_app_needs_a_minute_before_its_liveness_probe_may_kill_it(
    container: dict[str, Any], flagged: bool
) -> None:
    result = await audit(manifest(k8s_workload("Deployment", "ledger", [container])))
    assert ("fragile_liveness_probe" in risky_codes(result)) is flagged


async def test_what_the_question_asks_about_comes_first() -> None:
    from app.agents.base import AgentContext
    from app.agents.infrastructure.agent import InfrastructureAgent, InfrastructureInput
    from app.security.target_policy import TargetPolicy

    workload = k8s_workload(
        "Deployment",
        "checkout",
        [k8s_container(resources=MEMORY_ONLY, env=[{"name": "DB_PASSWORD", "value": "hunter2"}])],
    )
    config = manifest(workload, autoscaler(cpu({"type": "Utilization", "averageUtilization": 70})))
    agent = InfrastructureAgent()

    async def first(task: str) -> str:
        context = AgentContext(input=InfrastructureInput(config=config), target_policy=TargetPolicy())
        return (await agent.execute(task, context)).findings[0].code

    assert await first("review this manifest") == "plaintext_secret"  # critical first
    assert await first("the HPA shows <unknown>/70% and never scales out") == "hpa_without_resource_request"


async def test_a_service_for_pods_defined_elsewhere_is_not_judged() -> None:
    """A database's Service beside an application's manifests: its pods live in another file."""
    database = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "payments-db"},
                "spec": {"selector": {"app": "payments-db"}, "ports": [{"port": 5432}]}}  # fmt: skip
    result = await audit(manifest(k8s_workload("Deployment", "payments-api"), database))
    assert "service_selects_no_pods" not in risky_codes(result)


LISTENING_3000 = [{"name": "http", "containerPort": 3000}]


@pytest.mark.parametrize(
    ("container", "flagged"),
    [
        (k8s_container(ports=LISTENING_3000, livenessProbe={"tcpSocket": {"port": 3000}},
                       readinessProbe={"httpGet": {"path": "/ready", "port": 8080}}), True),
        (k8s_container(ports=LISTENING_3000, livenessProbe={"tcpSocket": {"port": "http"}},
                       readinessProbe={"httpGet": {"path": "/ready", "port": "web"}}), True),
        (k8s_container(ports=LISTENING_3000, env=[{"name": "PORT", "value": "3000"}],
                       livenessProbe={"httpGet": {"path": "/live", "port": 8080}}, readinessProbe=None), True),
        (k8s_container(ports=LISTENING_3000, livenessProbe={"httpGet": {"path": "/live", "port": "http"}},
                       readinessProbe={"httpGet": {"path": "/ready", "port": 3000}}), False),
        # Ports need not be declared, and a metrics port may go undeclared: nothing confirms 3000.
        (k8s_container(ports=LISTENING_3000, livenessProbe={"httpGet": {"path": "/live", "port": 9090}},
                       readinessProbe={"httpGet": {"path": "/ready", "port": 9090}}), False),
        (k8s_container(livenessProbe={"httpGet": {"path": "/live", "port": 8080}}), False),
    ],
)  # fmt: skip
async def test_a_probe_on_a_port_the_container_does_not_listen_on_is_critical(
    container: dict[str, Any], flagged: bool
) -> None:
    result = await audit(manifest(k8s_workload("Deployment", "catalog", [container])))
    assert ("probe_port_mismatch" in risky_codes(result)) is flagged


def claim(*modes: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "media"},
            "spec": {"accessModes": list(modes), "resources": {"requests": {"storage": "10Gi"}}}}  # fmt: skip


MOUNTS_MEDIA = [{"name": "media", "persistentVolumeClaim": {"claimName": "media"}}]


@pytest.mark.parametrize(
    ("documents", "flagged"),
    [
        ([claim("ReadWriteOnce"), k8s_workload("Deployment", "worker", replicas=4, volumes=MOUNTS_MEDIA)], True),
        ([claim("ReadWriteOnce"), k8s_workload("Deployment", "worker", replicas=1, volumes=MOUNTS_MEDIA)], False),
        ([claim("ReadWriteMany"), k8s_workload("Deployment", "worker", replicas=4, volumes=MOUNTS_MEDIA)], False),
        ([k8s_workload("Deployment", "worker", replicas=4, volumes=MOUNTS_MEDIA)], False),  # claim not in the file
    ],
)  # fmt: skip
async def test_replicas_sharing_one_read_write_once_claim_are_critical(
    documents: list[Any], flagged: bool
) -> None:
    result = await audit(manifest(*documents))
    assert ("shared_single_node_volume" in risky_codes(result)) is flagged


def tls_secret(namespace: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "wildcard-tls", "namespace": namespace},
            "type": "kubernetes.io/tls", "data": {"tls.crt": "", "tls.key": ""}}  # fmt: skip


INGRESS = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "shop", "namespace": "shop"},
           "spec": {"tls": [{"hosts": ["shop.example.com"], "secretName": "wildcard-tls"}]}}  # fmt: skip


@pytest.mark.parametrize(
    ("secrets", "flagged"),
    [([tls_secret("cert-store")], True), ([tls_secret("shop")], False),
     ([tls_secret("cert-store"), tls_secret("shop")], False), ([], False)],
)  # fmt: skip
async def test_an_ingress_whose_tls_secret_is_in_another_namespace_is_critical(
    secrets: list[Any], flagged: bool
) -> None:
    result = await audit(manifest(INGRESS, *secrets))
    assert ("ingress_tls_secret_elsewhere" in risky_codes(result)) is flagged


@pytest.mark.parametrize(
    ("app", "flagged"),
    [
        ({"environment": {"DATABASE_HOST": "localhost"}}, True),
        ({"environment": {"DATABASE_URL": "postgres://app@127.0.0.1:5432/app"}}, True),
        ({"environment": ["CELERY_BROKER_URL=redis://localhost:6379/0"]}, True),
        ({"environment": {"DATABASE_HOST": "db"}}, False),
        ({"environment": {"DATABASE_HOST": "localhost"}, "network_mode": "host"}, False),
        ({"environment": {"PUBLIC_URL": "http://localhost:8080"}}, False),  # nothing of the file's on 8080
    ],
)
async def test_a_compose_service_that_reaches_another_at_localhost_is_critical(
    app: dict[str, Any], flagged: bool
) -> None:
    config = compose(
        web=compose_service(**app),
        db=compose_service(image="postgres:16.3"),
        redis=compose_service(image="redis:7.2.4"),
    )
    result = await audit(config)
    assert ("localhost_in_container" in risky_codes(result)) is flagged


@pytest.mark.parametrize(
    ("depends", "flagged"),
    [
        (["db"], True),
        ({"db": {"condition": "service_started"}}, True),
        ({"db": {"condition": "service_healthy"}}, False),
        (["cache"], False),  # not a datastore image
    ],
)
async def test_depending_on_a_datastore_that_has_only_started_is_a_warning(
    depends: Any, flagged: bool
) -> None:
    config = compose(
        web=compose_service(depends_on=depends),
        db=compose_service(image="postgres:16.3"),
        cache=compose_service(image="example/cache:1.0"),
    )
    result = await audit(config)
    assert ("dependency_not_ready" in risky_codes(result)) is flagged


@pytest.mark.parametrize(
    ("rolling", "flagged"),
    [
        ({"maxUnavailable": "100%", "maxSurge": 0}, True),
        ({"maxUnavailable": 4, "maxSurge": 0}, True),
        ({"maxUnavailable": 1, "maxSurge": 0}, False),
        ({"maxUnavailable": "100%", "maxSurge": 1}, False),
    ],
)
async def test_a_rollout_that_stops_every_pod_at_once_is_a_warning(
    rolling: dict[str, Any], flagged: bool
) -> None:
    deployment = k8s_workload("Deployment", "web", replicas=4)
    deployment["spec"]["strategy"] = {"type": "RollingUpdate", "rollingUpdate": rolling}
    result = await audit(manifest(deployment))
    assert ("rollout_downtime" in risky_codes(result)) is flagged


async def test_a_data_volume_beside_the_data_directory_is_named() -> None:
    result = await audit(
        compose(db=compose_service(image="postgres:16.3", volumes=["db-data:/var/lib/postgres/data"]))
    )
    [finding] = [f for f in result.findings if f.code == "data_on_ephemeral_storage"]
    assert "/var/lib/postgresql/data" in finding.message and "/var/lib/postgres/data" in finding.message
