"""Kubernetes RBAC: bindings that hand out cluster-admin or bind everyone, roles with wildcards,
and the permissions that lead to more privilege than a role states (secrets, exec, impersonate,
escalate, bind, node proxy). Codes and severities come from the shared table in audit_rules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from app.agents.base import Finding
from app.agents.infrastructure.audit_rules import rule_finding
from app.agents.infrastructure.container_checks import as_list, as_mapping, text_of

ROLE_KINDS = frozenset({"Role", "ClusterRole"})
BINDING_KINDS = frozenset({"RoleBinding", "ClusterRoleBinding"})
# Built-in roles that give everything (cluster-admin), or nearly everything in their scope.
ADMIN_ROLES = frozenset({"cluster-admin"})
BROAD_ROLES = frozenset(
    {"admin", "edit"}
)  # full control of a namespace; cluster-wide when a ClusterRoleBinding
EVERYONE = frozenset({"system:anonymous", "system:unauthenticated", "system:authenticated"})
_READ = frozenset({"get", "list", "watch", "*"})
# (resource, verbs that matter on it, what it gives)
_SENSITIVE = (
    ("secrets", _READ, "reads secrets"),
    ("pods/exec", frozenset({"create", "get", "*"}), "can exec into pods"),
    ("pods/attach", frozenset({"create", "get", "*"}), "can attach to pods"),
    ("nodes/proxy", frozenset({"get", "create", "*"}), "can reach the kubelet API through node proxy"),
    ("serviceaccounts/token", frozenset({"create", "*"}), "can mint service account tokens"),
)
_ESCALATING_VERBS = {
    "impersonate": "can impersonate users, groups or service accounts",
    "escalate": "can grant itself permissions it does not hold (escalate)",
    "bind": "can bind roles it does not hold (bind)",
}


def audit_rbac(obj: dict[str, Any], name: str) -> Iterator[Finding]:
    kind = text_of(obj.get("kind"))
    if kind in ROLE_KINDS:
        yield from _role(obj, name, cluster_wide=kind == "ClusterRole")
    elif kind in BINDING_KINDS:
        yield from _binding(obj, name, cluster_wide=kind == "ClusterRoleBinding")


def _subjects(obj: dict[str, Any]) -> list[str]:
    """`ServiceAccount ns/name`, `Group system:authenticated`, `User jane` for each subject."""
    described = []
    for subject in map(as_mapping, as_list(obj.get("subjects"))):
        kind, subject_name = text_of(subject.get("kind"), "?"), text_of(subject.get("name"), "?")
        namespace = text_of(subject.get("namespace"))
        if kind == "ServiceAccount" and namespace:
            subject_name = f"{namespace}/{subject_name}"
        described.append(f"{kind} {subject_name}")
    return described


def _binding(obj: dict[str, Any], name: str, cluster_wide: bool) -> Iterator[Finding]:
    role = text_of(as_mapping(obj.get("roleRef")).get("name"))
    subjects = _subjects(obj)
    to = ", ".join(subjects) or "no subject"
    everyone = [s for s in subjects if s.split(" ", 1)[-1] in EVERYONE]
    if everyone:
        yield rule_finding("rbac_everyone", name, f"binds role {role} to {', '.join(everyone)}")
    scope = "cluster-wide" if cluster_wide else "in its namespace"
    if role in ADMIN_ROLES:
        yield rule_finding("rbac_cluster_admin", name, f"grants cluster-admin {scope} to {to}")
    elif role in BROAD_ROLES and cluster_wide:
        yield rule_finding("rbac_cluster_admin", name, f"grants the {role} role cluster-wide to {to}")


def _role(obj: dict[str, Any], name: str, cluster_wide: bool) -> Iterator[Finding]:
    scope = "in every namespace" if cluster_wide else "in its namespace"
    for rule in map(as_mapping, as_list(obj.get("rules"))):
        verbs = {text_of(v).lower() for v in as_list(rule.get("verbs"))}
        resources = {text_of(r) for r in as_list(rule.get("resources"))}
        groups = {text_of(g) for g in as_list(rule.get("apiGroups"))}
        if "*" in verbs and "*" in resources:
            where = (
                "every API group" if "*" in groups else f"API groups {', '.join(sorted(groups)) or 'core'}"
            )
            yield rule_finding(
                "rbac_wildcard",
                name,
                f"grants every verb on every resource of {where} {scope} (wildcards '*'), "
                "cluster-admin in all but name",
            )
            continue
        if "*" in resources or "*" in verbs:
            wild = "every resource" if "*" in resources else "every verb"
            what = ", ".join(sorted(resources if "*" in verbs else verbs)) or "?"
            yield rule_finding("rbac_sensitive_permission", name, f"uses a wildcard: {wild} ({what}) {scope}")
        for resource, risky_verbs, gives in _SENSITIVE:
            if resource in resources and verbs & risky_verbs:
                yield rule_finding("rbac_sensitive_permission", name, f"{gives} {scope}")
        for verb, gives in _ESCALATING_VERBS.items():
            if verb not in verbs:
                continue
            unrestricted = not as_list(rule.get("resourceNames"))
            if (
                verb == "impersonate"
                and cluster_wide
                and unrestricted
                and {"users", "*"} & resources  # a group is impersonated together with a user
            ):
                # --as-group=system:masters: impersonating any group is cluster-admin.
                yield rule_finding(
                    "rbac_cluster_admin",
                    name,
                    "can impersonate any user or group cluster-wide, system:masters included: cluster-admin "
                    "by another name",
                )
            else:
                yield rule_finding("rbac_sensitive_permission", name, f"{gives} {scope}")
