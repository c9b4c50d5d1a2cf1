"""How Kubernetes objects in one file fit together: a Service whose selector matches no pod
template has no endpoints (the ingress answers 503), or whose targetPort no selected container
listens on; a PodDisruptionBudget that allows no voluntary disruption blocks every node drain; a
HorizontalPodAutoscaler on CPU utilization over containers without a CPU request never scales;
NetworkPolicies that restrict egress without allowing DNS leave no name resolvable; an Ingress
whose backend names a port its Service does not expose. Judged only
against workloads in the same file: a selector may match pods defined elsewhere, so a file
without workloads is not judged (the DNS rule needs none: the policies alone decide it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from app.agents.base import Finding
from app.agents.infrastructure.audit_rules import rule_finding
from app.agents.infrastructure.container_checks import (
    as_list,
    as_mapping,
    command_line,
    declared_ports,
    image_name,
    pod_object,
    pod_spec,
    text_of,
)
from app.agents.infrastructure.server_settings import internal_protocol, unauthenticated_server

POD_OWNERS = frozenset(
    {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Pod"}
)


def audit_wiring(objects: list[dict[str, Any]], config_texts: dict[str, str]) -> Iterator[Finding]:
    """`config_texts`: each ConfigMap of the file and its data as one text (kubernetes_audit's)."""
    yield from _dns_egress(objects)
    yield from _any_namespace(objects)
    yield from _tls_secrets(objects)
    yield from _ingress_backends(objects)
    pods = [(o, _namespace(o), _pod_labels(o)) for o in objects if text_of(o.get("kind")) in POD_OWNERS]
    configs = "\n".join(config_texts.values())
    if not pods:
        return
    yield from _single_node_volumes(objects, pods)
    for obj in objects:
        kind, name = text_of(obj.get("kind")), text_of(as_mapping(obj.get("metadata")).get("name"), "?")
        spec = as_mapping(obj.get("spec"))
        if kind == "Service" and spec.get("type") != "ExternalName":
            selector = {text_of(k): text_of(v) for k, v in as_mapping(spec.get("selector")).items()}
            if not selector:
                continue
            selected = _matches(selector, _namespace(obj), pods)
            if not selected and _counterpart(name, selector, pods):
                shown = ", ".join(f"{k}={v}" for k, v in selector.items())
                yield rule_finding(
                    "service_selects_no_pods",
                    f"Service {name}",
                    f"its selector ({shown}) matches the labels of no pod template in the file, so it has no "
                    "endpoints and callers get 503 or connection refused",
                )
            else:
                yield from _target_ports(spec, f"Service {name}", selected)
                yield from _public_admin(obj, f"Service {name}", selected, configs)
                yield from _sharded(spec, f"Service {name}", selected)
        elif kind == "PodDisruptionBudget":
            yield from _budget(obj, name, pods)
        elif kind == "HorizontalPodAutoscaler":
            yield from _autoscaler(obj, name, pods)


def _counterpart(name: str, selector: dict[str, str], pods: _Pods) -> bool:
    """Whether a workload in the file is meant for this Service (its name and the workload's, or
    a selector value and the workload's, contain one another): a Service for pods defined
    elsewhere (a database beside an application's manifests) is not judged."""
    words = {name, *selector.values()}
    for workload, _, _ in pods:  # in any namespace: a Service never selects pods of another one
        other = text_of(as_mapping(workload.get("metadata")).get("name"))
        if other and any(w and (w in other or other in w) for w in words):
            return True
    return False


def _single_node_volumes(objects: list[dict[str, Any]], pods: _Pods) -> Iterator[Finding]:
    """Workloads of more than one pod that mount one ReadWriteOnce claim from the file."""
    single = {
        (_namespace(o), text_of(as_mapping(o.get("metadata")).get("name")))
        for o in objects
        if text_of(o.get("kind")) == "PersistentVolumeClaim"
        and {"ReadWriteOnce", "ReadWriteOncePod"}
        & {text_of(m) for m in as_list(as_mapping(o.get("spec")).get("accessModes"))}
        and "ReadWriteMany" not in as_list(as_mapping(o.get("spec")).get("accessModes"))
    }
    for workload, namespace, _ in pods:
        replicas = _replicas(workload)
        if workload.get("kind") not in ("Deployment", "ReplicaSet", "ReplicationController") or replicas < 2:
            continue
        for volume in (as_mapping(v) for v in as_list(pod_spec(workload).get("volumes"))):
            claim = text_of(as_mapping(volume.get("persistentVolumeClaim")).get("claimName"))
            if (namespace, claim) in single:
                name = text_of(as_mapping(workload.get("metadata")).get("name"), "?")
                yield rule_finding(
                    "shared_single_node_volume",
                    f"{workload.get('kind')} {name}",
                    f"its {replicas} replicas all mount PersistentVolumeClaim {claim}, which is "
                    "ReadWriteOnce: it attaches to one node, so pods on other nodes stay in "
                    "ContainerCreating (Multi-Attach)",
                )


def _ingress_backends(objects: list[dict[str, Any]]) -> Iterator[Finding]:
    """An Ingress backend naming a port the Service (defined in the file, same namespace) does not
    expose: an Ingress names the Service's `port`, not the container's, so the controller finds no
    endpoints for it and answers 503."""
    services: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for obj in objects:
        if text_of(obj.get("kind")) == "Service":
            name = text_of(as_mapping(obj.get("metadata")).get("name"))
            services[(_namespace(obj), name)] = list(
                map(as_mapping, as_list(as_mapping(obj.get("spec")).get("ports")))
            )
    for obj in objects:
        if text_of(obj.get("kind")) != "Ingress":
            continue
        spec = as_mapping(obj.get("spec"))
        backends = [as_mapping(spec.get("defaultBackend"))] + [
            as_mapping(as_mapping(path).get("backend"))
            for rule in map(as_mapping, as_list(spec.get("rules")))
            for path in as_list(as_mapping(rule.get("http")).get("paths"))
        ]
        for backend in (as_mapping(b.get("service")) for b in backends):
            port = as_mapping(backend.get("port"))
            wanted = text_of(port.get("number") if "number" in port else port.get("name"))
            ports = services.get((_namespace(obj), text_of(backend.get("name"))))
            if not wanted or not ports:
                continue
            if wanted in {text_of(p.get("port")) for p in ports} | {text_of(p.get("name")) for p in ports}:
                continue
            exposed = ", ".join(
                text_of(p.get("port")) + (f" ({text_of(p.get('name'))})" if p.get("name") else "")
                for p in ports
            )
            yield rule_finding(
                "ingress_backend_port_missing",
                f"Ingress {text_of(as_mapping(obj.get('metadata')).get('name'), '?')}",
                f"its backend is port {wanted} of Service {text_of(backend.get('name'))}, which exposes only "
                f"{exposed}: the controller finds no endpoints and answers 503",
            )
            break  # one finding per Ingress


def _tls_secrets(objects: list[dict[str, Any]]) -> Iterator[Finding]:
    """An Ingress whose TLS secret the file defines only in another namespace."""
    secrets: dict[str, set[str]] = {}
    for obj in objects:
        if text_of(obj.get("kind")) == "Secret":
            secrets.setdefault(text_of(as_mapping(obj.get("metadata")).get("name")), set()).add(
                _namespace(obj)
            )
    for obj in objects:
        if text_of(obj.get("kind")) != "Ingress":
            continue
        namespace, name = _namespace(obj), text_of(as_mapping(obj.get("metadata")).get("name"), "?")
        for tls in (as_mapping(t) for t in as_list(as_mapping(obj.get("spec")).get("tls"))):
            secret = text_of(tls.get("secretName"))
            elsewhere = secrets.get(secret, set())
            if secret and elsewhere and namespace not in elsewhere:
                yield rule_finding(
                    "ingress_tls_secret_elsewhere",
                    f"Ingress {name}",
                    f"its TLS secret {secret} is in namespace {', '.join(sorted(elsewhere))}, not in "
                    f"{namespace} where the Ingress is: the controller serves its default certificate",
                )


def _public_admin(
    service: dict[str, Any], where: str, selected: list[dict[str, Any]], configs: str
) -> Iterator[Finding]:
    """A LoadBalancer open to every address (no loadBalancerSourceRanges, no internal scheme) in
    front of a server with no login of its own."""
    spec = as_mapping(service.get("spec"))
    annotations = as_mapping(as_mapping(service.get("metadata")).get("annotations"))
    # aws-load-balancer-scheme: internal, azure-load-balancer-internal: "true",
    # networking.gke.io/load-balancer-type: Internal, the older aws-load-balancer-internal: 0.0.0.0/0.
    internal = any(
        text_of(value).lower() == "internal"
        or ("internal" in text_of(key) and text_of(value).lower() not in ("", "false", "0"))
        for key, value in annotations.items()
    )
    if spec.get("type") != "LoadBalancer" or spec.get("loadBalancerSourceRanges") or internal:
        return
    for workload in selected:
        for container in _containers(workload):
            words = command_line(container.get("command"), container.get("args"))
            for port in map(as_mapping, as_list(spec.get("ports"))):
                target = port.get("targetPort", port.get("port"))
                number = int(target) if isinstance(target, int | str) and str(target).isdigit() else None
                if number and (what := internal_protocol(number, container.get("image"), words)):
                    yield rule_finding(
                        "admin_api_unauthenticated",
                        where,
                        f"a LoadBalancer open to every address (no loadBalancerSourceRanges, not internal) "
                        f"exposes {what}",
                    )
                    return
            if served := unauthenticated_server(container.get("image"), words, configs):
                yield rule_finding(
                    "admin_api_unauthenticated",
                    where,
                    f"a LoadBalancer open to every address (no loadBalancerSourceRanges, not internal) "
                    f"exposes {served}",
                )
                return


# Cache servers that know nothing of each other: clients spread keys over them by address.
_SHARDED = {"memcached": "memcached"}


def _sharded(spec: dict[str, Any], where: str, selected: list[dict[str, Any]]) -> Iterator[Finding]:
    """A ClusterIP Service (not headless) in front of several independent cache servers."""
    if text_of(spec.get("clusterIP")) == "None" or spec.get("type") not in (None, "ClusterIP"):
        return
    for workload in selected:
        images = {image_name(c.get("image")) for c in _containers(workload)}
        product = next((label for key, label in _SHARDED.items() if key in images), None)
        if product and _replicas(workload) > 1:
            yield rule_finding(
                "sharded_behind_one_address",
                where,
                f"one ClusterIP in front of {_replicas(workload)} independent {product} pods: clients that "
                "hash keys over their server list see one address and each connection lands on any pod, so "
                "keys are missed or stale; use a headless Service (clusterIP: None) and list the pods",
            )
            return


def _containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in as_list(pod_spec(workload).get("containers")) if isinstance(c, dict)]


def _target_ports(spec: dict[str, Any], where: str, selected: list[dict[str, Any]]) -> Iterator[Finding]:
    """Each port's targetPort (its `port` when unset) against what the selected containers
    declare; judged only when every selected container declares its ports."""
    containers = [c for workload in selected for c in _containers(workload)]
    if not containers or any(not as_list(c.get("ports")) for c in containers):
        return
    numbers, names = declared_ports(containers)
    protocols: dict[int | str, set[str]] = {}
    for declared in (as_mapping(p) for c in containers for p in as_list(c.get("ports"))):
        for key in (declared.get("containerPort"), declared.get("name")):
            if isinstance(key, int | str):
                protocols.setdefault(key, set()).add(text_of(declared.get("protocol"), "TCP").upper())
    for port in (as_mapping(p) for p in as_list(spec.get("ports"))):
        target = port.get("targetPort", port.get("port"))
        if isinstance(target, str) and target.isdigit():
            target = int(target)
        wanted = text_of(port.get("protocol"), "TCP").upper()
        if isinstance(target, int) and target not in numbers:
            listening = ", ".join(str(n) for n in sorted(numbers))
            what = f"targetPort {target} is not a port its pods listen on (containerPort {listening})"
        elif isinstance(target, str) and target not in names:
            known = ", ".join(sorted(names)) or "none named"
            what = f"targetPort {target!r} names no port of its pods (their port names: {known})"
        elif isinstance(target, int | str) and (have := protocols.get(target)) and wanted not in have:
            unset = "" if "protocol" in port else " (no protocol given, so TCP)"
            what = (
                f"port {port.get('port')} is {wanted}{unset} while the pods' port {target} is "
                f"{'/'.join(sorted(have))}: set protocol: {sorted(have)[0]} on the Service port"
            )
        else:
            continue
        yield rule_finding(
            "service_port_mismatch", where, what + ", so every connection through the Service is refused"
        )


def _autoscaler(obj: dict[str, Any], name: str, pods: _Pods) -> Iterator[Finding]:
    spec = as_mapping(obj.get("spec"))
    target = as_mapping(spec.get("scaleTargetRef"))
    kind, target_name = text_of(target.get("kind")), text_of(target.get("name"))
    workloads = [
        o
        for o, namespace, _ in pods
        if text_of(o.get("kind")) == kind
        and text_of(as_mapping(o.get("metadata")).get("name")) == target_name
        and namespace == _namespace(obj)
    ]
    same_kind = [
        o for o, namespace, _ in pods if text_of(o.get("kind")) == kind and namespace == _namespace(obj)
    ]
    if target_name and not workloads and same_kind:
        defined = ", ".join(sorted(text_of(as_mapping(o.get("metadata")).get("name")) for o in same_kind))
        yield rule_finding(
            "hpa_target_missing",
            f"HorizontalPodAutoscaler {name}",
            f"its scaleTargetRef names {kind} {target_name}, which the file does not define (it defines "
            f"{defined}): it never scales (FailedGetScale)",
        )
    resources = _utilization_resources(spec)
    for workload in workloads:
        for container in _containers(workload):
            requests = as_mapping(as_mapping(container.get("resources")).get("requests"))
            for resource in resources:
                if resource not in requests:
                    yield rule_finding(
                        "hpa_without_resource_request",
                        f"HorizontalPodAutoscaler {name}",
                        f"it scales {kind} {target_name} on {resource} utilization, but container "
                        f"{text_of(container.get('name'), '?')} has no {resource} request "
                        f"(resources.requests.{resource}), so its utilization is <unknown> and it never "
                        "scales",
                    )


def _utilization_resources(spec: dict[str, Any]) -> list[str]:
    """The resources an HPA targets as a percentage of the request (autoscaling/v1 and v2)."""
    found = ["cpu"] if spec.get("targetCPUUtilizationPercentage") is not None else []
    for metric in (as_mapping(m) for m in as_list(spec.get("metrics"))):
        resource = as_mapping(metric.get("resource") or metric.get("containerResource"))
        target = as_mapping(resource.get("target"))
        utilization = target.get("type") == "Utilization" or "targetAverageUtilization" in resource
        if resource.get("name") and utilization:
            found.append(text_of(resource.get("name")))
    return list(dict.fromkeys(found))


_DNS_PORT_NAMES = ("dns", "domain")


def _dns_egress(objects: list[dict[str, Any]]) -> Iterator[Finding]:
    """Per namespace: if a NetworkPolicy restricts egress, some egress rule lets connections out,
    and none of them lets port 53 out, pods there resolve nothing (the names of what they may
    reach included)."""
    policies = [o for o in objects if text_of(o.get("kind")) == "NetworkPolicy"]
    for namespace in dict.fromkeys(_namespace(p) for p in policies):
        here = [p for p in policies if _namespace(p) == namespace]
        restricting = [p for p in here if _restricts_egress(as_mapping(p.get("spec")))]
        if not restricting:
            continue
        rules = [as_mapping(r) for p in here for r in as_list(as_mapping(p.get("spec")).get("egress"))]
        # No egress rule at all is a deliberate "nothing out" (a static site): no name to resolve.
        if not rules or any(_allows_dns(rule) for rule in rules):
            continue
        names = ", ".join(text_of(as_mapping(p.get("metadata")).get("name"), "?") for p in restricting)
        yield rule_finding(
            "network_policy_blocks_dns",
            f"NetworkPolicy {names}",
            f"egress is restricted in namespace {namespace} and no egress rule allows port 53, so pods there "
            "cannot reach the cluster DNS (kube-dns) and no name resolves",
        )


def _any_namespace(objects: list[dict[str, Any]]) -> Iterator[Finding]:
    """A peer list where `namespaceSelector: {}` stands alone beside a podSelector: the author
    meant "these pods, in any namespace" (one item) and wrote "every pod anywhere, or these"."""
    for policy in (o for o in objects if text_of(o.get("kind")) == "NetworkPolicy"):
        spec = as_mapping(policy.get("spec"))
        name = text_of(as_mapping(policy.get("metadata")).get("name"), "?")
        for direction, key in (("ingress", "from"), ("egress", "to")):
            rules = [as_mapping(rule) for rule in as_list(spec.get(direction))]
            # Ingress only: an egress rule of ports alone is how DNS (and "anywhere on 443") is
            # allowed beside rules that name peers.
            if direction == "ingress" and any(key in rule for rule in rules):
                for rule in rules:
                    if key not in rule and rule.get("ports"):
                        # Beside rules that name their peers, a rule of ports only is one more rule,
                        # ORed with them: those ports from any source, not only the peers above.
                        yield rule_finding(
                            "network_policy_any_namespace",
                            f"NetworkPolicy {name}",
                            f"one {direction} rule has ports but no `{key}`, a separate rule that admits "
                            "any source on those ports (every pod of every namespace, and beyond), not only "
                            "the peers named beside it",
                        )
            if direction == "ingress" and {} in rules and "allow-all" not in name:
                # An empty rule admits everything: the policy isolates nothing (unless that is what
                # a policy named allow-all says it is for).
                yield rule_finding(
                    "network_policy_any_namespace",
                    f"NetworkPolicy {name}",
                    "one ingress rule is empty (`- {}`), which allows every source on every port: the pods "
                    "it selects are as open as with no policy at all",
                )
            for rule in rules:
                peers = [as_mapping(p) for p in as_list(rule.get(key))]
                alone = any(p.get("namespaceSelector") == {} and "podSelector" not in p for p in peers)
                if alone and any("podSelector" in p and "namespaceSelector" not in p for p in peers):
                    yield rule_finding(
                        "network_policy_any_namespace",
                        f"NetworkPolicy {name}",
                        f"its {direction} `{key}` lists `namespaceSelector: {{}}` and a podSelector as "
                        "separate items, which are ORed: every pod of every namespace is allowed, not only "
                        "the selected pods",
                    )


def _restricts_egress(spec: dict[str, Any]) -> bool:
    types = [text_of(t) for t in as_list(spec.get("policyTypes"))]
    return "Egress" in types or ("egress" in spec and not types)


def _allows_dns(rule: dict[str, Any]) -> bool:
    ports = [as_mapping(p) for p in as_list(rule.get("ports"))]
    if not ports:
        return True  # every port, to whatever `to` names (or everywhere)
    for port in ports:
        number, end = port.get("port"), port.get("endPort")
        if number is None:
            return True
        if text_of(number).lower() in _DNS_PORT_NAMES or text_of(number) == "53":
            return True
        if isinstance(number, int) and isinstance(end, int) and number <= 53 <= end:
            return True
    return False


def _namespace(obj: dict[str, Any]) -> str:
    return text_of(as_mapping(obj.get("metadata")).get("namespace"), "default")


def _pod_labels(obj: dict[str, Any]) -> dict[str, str]:
    metadata = as_mapping(pod_object(obj).get("metadata"))
    return {text_of(k): text_of(v) for k, v in as_mapping(metadata.get("labels")).items()}


_Pods = list[tuple[dict[str, Any], str, dict[str, str]]]


# Labels put on pods at run time, never in the template: by the StatefulSet and Deployment
# controllers, and by Vault's service registration (its active-node Service selects vault-active).
_RUNTIME_LABELS = frozenset({
    "statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index", "controller-revision-hash",
    "pod-template-hash", "vault-active", "vault-sealed", "vault-perf-standby", "vault-initialized",
})  # fmt: skip


def _matches(selector: dict[str, str], namespace: str, pods: _Pods) -> list[dict[str, Any]]:
    wanted = {key: value for key, value in selector.items() if key not in _RUNTIME_LABELS}
    return [obj for obj, ns, labels in pods if ns == namespace and wanted.items() <= labels.items()]


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
