"""One severity scale for compose and Kubernetes: the table in code is the documented one, the same
risk gets the same code and severity from both auditors, and the defects of the issue are caught."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import Any

import pytest

from app.agents.infrastructure.audit_rules import RULES
from tests.agents.test_infrastructure import (
    EXPECTED_SEVERITY,
    audit,
    compose,
    compose_service,
    k8s_container,
    k8s_workload,
    manifest,
    risky_codes,
)

pytestmark = pytest.mark.database_free  # left out of the PostgreSQL pass: tests/conftest.py

DOC = Path(__file__).resolve().parents[2] / "docs" / "INFRASTRUCTURE_AUDIT.md"
HARDENED_SECURITY = {
    "runAsNonRoot": True, "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
}  # fmt: skip


def security(**changes: Any) -> dict[str, Any]:
    return {k: v for k, v in {**HARDENED_SECURITY, **changes}.items() if v is not None}


def container_pod(**container: Any) -> dict[str, Any]:
    return k8s_workload("Deployment", "api", [k8s_container(**container)])


def test_the_table_in_code_is_the_documented_scale() -> None:
    assert {code: rule.severity.value for code, rule in RULES.items()} == EXPECTED_SEVERITY


def test_the_docs_table_matches_the_code() -> None:
    rows = re.findall(r"^\| `([a-z_]+)` \| (critical|warning|info) \|", DOC.read_text(), re.MULTILINE)
    assert dict(rows) == EXPECTED_SEVERITY
    assert len(rows) == len(EXPECTED_SEVERITY)


def test_only_replicas_rbac_wiring_and_restart_policy_belong_to_one_format() -> None:
    assert {code for code, rule in RULES.items() if not rule.compose} == {
        "single_replica",
        "rbac_cluster_admin",
        "rbac_everyone",
        "rbac_wildcard",
        "rbac_sensitive_permission",
        "service_selects_no_pods",
        "service_port_mismatch",
        "ingress_backend_port_missing",  # compose has no Ingress
        "network_policy_blocks_dns",
        "hpa_without_resource_request",
        "cronjob_overlap",
        "probe_port_mismatch",
        "shared_single_node_volume",
        "ingress_tls_secret_elsewhere",
        "rollout_downtime",
        "pdb_blocks_drain",
        "fragile_liveness_probe",
        "quorum_unreachable",  # compose runs one container per service: there is no replica count
        "network_policy_any_namespace",
        "node_dns_policy",  # compose containers resolve through Docker's embedded DNS
        "staging_certificate_issuer",  # cert-manager's annotations exist only on Ingresses
        "issuer_not_found",  # ... and so do the issuers they name
        "prestop_exceeds_grace",  # compose has stop_grace_period but no preStop hook
        # Judged against a replica count, which a compose service does not have:
        "quorum_even_size",
        "single_copy_replication",
        "ordered_start_deadlock",  # and compose starts no pod in order
        "sessions_not_shared",
        "scheduler_not_singleton",
        "hpa_target_missing",  # compose has no autoscaler
        "body_size_limit_too_small",  # an Ingress annotation; compose has no ingress controller
        "bootstrap_in_parallel",  # compose starts no StatefulSet's pods in any order
        "sharded_behind_one_address",  # compose's DNS name of a service is already every container
        "mesh_port_blocked",  # NetworkPolicies and Istio's ambient mode are Kubernetes objects
        "strict_arp_disabled",  # kube-proxy and MetalLB run only in Kubernetes
        "memory_volume_unbounded",  # compose's tmpfs is judged by Docker's own default size
        # Cluster add-ons, configured by their own Kubernetes objects or run only in a cluster:
        "snippet_annotations_allowed",  # ingress-nginx's ConfigMap
        "backup_without_volume_data",  # Velero's Schedule and Backup
        "admission_webhook_fail_closed",
        "mesh_mtls_disabled",  # Istio's PeerAuthentication and DestinationRule
        "dns_records_unowned",  # external-dns watches the cluster's Services and Ingresses
        "local_compaction_with_sidecar",  # judged within one pod
        "store_limit_exceeds_volume",  # judged against a volumeClaimTemplate
        "single_instance_replicated",  # judged against a replica count
        "taint_not_tolerated",  # node taints and tolerations exist only in a cluster
        "independent_clusters",  # judged against a replica count
        "address_pool_overlaps_hosts",  # MetalLB's IPAddressPool
        "live_migration_impossible",  # KubeVirt's VirtualMachine
        "unsafe_nfs_mount",  # a PersistentVolume's or StorageClass's mountOptions
        "fqdn_policy_without_dns_proxy",  # Cilium's network policies
        "competing_autoscalers",  # HorizontalPodAutoscalers and KEDA ScaledObjects
        "certificates_share_secret",  # cert-manager's Certificates
        "windows_image_without_os_selector",  # a pod's nodeSelector; compose runs on the host it is on
        "sidecar_blocks_job_completion",  # mesh injection into Jobs
        "disruption_budget_unbounded",  # Karpenter's NodePools
        "run_to_completion_in_deployment",  # compose has no Job to run it as instead
        "schedule_in_dst_gap",  # a CronJob's timeZone; compose schedules nothing
    }
    assert {code for code, rule in RULES.items() if not rule.kubernetes} == {
        "missing_restart_policy",
        "localhost_in_container",  # a pod's containers share localhost: there it is right
        "dependency_not_ready",  # Kubernetes starts no pod in order: readiness probes say when
        "shared_data_directory",  # a claim shared by replicas is shared_single_node_volume there
        "project_directory_served",  # a pod has no project directory to mount
        "host_port_conflict",  # hostPorts are per node: the scheduler places the pods apart
        "memory_lock_unavailable",  # a pod has no ulimits setting: the node's runtime decides
        "proxy_exposes_every_container",  # Traefik's Docker provider: in a cluster it reads Ingresses
        "open_resolver",  # judged from published ports; a cluster's Services are judged elsewhere
        "client_port_not_published",  # published ports again: a Service lists what it routes
        "no_shared_network",  # every pod reaches every Service unless a NetworkPolicy says otherwise
        "undefined_service_host",  # a Service's DNS name is namespaced: judged on compose's flat names
        "udp_port_published_as_tcp",  # a Service port's protocol is judged against the pods' instead
    }


# Each risk written once for compose (a service's settings) and once for Kubernetes (a manifest),
# everything else hardened: each side must give exactly that code, with the same severity.
SAME_RISK: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("privileged_container", {"privileged": True}, container_pod(securityContext=security(privileged=True))),
    ("dangerous_capability", {"cap_add": ["SYS_ADMIN"]},
     container_pod(securityContext=security(capabilities={"add": ["SYS_ADMIN"], "drop": ["ALL"]}))),
    ("added_capability", {"cap_add": ["NET_ADMIN"]},
     container_pod(securityContext=security(capabilities={"add": ["NET_ADMIN"], "drop": ["ALL"]}))),
    ("capabilities_not_dropped", {"cap_drop": None},
     container_pod(securityContext=security(capabilities=None, allowPrivilegeEscalation=None))),
    ("privilege_escalation", {"security_opt": ["no-new-privileges:false"]},
     container_pod(securityContext=security(allowPrivilegeEscalation=True))),
    ("host_network", {"network_mode": "host"}, k8s_workload("Deployment", "api", hostNetwork=True)),
    ("host_pid", {"pid": "host"}, k8s_workload("Deployment", "api", hostPID=True)),
    ("host_ipc", {"ipc": "host"}, k8s_workload("Deployment", "api", hostIPC=True)),
    ("docker_socket_mount", {"volumes": ["/var/run/docker.sock:/var/run/docker.sock"]},
     k8s_workload("Deployment", "api", volumes=[{"name": "s", "hostPath": {"path": "/var/run/docker.sock"}}])),
    ("sensitive_host_path_mount", {"volumes": ["/:/host:ro"]},
     k8s_workload("Deployment", "api", volumes=[{"name": "root", "hostPath": {"path": "/"}}])),
    ("host_path_mount", {"volumes": [{"type": "bind", "source": "/srv/data", "target": "/data"}]},
     k8s_workload("Deployment", "api", volumes=[{"name": "d", "hostPath": {"path": "/srv/data"}}])),
    ("runs_as_root", {"user": "root"}, container_pod(securityContext=security(runAsNonRoot=None, runAsUser=0))),
    ("runs_as_root", {"user": None}, container_pod(securityContext=security(runAsNonRoot=None))),
    ("writable_root_filesystem", {"read_only": False},
     container_pod(securityContext=security(readOnlyRootFilesystem=None, allowPrivilegeEscalation=None))),
    ("plaintext_secret", {"environment": {"DB_PASSWORD": "hunter2"}},
     container_pod(env=[{"name": "DB_PASSWORD", "value": "hunter2"}])),
    ("secret_in_url", {"environment": ["DATABASE_URL=postgres://app:hunter2@db:5432/app"]},
     container_pod(env=[{"name": "DATABASE_URL", "value": "postgres://app:hunter2@db:5432/app"}])),
    ("database_port_exposed", {"ports": ["5432:5432"]}, container_pod(ports=[{"containerPort": 5432, "hostPort": 5432}])),
    ("database_without_password", {"environment": {"POSTGRES_HOST_AUTH_METHOD": "trust"}},
     container_pod(env=[{"name": "POSTGRES_HOST_AUTH_METHOD", "value": "trust"}])),
    ("database_without_password", {"environment": ["MYSQL_ALLOW_EMPTY_PASSWORD=yes"]},
     container_pod(env=[{"name": "MYSQL_ALLOW_EMPTY_PASSWORD", "value": "true"}])),
    ("admin_api_unauthenticated", {"command": "traefik --api.insecure=true --providers.docker"},
     container_pod(args=["--api.insecure=true", "--entrypoints.web.address=:80"])),
    ("admin_api_unauthenticated",
     {"environment": {"GF_AUTH_ANONYMOUS_ENABLED": "true", "GF_AUTH_ANONYMOUS_ORG_ROLE": "Admin"}},
     container_pod(env=[{"name": "GF_AUTH_ANONYMOUS_ENABLED", "value": "true"},
                        {"name": "GF_AUTH_ANONYMOUS_ORG_ROLE", "value": "Editor"}])),
    ("admin_api_unauthenticated", {"environment": ["MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE=health,env"]},
     container_pod(args=["--management.endpoints.web.exposure.include=*"])),
    ("admin_api_unauthenticated", {"command": ["--config.file=/etc/prometheus.yml", "--web.enable-admin-api"]},
     container_pod(args=["--web.enable-admin-api", "--web.enable-lifecycle"])),
    ("admin_api_unauthenticated", {"command": "start-notebook.py --ServerApp.token=''"},
     container_pod(env=[{"name": "JUPYTER_TOKEN", "value": ""}])),
    ("admin_api_unauthenticated", {"command": ["dockerd", "-H", "tcp://0.0.0.0:2375"]},
     container_pod(args=["--host=tcp://0.0.0.0:2375", "--host=unix:///var/run/docker.sock"])),
    ("open_mail_relay", {"environment": {"POSTFIX_mynetworks": "127.0.0.0/8, 0.0.0.0/0"}},
     container_pod(args=["postfix", "-o", "mynetworks=0.0.0.0/0"])),
    ("development_mode", {"image": "hashicorp/vault:1.17.2", "command": ["server", "-dev"]},
     container_pod(image="hashicorp/consul:1.19.1", args=["agent", "-dev", "-client=0.0.0.0"])),
    ("development_mode", {"image": "quay.io/keycloak/keycloak:25.0.2", "command": "start-dev"},
     container_pod(env=[{"name": "VAULT_DEV_ROOT_TOKEN_ID", "valueFrom": {"secretKeyRef": {"name": "v", "key": "t"}}}])),
    ("data_on_ephemeral_storage", {"image": "postgres:16.3"},
     k8s_workload("StatefulSet", "db", [k8s_container(image="postgres:16.3", volumeMounts=[
         {"name": "data", "mountPath": "/var/lib/postgresql/data"}])], volumes=[{"name": "data", "emptyDir": {}}])),
    ("image_latest_tag", {"image": "nginx:latest"}, container_pod(image="nginx:latest")),
    ("image_untagged", {"image": "nginx"}, container_pod(image="nginx")),
    ("missing_resource_limits", {"deploy": None}, container_pod(resources=None)),
    ("missing_health_check",
     {"healthcheck": None, "deploy": {"replicas": 2, "resources": {"limits": {"cpus": "0.5", "memory": "256M"}}}},
     container_pod(readinessProbe=None, livenessProbe=None)),
    ("security_profile_disabled", {"security_opt": ["seccomp:unconfined"]},
     container_pod(securityContext=security(seccompProfile={"type": "Unconfined"}))),
    ("heap_over_memory_limit", {"environment": {"JAVA_TOOL_OPTIONS": "-Xmx256m"}},
     container_pod(env=[{"name": "JAVA_TOOL_OPTIONS", "value": "-Xmx256m"}],  # a JVM starts slowly:
                   startupProbe={"httpGet": {"path": "/live", "port": 8000}, "failureThreshold": 30})),
    ("plaintext_secret", {"command": ["redis-server", "--requirepass", "hunter2"]},
     container_pod(args=["redis-server", "--requirepass", "hunter2"])),
    ("default_credentials", {"environment": {"MINIO_ROOT_USER": "admin", "MINIO_ROOT_PASSWORD": "minioadmin"}},
     container_pod(env=[{"name": "RABBITMQ_DEFAULT_PASS", "value": "guest"}])),
    ("default_credentials", {"environment": {"GF_SECURITY_ADMIN_PASSWORD": "admin"}},
     container_pod(env=[{"name": "MINIO_SECRET_KEY", "value": "minioadmin"}])),
    ("plaintext_listener", {"environment": {"VAULT_LOCAL_CONFIG": '{"listener": {"tcp": {"tls_disable": "true"}}}'}},
     container_pod(args=["server", "-config=/vault/config"], env=[{"name": "VAULT_LOCAL_CONFIG",
                   "value": 'listener "tcp" { tls_disable = true }'}])),
    ("durability_disabled", {"command": "mysqld --innodb-doublewrite=0"},
     container_pod(args=["postgres", "-c", "fsync=off"])),
    ("durability_disabled", {"command": ["etcd", "--unsafe-no-fsync"]},
     container_pod(args=["--skip-innodb-doublewrite"])),
    ("manifest_rejected", {"deploy": {"resources": {"limits": {"cpus": "0.5", "memory": "256M"},
                                                    "reservations": {"memory": "512M"}}}},
     container_pod(resources={"requests": {"cpu": "100m", "memory": "512Mi"},
                              "limits": {"cpu": "500m", "memory": "256Mi"}})),
    ("broken_health_check", {"healthcheck": {"test": ["CMD", "wget -qO- http://localhost/health"]}},
     container_pod(livenessProbe={"exec": {"command": ["wget -qO- http://localhost/health"]}})),
    ("tls_verification_disabled", {"environment": ["PYTHONHTTPSVERIFY=0"]},
     container_pod(env=[{"name": "GIT_SSL_NO_VERIFY", "value": "true"}])),
    ("development_mode", {"environment": {"RAILS_ENV": "development"}},
     container_pod(env=[{"name": "ASPNETCORE_ENVIRONMENT", "value": "Development"}])),
    ("admin_api_unauthenticated", {"image": "hasura/graphql-engine:v2.38.1"},
     container_pod(args=["celery", "--broker=redis://redis:6379/0", "flower", "--port=5555"])),
    ("admin_api_unauthenticated", {"command": ["node", "--inspect=0.0.0.0:9229", "server.js"]},
     container_pod(args=["python", "-m", "debugpy", "--listen", "0.0.0.0:5678", "app.py"])),
    ("eviction_without_memory_cap", {"image": "redis:7.2.4", "command": "redis-server --maxmemory-policy allkeys-lru",
                                     "volumes": ["cache:/data"]},
     container_pod(image="redis:7.2.4", args=["--maxmemory-policy", "volatile-lru", "--maxmemory", "0"])),
    ("untrusted_code_execution", {"image": "ghcr.io/runatlantis/atlantis:v0.27.3",
                                  "environment": {"ATLANTIS_GH_WEBHOOK_SECRET_FILE": "/run/secrets/hook",
                                                  "ATLANTIS_REPO_ALLOWLIST": "*"}},
     container_pod(image="ghcr.io/runatlantis/atlantis:v0.27.3", args=["server"])),
    ("login_open_to_anyone", {"image": "drone/drone:2.22.0"},
     container_pod(image="quay.io/oauth2-proxy/oauth2-proxy:v7.6.0",
                   env=[{"name": "OAUTH2_PROXY_EMAIL_DOMAINS", "value": "*"}, {"name": "OAUTH2_PROXY_PROVIDER",
                                                                            "value": "gitlab"}])),
    ("open_proxy", {"environment": {"SQUID_CONFIG": "http_access allow all"}},
     container_pod(env=[{"name": "SQUID_CONF", "value": "acl all src all\nhttp_access allow all"}])),
    ("client_ip_spoofable", {"environment": {"NGINX_REAL_IP": "set_real_ip_from 0.0.0.0/0;\nreal_ip_header X-Real-IP;"}},
     container_pod(env=[{"name": "REAL_IP", "value": "set_real_ip_from ::/0;\nreal_ip_header X-Forwarded-For;"}])),
    ("dhcp_without_host_network", {"image": "docker.cloudsmith.io/isc/docker/kea-dhcp4:2.6.1"},
     container_pod(image="networkboot/dhcpd:1.3.0")),
    ("policy_not_enforced", {"environment": {"MODSEC_RULES": "SecRuleEngine DetectionOnly"}},
     container_pod(env=[{"name": "MODSEC_RULES", "value": "SecRuleEngine DetectionOnly\nSecRequestBodyAccess On"}])),
    ("weak_tls_allowed", {"environment": {"OPENSSL_CONF_TEXT": "MinProtocol = TLSv1\n"}},
     container_pod(env=[{"name": "OPENSSL_CONF_TEXT", "value": "Options = UnsafeLegacyRenegotiation"}])),
    ("backup_keys_unrestricted", {"environment": {"AUTHORIZED_KEYS": "ssh-ed25519 AAAAC3Nza borg-client@web01"}},
     container_pod(env=[{"name": "AUTHORIZED_KEYS", "value": "ssh-rsa AAAAB3Nza backup@borg01"}])),
    ("data_in_web_root", {"environment": {"MOODLE_DATAROOT": "/var/www/html/moodledata"}},
     container_pod(env=[{"name": "NEXTCLOUD_DATA_DIR", "value": "/usr/share/nginx/html/data"}])),
    ("alias_traversal", {"environment": {"NGINX_SERVER_BLOCK": "location /files { alias /srv/files/; }"}},
     container_pod(env=[{"name": "SERVER_BLOCK", "value": "location ^~ /media { alias /data/media/; }"}])),
]  # fmt: skip
# The same, for risks that show between two services: a Redis that persists nothing and the
# worker that queues in it.
SAME_RISK_ACROSS: list[tuple[str, dict[str, dict[str, Any]], list[dict[str, Any]]]] = [
    ("queue_without_persistence",
     {"queue": compose_service(image="redis:7.2.4", command="redis-server --save '' --appendonly no",
                               volumes=["queue:/data"]),
      "worker": compose_service(command=["celery", "-A", "shop", "worker"])},
     [k8s_workload("Deployment", "redis", [k8s_container("redis", image="redis:7.2.4",
                                                         args=["--save", "", "--appendonly", "no"])]),
      k8s_workload("Deployment", "worker", [k8s_container(command=["rq", "worker", "default"])])]),
    ("queue_keys_evicted",
     {"jobs": compose_service(image="redis:7.2.4", command="redis-server --maxmemory 1gb --maxmemory-policy allkeys-lfu"),
      "worker": compose_service(command=["bundle", "exec", "sidekiq"], environment={"REDIS_URL": "redis://jobs:6379"})},
     [k8s_workload("StatefulSet", "jobs", [k8s_container("redis", image="valkey/valkey:7.2.5",
                                                         args=["--maxmemory", "1gb", "--maxmemory-policy", "allkeys-lru"])]),
      k8s_workload("Deployment", "worker", [k8s_container(command=["celery", "-A", "shop", "worker"], env=[
          {"name": "CELERY_BROKER_URL", "value": "redis://jobs:6379/0"}])])]),
    ("cluster_version_mismatch",
     {"head": compose_service(image="rayproject/ray:2.9.3"), "worker": compose_service(image="rayproject/ray:2.10.0")},
     [k8s_workload("Deployment", "head", [k8s_container(image="rayproject/ray:2.9.3")]),
      k8s_workload("Deployment", "worker", [k8s_container(image="rayproject/ray:2.10.0")])]),
    ("advertised_address_loopback",
     {"kafka": compose_service(image="apache/kafka:3.7.0", environment={"KAFKA_ADVERTISED_LISTENERS": "PLAINTEXT://localhost:9092"}),
      "producer": compose_service(environment={"KAFKA_BOOTSTRAP_SERVERS": "kafka:9092"})},
     [k8s_workload("StatefulSet", "kafka", [k8s_container(image="apache/kafka:3.7.0", env=[
         {"name": "KAFKA_ADVERTISED_LISTENERS", "value": "PLAINTEXT://127.0.0.1:9092"}],  # a JVM starts slowly:
         startupProbe={"httpGet": {"path": "/live", "port": 8000}, "failureThreshold": 30})]),
      k8s_workload("Deployment", "producer", [k8s_container(env=[{"name": "KAFKA_BOOTSTRAP_SERVERS", "value": "kafka:9092"}])])]),
    ("agent_jobs_never_run",
     {"db": compose_service(image="mcr.microsoft.com/mssql/server:2022-latest", volumes=["db:/var/opt/mssql"]),
      "init": compose_service(command="sqlcmd -i /scripts/agent-jobs.sql")},
     [k8s_workload("Deployment", "db", [k8s_container("db", image="mcr.microsoft.com/mssql/server:2022-CU12")]),
      k8s_workload("Deployment", "init", [k8s_container(command=["sqlcmd", "-Q", "EXEC sp_add_job @job_name='x'"])])]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("code", "service", "kubernetes"), SAME_RISK, ids=[f"{c}-{i}" for i, (c, *_) in enumerate(SAME_RISK)]
)
async def test_the_same_risk_has_the_same_code_and_severity_in_compose_and_kubernetes(
    code: str, service: dict[str, Any], kubernetes: dict[str, Any]
) -> None:
    from_compose = await audit(compose(web=compose_service(**service)))
    from_kubernetes = await audit(manifest(kubernetes))
    assert risky_codes(from_compose) == risky_codes(from_kubernetes) == {code}
    severities = {f.severity.value for f in from_compose.findings + from_kubernetes.findings}
    assert severities == {EXPECTED_SEVERITY[code]}


@pytest.mark.parametrize(("code", "services", "documents"), SAME_RISK_ACROSS)
async def test_the_same_risk_across_services_has_the_same_code_in_compose_and_kubernetes(
    code: str, services: dict[str, dict[str, Any]], documents: list[dict[str, Any]]
) -> None:
    from_compose = await audit(compose(**services))
    from_kubernetes = await audit(manifest(*documents))
    assert risky_codes(from_compose) == risky_codes(from_kubernetes) == {code}


def test_every_code_with_both_examples_has_a_same_risk_pair() -> None:
    both = {code for code, rule in RULES.items() if rule.compose and rule.kubernetes}
    assert {code for code, *_ in SAME_RISK + SAME_RISK_ACROSS} == both


# The defects named in the issue.


@pytest.mark.parametrize("cap_add", [["SYS_ADMIN"], "SYS_ADMIN", ["CAP_SYS_ADMIN"], ["ALL"], ["sys_admin"]])
async def test_cap_add_sys_admin_or_all_is_critical_in_compose(cap_add: Any) -> None:
    result = await audit(compose(web=compose_service(cap_add=cap_add)))
    assert [(f.severity, f.code) for f in result.findings] == [("critical", "dangerous_capability")]
    assert result.findings[0].message.startswith("service web: adds capability ")


async def test_adding_back_a_default_capability_after_dropping_all_is_fine() -> None:
    service = compose_service(cap_add=["NET_BIND_SERVICE", "NET_RAW"])
    pod = container_pod(securityContext=security(capabilities={"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}))
    assert risky_codes(await audit(compose(web=service))) == set()
    assert risky_codes(await audit(manifest(pod))) == set()


@pytest.mark.parametrize(
    "port",
    ["5432:5432", "0.0.0.0:5432:5432", "5432", "15432:5432", "[::]:5432:5432", ":::5432:5432", "5430-5440:5430-5440",
     5432, {"target": 5432, "published": 5432}, {"target": 5432, "host_ip": "0.0.0.0"}],
)  # fmt: skip
async def test_a_database_published_on_all_interfaces_is_flagged(port: Any) -> None:
    service = compose_service(
        image="postgres:16.3", ports=[port], volumes=["pgdata:/var/lib/postgresql/data"]
    )
    result = await audit(compose(db=service))
    assert [(f.severity, f.code) for f in result.findings] == [("critical", "database_port_exposed")]
    assert "service db: database port 5432 is published on all interfaces" in result.findings[0].message


@pytest.mark.parametrize(
    "port",
    ["127.0.0.1:5432:5432", "[::1]:5432:5432", "::1:5432:5432", "127.0.0.1::5432", "localhost:5432:5432",
     "10.0.0.5:5432:5432", {"target": 5432, "published": 5432, "host_ip": "127.0.0.1"}, "8080:8080"],
)  # fmt: skip
async def test_a_database_on_loopback_or_a_chosen_address_is_fine(port: Any) -> None:
    service = compose_service(
        image="postgres:16.3", ports=[port], volumes=["pgdata:/var/lib/postgresql/data"]
    )
    result = await audit(compose(db=service))
    assert risky_codes(result) == set()


@pytest.mark.parametrize(
    ("service", "code"),
    [
        ({"kind": "Service", "spec": {"type": "LoadBalancer", "ports": [{"port": 5432}]}}, "database_port_exposed"),
        ({"kind": "Service", "spec": {"type": "NodePort", "ports": [{"port": 80, "targetPort": 6379}]}},
         "database_port_exposed"),
        ({"kind": "Service", "spec": {"type": "ClusterIP", "ports": [{"port": 5432}]}}, None),
        ({"kind": "Service", "spec": {"type": "LoadBalancer", "ports": [{"port": 443}]}}, None),
    ],
)  # fmt: skip
async def test_a_database_service_outside_the_cluster_is_flagged(
    service: dict[str, Any], code: str | None
) -> None:
    document = {"apiVersion": "v1", "metadata": {"name": "db"}, **service}
    assert risky_codes(await audit(manifest(document))) == ({code} if code else set())


@pytest.mark.parametrize(
    ("gap", "code"),
    [
        ({"readinessProbe": None, "livenessProbe": None}, "missing_health_check"),
        ({"livenessProbe": None}, "missing_health_check"),
        ({"resources": {"limits": {"memory": "256Mi"}}}, "missing_resource_limits"),
        ({"resources": {"requests": {"cpu": "100m"}, "limits": {"cpu": "1"}}}, "missing_resource_limits"),
        ({"resources": None}, "missing_resource_limits"),
        (
            {"securityContext": security(readOnlyRootFilesystem=None, allowPrivilegeEscalation=None)},
            "writable_root_filesystem",
        ),
        (
            {"securityContext": security(capabilities={"drop": ["NET_RAW"]}, allowPrivilegeEscalation=None)},
            "capabilities_not_dropped",
        ),
    ],
)
async def test_each_kubernetes_hardening_gap_gives_its_own_finding(gap: dict[str, Any], code: str) -> None:
    result = await audit(manifest(container_pod(**gap)))
    assert risky_codes(result) == {code}
    assert result.findings[0].message.startswith("Deployment api container app: ")


@pytest.mark.parametrize(
    ("kind", "replicas", "flagged"),
    [("Deployment", 1, True), ("StatefulSet", 1, True), ("Deployment", None, True), ("Deployment", 2, False),
     ("StatefulSet", 3, False), ("DaemonSet", None, False), ("ReplicaSet", 1, False)],
)  # fmt: skip
async def test_a_single_replica_is_flagged_on_deployments_and_statefulsets_only(
    kind: str, replicas: int | None, flagged: bool
) -> None:
    result = await audit(manifest(k8s_workload(kind, "api", replicas=replicas)))
    assert risky_codes(result) == ({"single_replica"} if flagged else set())
    if flagged:
        assert result.findings[0].message.startswith(f"{kind} api: ")


@pytest.mark.parametrize(("minimum", "flagged"), [(2, False), (1, True), (None, True)])
async def test_an_autoscalers_minimum_replaces_the_replica_count(minimum: int | None, flagged: bool) -> None:
    spec: dict[str, Any] = {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"}}
    if minimum is not None:
        spec["minReplicas"] = minimum
    spec["maxReplicas"] = 5
    hpa = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "api"},
        "spec": spec,
    }
    result = await audit(manifest(k8s_workload("Deployment", "api", replicas=None), hpa))
    assert risky_codes(result) == ({"single_replica"} if flagged else set())


@pytest.mark.parametrize(("minimum", "flagged"), [(2, False), (1, True), (None, True)])
async def test_a_keda_scaled_objects_minimum_replaces_the_replica_count(
    minimum: int | None, flagged: bool
) -> None:
    spec: dict[str, Any] = {"scaleTargetRef": {"name": "api"}, "triggers": []}  # a Deployment unless it says
    if minimum is not None:
        spec["minReplicaCount"] = minimum  # KEDA's default is 0
    scaled = {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": {"name": "api"},
        "spec": spec,
    }
    result = await audit(manifest(k8s_workload("Deployment", "api", replicas=None), scaled))
    assert risky_codes(result) == ({"single_replica"} if flagged else set())


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("Deployment", True), ("StatefulSet", True), ("DaemonSet", True), ("ReplicaSet", True), ("Pod", True),
     ("Job", False), ("CronJob", False)],
)  # fmt: skip
async def test_probes_are_expected_on_long_running_workloads_only(kind: str, expected: bool) -> None:
    document = k8s_workload(kind, "api", [k8s_container(probes=False)])
    result = await audit(manifest(document))
    assert risky_codes(result) == ({"missing_health_check"} if expected else set())


async def test_init_containers_are_audited_but_need_no_probes() -> None:
    init = k8s_container("setup", probes=False, image="busybox", resources=None)
    result = await audit(manifest(k8s_workload("Deployment", "api", initContainers=[init])))
    assert {(f.message.split(":")[0], f.code) for f in result.findings} == {
        ("Deployment api init container setup", "image_untagged"),
        ("Deployment api init container setup", "missing_resource_limits"),
    }


async def test_a_cronjobs_pod_template_is_read_through_its_job_template() -> None:
    container = k8s_container("dump", probes=False, securityContext=security(privileged=True))
    result = await audit(manifest(k8s_workload("CronJob", "backup", [container])))
    assert [(f.severity, f.code) for f in result.findings] == [("critical", "privileged_container")]
    assert result.findings[0].message.startswith("CronJob backup container dump: ")


async def test_pod_level_run_as_non_root_covers_its_containers() -> None:
    container = k8s_container(securityContext=security(runAsNonRoot=None))
    pod_level = k8s_workload("Deployment", "api", [container], securityContext={"runAsNonRoot": True})
    assert risky_codes(await audit(manifest(pod_level))) == set()
    overridden = k8s_container(securityContext=security(runAsUser=0))
    pod_level = k8s_workload("Deployment", "api", [overridden], securityContext={"runAsNonRoot": True})
    assert risky_codes(await audit(manifest(pod_level))) == {"runs_as_root"}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"restart": None}, {"missing_restart_policy"}),
        ({"restart": None, "deploy": {"restart_policy": {"condition": "on-failure"},
                                      "resources": {"limits": {"cpus": "1", "memory": "1G"}}}}, set()),
        ({"restart": False, "healthcheck": None}, set()),  # an unquoted `no` in YAML, a one-shot service
        ({"healthcheck": {"test": ["NONE"]}}, {"missing_health_check"}),
        ({"deploy": None, "mem_limit": "512m"}, set()),  # memory limited: no CPU limit asked for
        ({"deploy": None, "cpus": 0.5}, {"missing_resource_limits"}),  # memory is what must be limited
        ({"deploy": None, "mem_limit": "512m", "cpus": 0.5}, set()),
        ({"user": None, "image": "registry.example.com/base/nginx-unprivileged:1.25.4"}, set()),
        ({"user": None, "image": "gcr.example.com/distroless/static:nonroot"}, set()),
        ({"user": None, "image": "registry.example.com/base/nginx:1.25.4"}, {"runs_as_root"}),
        ({"user": "0:0"}, {"runs_as_root"}),
        ({"user": 0}, {"runs_as_root"}),
        ({"volumes": ["../shared:/shared"]}, {"host_path_mount"}),
        ({"volumes": ["~/.cache:/cache"]}, {"host_path_mount"}),
        ({"volumes": ["/srv/site/public:/usr/share/nginx/html:ro"]}, set()),  # a plain directory, read-only
        ({"volumes": ["./config:/config:ro", "data:/data", "/anonymous"]}, set()),
        ({"volumes": ["/etc/localtime:/etc/localtime:ro"]}, set()),  # the host's time zone, read-only
        ({"volumes": ["/var/lib/docker:/docker"]}, {"sensitive_host_path_mount"}),
        ({"volumes": ["/run/containerd/containerd.sock:/run/containerd/containerd.sock"]}, {"docker_socket_mount"}),
        ({"image": "registry.example.com:5000/api"}, {"image_untagged"}),
        ({"image": "registry.example.com:5000/api:1.0"}, set()),
        ({"image": "nginx@sha256:" + "0" * 64}, set()),
    ],
)  # fmt: skip
async def test_compose_settings_in_their_various_forms(changes: dict[str, Any], expected: set[str]) -> None:
    assert risky_codes(await audit(compose(web=compose_service(**changes)))) == expected


async def test_a_non_root_container_that_cannot_escalate_needs_no_capability_drop_or_read_only_root() -> None:
    """The kernel gives a non-root process no capabilities, and no-new-privileges stops setuid
    binaries and file capabilities from granting any: dropping ALL would change nothing; and it
    can write only what its own user owns."""
    service = compose_service(cap_drop=None, read_only=None, security_opt=["no-new-privileges:true"])
    pod = container_pod(securityContext=security(capabilities=None, readOnlyRootFilesystem=None))
    assert risky_codes(await audit(compose(web=service))) == set()
    assert risky_codes(await audit(manifest(pod))) == set()
    as_root = compose_service(
        cap_drop=None, read_only=None, security_opt=["no-new-privileges:true"], user="root"
    )
    assert {"capabilities_not_dropped", "writable_root_filesystem"} <= risky_codes(
        await audit(compose(web=as_root))
    )


async def test_a_cpu_request_or_reservation_stands_in_for_a_cpu_limit_but_memory_needs_one() -> None:
    requested = container_pod(
        resources={"requests": {"cpu": "250m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}
    )
    assert risky_codes(await audit(manifest(requested))) == set()
    reserved = compose_service(
        deploy={"resources": {"limits": {"memory": "256M"}, "reservations": {"cpus": "0.25"}}}
    )
    assert risky_codes(await audit(compose(web=reserved))) == set()
    no_memory = container_pod(resources={"requests": {"cpu": "250m"}, "limits": {"cpu": "1"}})
    assert risky_codes(await audit(manifest(no_memory))) == {"missing_resource_limits"}


@pytest.mark.parametrize(
    ("services", "flagged"),
    [
        ({"web": {}}, False),  # Docker never acts on a failing check outside a swarm: the image's own may do
        ({"web": {"healthcheck": {"disable": True}}}, True),
        ({"web": {"deploy": {"replicas": 3, "resources": {"limits": {"cpus": "1", "memory": "1G"}}}}}, True),
        ({"web": {}, "worker": {"depends_on": {"web": {"condition": "service_healthy"}}}}, True),
        ({"web": {}, "worker": {"depends_on": {"web": {"condition": "service_started"}}}}, False),
    ],
)
async def test_compose_asks_for_a_health_check_where_something_acts_on_it(
    services: dict[str, dict[str, Any]], flagged: bool
) -> None:
    files = {name: compose_service(**{"healthcheck": None, **changes}) for name, changes in services.items()}
    findings = [f for f in (await audit(compose(**files))).findings if f.code == "missing_health_check"]
    assert [f.message.split(":")[0] for f in findings] == (["service web"] if flagged else [])


@pytest.mark.parametrize(
    ("image", "flagged"),
    [("postgres:16.2-alpine", False), ("docker.io/library/redis:7.2", False), ("mysql@sha256:" + "a" * 64, False),
     ("registry.example.com/postgres:16", True), ("bitnami/postgresql:16", False), ("nginx:1.27", True),
     ("grafana/grafana:11.1.0", False), ("registry.example.com/mirror/goauthentik/server:2024.2.2", False),
     ("example/grafana:11.1.0", True)],
)  # fmt: skip
async def test_official_database_images_drop_root_themselves(image: str, flagged: bool) -> None:
    """postgres, mysql, redis ... start as root only to hand their data directory to their own user;
    Bitnami's images and some vendors' (Grafana, authentik ...) declare a non-root USER."""
    service = compose_service(
        image=image, user=None, cap_drop=None, read_only=None, security_opt=["no-new-privileges:true"]
    )
    codes = risky_codes(await audit(compose(db=service)))
    hardening = {"runs_as_root", "capabilities_not_dropped", "writable_root_filesystem"}
    assert (codes & hardening == hardening) is flagged, codes


async def test_a_clean_file_says_what_was_checked() -> None:
    result = await audit(compose(web=compose_service()))
    (finding,) = result.findings
    assert finding.message.startswith(
        "No issues found: nothing risky in the compose file (privileges, capabilities"
    )


@pytest.mark.parametrize(
    ("service", "flagged"),
    [
        ({"image": "mysql:8.0"}, True),
        ({"image": "mysql:8.0", "volumes": ["/var/lib/mysql"]}, True),  # anonymous: gone with `down`
        ({"image": "mysql:8.0", "volumes": [{"type": "tmpfs", "target": "/var/lib/mysql"}]}, True),
        ({"image": "mysql:8.0", "volumes": ["dbdata:/var/lib/mysql"]}, False),
        ({"image": "postgres:16.3", "volumes": [{"type": "volume", "source": "pg", "target": "/var/lib/postgresql"}]},
         False),
        ({"image": "bitnami/postgresql:16", "volumes": ["./data:/bitnami/postgresql"]}, False),
        ({"image": "mysql:8.0", "command": "--max-connections=500"}, True),  # options for the server
        ({"image": "mysql:8.0", "command": ["mysqldump", "--all-databases"]}, False),  # a client job
        ({"image": "registry.example.com/tools/mysql-backup:1.6"}, False),  # named after it, not it
        ({"image": "redis:7.2"}, False),  # often a cache: not judged
    ],
)  # fmt: skip
async def test_a_compose_database_without_a_volume_on_its_data_directory_loses_its_data(
    service: dict[str, Any], flagged: bool
) -> None:
    result = await audit(compose(db=compose_service(**service)))
    assert ("data_on_ephemeral_storage" in risky_codes(result)) is flagged


async def test_a_large_config_is_parsed_off_the_event_loop() -> None:
    """A 200 KB compose file takes about half a second to parse and audit: the event loop keeps
    turning meanwhile (other requests are served), because the parsing runs on its own pool."""
    services = {
        f"svc{n}": compose_service(
            image=f"registry.example.com/app{n}:1.2.{n}", environment={"FEATURE": "on"}
        )
        for n in range(550)
    }
    text = compose(**services)
    assert 150_000 < len(text) < 262_144  # under the input's size limit
    gaps: list[float] = []

    async def ticker() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticking = asyncio.create_task(ticker())
    try:
        result = await audit(text)
    finally:
        ticking.cancel()
    assert result.output["config"]["kind"] == "compose"
    # On the loop, the audit would stop it for the whole parse (no tick at all); off it, the loop
    # ticks throughout, held up now and then by the parsing thread's turn at the GIL.
    assert len(gaps) >= 5, f"the event loop turned {len(gaps)} times while the config was audited"
    assert max(gaps) < 0.4, f"the event loop stalled {max(gaps):.2f} s"


@pytest.mark.parametrize(
    ("risky", "first"),
    [
        ({"volumes": ["/var/run/docker.sock:/var/run/docker.sock"]}, "docker_socket_mount"),
        ({"image": "redis:7.2", "ports": ["0.0.0.0:6379:6379"]}, "database_port_exposed"),
        ({"privileged": True}, "privileged_container"),
    ],
)
async def test_what_anyone_can_use_at_once_comes_before_a_secret_in_the_file(
    risky: dict[str, Any], first: str
) -> None:
    result = await audit(
        compose(app=compose_service(environment={"SESSION_SECRET": "s3cr3t-FAKE-value"}, **risky))
    )
    assert [f.code for f in result.findings][:2] == [first, "plaintext_secret"]


@pytest.mark.parametrize(
    ("container", "replicas"),
    [
        ({"args": ["celery", "flower", "--basic-auth=ops:$(FLOWER_PASSWORD)"]}, 2),
        ({"image": "mher/flower:2.0.1", "env": [{"name": "FLOWER_BASIC_AUTH", "valueFrom": {"secretKeyRef": {
            "name": "flower", "key": "auth"}}}]}, 2),
        ({"command": ["celery", "-A", "billing", "worker", "--concurrency=8"]}, 3),
        ({"command": ["celery", "-A", "billing", "beat"]}, 1),
        ({"env": [{"name": "NODE_TLS_REJECT_UNAUTHORIZED", "value": "1"},
                  {"name": "ASPNETCORE_ENVIRONMENT", "value": "Production"}]}, 2),
        ({"readinessProbe": {"exec": {"command": ["/bin/sh", "-c", "curl -fsS http://localhost/ready"]}}}, 2),
        ({"env": [{"name": "VAULT_LOCAL_CONFIG", "value": 'listener "tcp" {\n  # tls_disable = 1\n  tls_cert_file = "/t"\n}'},
                  {"name": "PG_CONF", "value": "#fsync = off\n; innodb_doublewrite = 0"}]}, 2),
        ({"resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"memory": "256Mi"}}}, 2),
    ],
)  # fmt: skip
async def test_guarded_or_singleton_or_well_formed_settings_are_fine(
    container: dict[str, Any], replicas: int
) -> None:
    workload = k8s_workload("Deployment", "api", [k8s_container(**container)], replicas=replicas)
    if replicas == 1:  # a scheduler alone is right; the lone replica is its own finding
        assert risky_codes(await audit(manifest(workload))) == {"single_replica"}
    else:
        assert risky_codes(await audit(manifest(workload))) == set()
