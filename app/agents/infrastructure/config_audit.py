"""Read-only audit of docker-compose and Kubernetes YAML for risky settings: parses the text,
tells the two apart and hands each to its auditor. Secret values are never echoed, not even in
a YAML error (PyYAML quotes the offending line, so only the position is reported)."""

from __future__ import annotations

import re
from typing import Any

import yaml

from app.agents.base import SEVERITY_RANK, Finding
from app.agents.infrastructure.compose_audit import audit_compose
from app.agents.infrastructure.kubernetes_audit import audit_kubernetes

MAX_CONFIG_BYTES = 256 * 1024


class ConfigProblem(ValueError):
    pass


def audit_config(text: str) -> tuple[str, list[Finding]]:
    """Return the kind of document (compose, kubernetes) and its findings, worst first."""
    if len(text.encode()) > MAX_CONFIG_BYTES:
        raise ConfigProblem(f"the configuration is larger than {MAX_CONFIG_BYTES} bytes")
    documents = _load(text)
    if any("apiVersion" in d and "kind" in d for d in documents):
        kind, findings = "kubernetes", audit_kubernetes(documents)
    elif "services" in documents[0]:
        kind, findings = "compose", audit_compose(documents[0])
    else:
        raise ConfigProblem(
            "neither a docker-compose file (no `services`) nor Kubernetes manifests (no `kind`)"
        )
    return kind, sorted(findings, key=lambda f: (-SEVERITY_RANK[f.severity], importance(f)))


# Within one severity, what an engineer fixes first: exposure and explicit risks before gaps in
# hardening, and an explicit root user before an image that may run as root.
_IMPORTANCE = (
    # What anyone who reaches the host or the port can use at once: no password, root on the
    # host, a database open to the network; then what a reader of the file can take.
    "database_without_password",
    "default_credentials",
    "admin_api_unauthenticated",
    "untrusted_code_execution",
    "login_open_to_anyone",
    "alias_traversal",
    "open_proxy",
    "open_resolver",
    "backup_keys_unrestricted",
    "client_ip_spoofable",
    "snippet_annotations_allowed",
    "open_mail_relay",
    "project_directory_served",
    "data_in_web_root",
    "development_mode",
    "quorum_unreachable",
    "manifest_rejected",
    "broken_health_check",
    "ordered_start_deadlock",
    "memory_lock_unavailable",
    "shared_data_directory",
    "durability_disabled",
    "backup_without_volume_data",
    "single_instance_replicated",
    "independent_clusters",
    "fqdn_policy_without_dns_proxy",
    "competing_autoscalers",
    "certificates_share_secret",
    "windows_image_without_os_selector",
    "dhcp_without_host_network",
    "host_port_conflict",
    # Warnings of what a setting does, before the gaps in hardening below.
    "proxy_exposes_every_container",
    "sidecar_blocks_job_completion",
    "disruption_budget_unbounded",
    "run_to_completion_in_deployment",
    "agent_jobs_never_run",
    "client_port_not_published",
    "taint_not_tolerated",
    "policy_not_enforced",
    "weak_tls_allowed",
    "schedule_in_dst_gap",
    "address_pool_overlaps_hosts",
    "live_migration_impossible",
    "unsafe_nfs_mount",
    "admission_webhook_fail_closed",
    "mesh_mtls_disabled",
    "dns_records_unowned",
    "local_compaction_with_sidecar",
    "store_limit_exceeds_volume",
    "body_size_limit_too_small",
    "eviction_without_memory_cap",
    "queue_without_persistence",
    "queue_keys_evicted",
    "cluster_version_mismatch",
    "strict_arp_disabled",
    "bootstrap_in_parallel",
    "sharded_behind_one_address",
    "privileged_container",
    "docker_socket_mount",
    "dangerous_capability",
    "database_port_exposed",
    "plaintext_listener",
    "tls_verification_disabled",
    "plaintext_secret",
    "secret_in_url",
    "rbac_everyone",
    "rbac_cluster_admin",
    "rbac_wildcard",
    "service_selects_no_pods",
    "service_port_mismatch",
    "ingress_backend_port_missing",
    "no_shared_network",
    "undefined_service_host",
    "udp_port_published_as_tcp",
    "advertised_address_loopback",
    "probe_port_mismatch",
    "network_policy_blocks_dns",
    "mesh_port_blocked",
    "quorum_even_size",
    "single_copy_replication",
    "sessions_not_shared",
    "scheduler_not_singleton",
    "hpa_target_missing",
    "memory_volume_unbounded",
    "network_policy_any_namespace",
    "staging_certificate_issuer",
    "node_dns_policy",
    "localhost_in_container",
    "shared_single_node_volume",
    "ingress_tls_secret_elsewhere",
    "issuer_not_found",
    "data_on_ephemeral_storage",
    "heap_over_memory_limit",
    "host_network",
    "host_pid",
    "host_ipc",
    "sensitive_host_path_mount",
    "rbac_sensitive_permission",
    "pdb_blocks_drain",
    "rollout_downtime",
    "prestop_exceeds_grace",
    "dependency_not_ready",
    "hpa_without_resource_request",
    "cronjob_overlap",
    "security_profile_disabled",
    "added_capability",
    "privilege_escalation",
    "runs_as_root",
    "image_latest_tag",
    "image_untagged",
    "host_path_mount",
    "missing_resource_limits",
    "missing_health_check",
    "fragile_liveness_probe",
    "single_replica",
    "missing_restart_policy",
    "writable_root_filesystem",
    "capabilities_not_dropped",
)
_UNSET_USER = "no user is set"

# Symptoms a question names, and the findings that explain them: those come first, whatever
# their place above, so the answer starts with what was asked ("why does the HPA never scale?").
_ASKED_ABOUT = tuple(
    (re.compile(pattern, re.IGNORECASE), frozenset(codes))
    for pattern, codes in (
        (
            r"crash ?loop|restart(?:s|ing|ed)?\b|sigterm|liveness|startup|never (?:becomes|gets) ready|"
            r"keeps? (?:dying|getting killed)",
            {"fragile_liveness_probe", "heap_over_memory_limit"},
        ),
        (r"\boom|out of memory|exit (?:code )?137", {"heap_over_memory_limit"}),
        (r"\bhpa\b|autoscal|scales? (?:out|up)|never scales|<unknown>", {"hpa_without_resource_request"}),
        (
            r"\bdns\b|resolv|getaddrinfo|eai_again|name resolution|nxdomain|network ?polic",
            {"network_policy_blocks_dns"},
        ),
        (
            r"\b50[234]\b|bad gateway|connection refused|no endpoints|can'?t reach|cannot reach|unreachable",
            {
                "service_selects_no_pods",
                "service_port_mismatch",
                "ingress_backend_port_missing",
                "no_shared_network",
                "undefined_service_host",
                "network_policy_blocks_dns",
            },
        ),
        (r"\bdrain|evict|cordon", {"pdb_blocks_drain"}),
        (
            r"no endpoints|not ready|0/\d+ ready|readiness|never (?:becomes|gets) ready",
            {"probe_port_mismatch", "service_selects_no_pods", "service_port_mismatch"},
        ),
        (r"containercreating|multi-attach|only one (?:\w+ )?pod", {"shared_single_node_volume"}),
        (
            r"certificate|self-signed|fake cert|default cert",
            {"ingress_tls_secret_elsewhere", "issuer_not_found"},
        ),
        (
            r"connection refused|can'?t connect|cannot connect|keeps? restarting|die straight away",
            {"localhost_in_container", "dependency_not_ready"},
        ),
        (r"duplicat|overlap|twice|pil(?:e|es|ing) up|fills? up with", {"cronjob_overlap"}),
        (
            r"data (?:is |was )?(?:gone|lost)|lost (?:all |the |our )?data|wiped|fresh install|"
            r"(?:pages|tables|records|everything) (?:are |is )?gone|comes back empty",
            {"data_on_ephemeral_storage"},
        ),
        (
            r"(?:every|each) (?:time we )?deploy|during (?:a |the |each )?(?:deploy|rollout)",
            {"rollout_downtime"},
        ),
    )
)


def asked_about(task: str) -> frozenset[str]:
    """The codes of the findings that would explain what the question describes."""
    return frozenset(code for pattern, codes in _ASKED_ABOUT if pattern.search(task) for code in codes)


def importance(finding: Finding) -> int:
    """A finding's place within its severity (lower comes first)."""
    rank = _IMPORTANCE.index(finding.code) if finding.code in _IMPORTANCE else len(_IMPORTANCE)
    if finding.code == "runs_as_root" and _UNSET_USER in finding.message:
        rank = _IMPORTANCE.index("missing_restart_policy")  # may run as root: a gap, not a fact
    return rank


# libyaml's safe loader where PyYAML was built with it (several times faster on big manifests).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load(text: str) -> list[dict[str, Any]]:
    try:
        documents = [d for d in yaml.load_all(text, Loader=_LOADER) if d is not None]  # noqa: S506
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigProblem(
            f"not valid YAML{where}: {exc.problem or exc.context or 'syntax error'}"
        ) from None
    except yaml.YAMLError:
        raise ConfigProblem("not valid YAML") from None
    if not documents or not all(isinstance(d, dict) for d in documents):
        raise ConfigProblem("expected a docker-compose file or Kubernetes manifests (YAML mappings)")
    return documents
