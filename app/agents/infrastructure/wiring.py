"""How Kubernetes objects in one file fit together: a Service whose selector matches no pod
template has no endpoints (the ingress answers 503), and a PodDisruptionBudget that allows no
voluntary disruption blocks every node drain. Judged only against workloads in the same file:
a selector may match pods defined elsewhere, so a file without workloads is not judged."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from app.agents.base import Finding
from app.agents.infrastructure.audit_rules import rule_finding
from app.agents.infrastructure.container_checks import as_mapping, text_of

POD_OWNERS = frozenset(
    {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Pod"}
)


def audit_wiring(objects: list[dict[str, Any]]) -> Iterator[Finding]:
    pods = [(o, _namespace(o), _pod_labels(o)) for o in objects if text_of(o.get("kind")) in POD_OWNERS]
    if not pods:
        return
    for obj in objects:
        kind, name = text_of(obj.get("kind")), text_of(as_mapping(obj.get("metadata")).get("name"), "?")
        spec = as_mapping(obj.get("spec"))
        if kind == "Service" and spec.get("type") != "ExternalName":
            selector = {text_of(k): text_of(v) for k, v in as_mapping(spec.get("selector")).items()}
            if selector and not _matches(selector, _namespace(obj), pods):
                shown = ", ".join(f"{k}={v}" for k, v in selector.items())
                yield rule_finding(
                    "service_selects_no_pods",
                    f"Service {name}",
                    f"its selector ({shown}) matches the labels of no pod template in the file, so it has no "
                    "endpoints and callers get 503 or connection refused",
                )
        elif kind == "PodDisruptionBudget":
            yield from _budget(obj, name, pods)


def _namespace(obj: dict[str, Any]) -> str:
    return text_of(as_mapping(obj.get("metadata")).get("namespace"), "default")


def _pod_labels(obj: dict[str, Any]) -> dict[str, str]:
    if obj.get("kind") == "Pod":
        metadata = as_mapping(obj.get("metadata"))
    else:
        metadata = as_mapping(as_mapping(as_mapping(obj.get("spec")).get("template")).get("metadata"))
    return {text_of(k): text_of(v) for k, v in as_mapping(metadata.get("labels")).items()}


_Pods = list[tuple[dict[str, Any], str, dict[str, str]]]


def _matches(selector: dict[str, str], namespace: str, pods: _Pods) -> list[dict[str, Any]]:
    return [obj for obj, ns, labels in pods if ns == namespace and selector.items() <= labels.items()]


def _budget(obj: dict[str, Any], name: str, pods: _Pods) -> Iterator[Finding]:
    spec = as_mapping(obj.get("spec"))
    labels = as_mapping(as_mapping(spec.get("selector")).get("matchLabels"))
    selector = {text_of(k): text_of(v) for k, v in labels.items()}
    selected = _matches(selector, _namespace(obj), pods) if selector else []
    replicas = sum(_replicas(workload) for workload in selected)
    where = f"PodDisruptionBudget {name}"
    if spec.get("maxUnavailable") in (0, "0", "0%"):
        yield rule_finding("pdb_blocks_drain", where, "maxUnavailable is 0, so no pod may ever be evicted")
        return
    minimum = spec.get("minAvailable")
    if selected and (minimum == "100%" or (isinstance(minimum, int) and minimum >= replicas)):
        yield rule_finding(
            "pdb_blocks_drain",
            where,
            f"minAvailable {minimum} with {replicas} replica(s) selected allows no voluntary disruption",
        )


def _replicas(workload: dict[str, Any]) -> int:
    if workload.get("kind") == "Pod":
        return 1
    replicas = as_mapping(workload.get("spec")).get("replicas", 1)
    return replicas if isinstance(replicas, int) else 1
