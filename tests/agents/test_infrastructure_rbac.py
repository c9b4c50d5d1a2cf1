"""Kubernetes RBAC and security profiles: cluster-admin handed out, roles bound to everyone,
wildcards, permissions that lead to more privilege, unconfined seccomp/AppArmor; and a
least-privilege setup that passes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.agents.test_infrastructure import audit, k8s_container, k8s_workload, manifest, risky_codes

pytestmark = pytest.mark.database_free  # left out of the PostgreSQL pass: tests/conftest.py

RBAC = "rbac.authorization.k8s.io/v1"


def binding(
    kind: str, role: str, *subjects: dict[str, Any], role_kind: str = "ClusterRole"
) -> dict[str, Any]:
    return {
        "apiVersion": RBAC, "kind": kind, "metadata": {"name": "web-read", "namespace": "reports"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role},
        "subjects": list(subjects),
    }  # fmt: skip


def role(kind: str, *rules: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": RBAC, "kind": kind, "metadata": {"name": "web"}, "rules": list(rules)}


SA = {"kind": "ServiceAccount", "name": "reports-web", "namespace": "reports"}
PODS_READ = {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}


async def test_least_privilege_rbac_is_clean() -> None:
    result = await audit(manifest(role("ClusterRole", PODS_READ), binding("ClusterRoleBinding", "web", SA)))
    assert [f.severity for f in result.findings] == ["info"]


async def test_cluster_admin_bound_to_a_service_account_is_critical_and_named() -> None:
    result = await audit(manifest(binding("ClusterRoleBinding", "cluster-admin", SA)))
    assert [(f.severity, f.code) for f in result.findings] == [("critical", "rbac_cluster_admin")]
    assert result.findings[0].message.startswith(
        "ClusterRoleBinding web-read: grants cluster-admin cluster-wide to ServiceAccount reports/reports-web"
    )


@pytest.mark.parametrize(
    ("kind", "role_name", "codes"),
    [
        ("ClusterRoleBinding", "admin", {"rbac_cluster_admin"}),
        ("ClusterRoleBinding", "edit", {"rbac_cluster_admin"}),
        ("RoleBinding", "cluster-admin", {"rbac_cluster_admin"}),
        ("RoleBinding", "edit", set()),  # a namespace's editor, bound in that namespace: the usual
        ("ClusterRoleBinding", "view", set()),
    ],
)
async def test_broad_builtin_roles(kind: str, role_name: str, codes: set[str]) -> None:
    assert risky_codes(await audit(manifest(binding(kind, role_name, SA)))) == codes


@pytest.mark.parametrize("group", ["system:anonymous", "system:unauthenticated", "system:authenticated"])
async def test_a_role_bound_to_everyone_is_critical(group: str) -> None:
    result = await audit(manifest(binding("ClusterRoleBinding", "web", {"kind": "Group", "name": group})))
    assert [(f.severity, f.code) for f in result.findings] == [("critical", "rbac_everyone")]
    assert group in result.findings[0].message


@pytest.mark.parametrize(
    ("rule", "code", "words"),
    [
        ({"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}, "rbac_wildcard", "every verb on every resource"),
        ({"apiGroups": [""], "resources": ["*"], "verbs": ["get"]}, "rbac_sensitive_permission", "wildcard"),
        ({"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"]}, "rbac_sensitive_permission", "reads secrets"),
        ({"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]}, "rbac_sensitive_permission", "exec"),
        ({"apiGroups": [""], "resources": ["serviceaccounts"], "verbs": ["impersonate"]}, "rbac_sensitive_permission",
         "impersonate"),
        ({"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["escalate"]},
         "rbac_sensitive_permission", "escalate"),
    ],
)  # fmt: skip
async def test_risky_role_rules(rule: dict[str, Any], code: str, words: str) -> None:
    for kind, scope in (("ClusterRole", "in every namespace"), ("Role", "in its namespace")):
        result = await audit(manifest(role(kind, rule)))
        assert risky_codes(result) == {code}
        assert words in result.findings[0].message and scope in result.findings[0].message


async def test_impersonating_any_user_or_group_cluster_wide_is_cluster_admin() -> None:
    anyone = {"apiGroups": [""], "resources": ["users", "groups"], "verbs": ["impersonate"]}
    result = await audit(manifest(role("ClusterRole", anyone)))
    assert [(f.severity, f.code) for f in result.findings] == [("critical", "rbac_cluster_admin")]
    assert "system:masters" in result.findings[0].message
    for narrower in (role("Role", anyone), role("ClusterRole", {**anyone, "resourceNames": ["deployer"]})):
        assert risky_codes(await audit(manifest(narrower))) == {"rbac_sensitive_permission"}


async def test_cluster_admin_comes_before_hardening_gaps() -> None:
    pod = k8s_workload("Deployment", "web", [k8s_container(securityContext={"runAsUser": 0})], replicas=2)
    result = await audit(manifest(pod, binding("ClusterRoleBinding", "cluster-admin", SA)))
    assert result.findings[0].code == "rbac_cluster_admin"


@pytest.mark.parametrize(
    "pod_changes",
    [
        {"securityContext": {"seccompProfile": {"type": "Unconfined"}}},
        {"securityContext": {"appArmorProfile": {"type": "Unconfined"}}},
    ],
)
async def test_unconfined_profiles_on_the_pod(pod_changes: dict[str, Any]) -> None:
    result = await audit(manifest(k8s_workload("Deployment", "web", replicas=2, **pod_changes)))
    assert risky_codes(result) == {"security_profile_disabled"}
    assert "Unconfined" in result.findings[0].message


async def test_unconfined_annotations() -> None:
    pod = k8s_workload("Deployment", "web", replicas=2)
    pod["spec"]["template"]["metadata"]["annotations"] = {
        "container.apparmor.security.beta.kubernetes.io/app": "unconfined"
    }
    result = await audit(manifest(pod))
    assert risky_codes(result) == {"security_profile_disabled"}
    assert "AppArmor" in result.findings[0].message


async def test_runtime_default_profiles_are_fine() -> None:
    pod = k8s_workload(
        "Deployment", "web", replicas=2, securityContext={"seccompProfile": {"type": "RuntimeDefault"}}
    )
    assert risky_codes(await audit(manifest(pod))) == set()
