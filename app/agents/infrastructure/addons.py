"""Cluster add-ons and platform objects judged by what their settings do, not by how their pods
are hardened: an admission webhook that fails closed for every namespace, a mesh told to drop
mTLS, ingress-nginx running tenants' snippets, external-dns allowed to delete records it does not
own, a Velero schedule that saves no volume data, Prometheus compacting blocks a Thanos sidecar
uploads, a JetStream store allowed to grow past its volume, Argo CD open to anonymous visitors, a
MetalLB pool that is a whole subnet, a VM that cannot live-migrate, NFS mounted soft, a Cilium
FQDN policy without its DNS rule, a Karpenter pool that may drain every node at once; and objects
that work against each other: two autoscalers on one workload, two Certificates on one Secret, a
mesh proxy that keeps a Job from completing, socket.io on replicas without sticky sessions."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from typing import Any

from app.agents.base import Finding
from app.agents.infrastructure.audit_rules import rule_finding
from app.agents.infrastructure.container_checks import (
    as_list,
    as_mapping,
    command_line,
    image_name,
    long_flags,
    memory_bytes,
    pod_object,
    pod_spec,
    text_of,
)
from app.agents.infrastructure.secret_scan import env_pairs

_WEBHOOK_KINDS = frozenset({"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"})
# What a pod-creating webhook blocks when its service is down: every pod, controllers' included.
_POD_RESOURCES = frozenset({"pods", "*", "deployments", "replicasets", "daemonsets", "statefulsets", "jobs"})
_SYSTEM_NAMESPACES = ("kube-system",)
_TRUE = ("true", "1", "yes", "on")


def addon_findings(objects: list[dict[str, Any]]) -> Iterator[Finding]:
    config_maps = [o for o in objects if text_of(o.get("kind")) == "ConfigMap"]
    yield from _competing_autoscalers(objects)
    yield from _shared_certificate_secrets(objects)
    yield from _meshed_jobs(objects)
    yield from _socketio_without_affinity(objects, config_maps)
    yield from _ambient_policies(objects)
    yield from _ipvs_without_strict_arp(objects, config_maps)
    for obj in objects:
        kind = text_of(obj.get("kind"))
        name = f"{kind} {text_of(as_mapping(obj.get('metadata')).get('name'), '?')}"
        spec = as_mapping(obj.get("spec"))
        if kind in _WEBHOOK_KINDS:
            yield from _webhooks(name, obj)
        elif kind == "PeerAuthentication":
            yield from _peer_authentication(name, spec)
        elif kind == "DestinationRule":
            yield from _destination_rule(name, spec)
        elif kind in ("Schedule", "Backup") and "velero.io" in text_of(obj.get("apiVersion")):
            yield from _velero(name, spec.get("template") if kind == "Schedule" else spec, objects)
        elif kind == "ConfigMap":
            yield from _config_map(name, as_mapping(obj.get("data")), config_maps)
        elif kind == "IPAddressPool":
            yield from _address_pool(name, spec)
        elif kind == "VirtualMachine":
            yield from _live_migration(name, spec)
        elif kind in ("PersistentVolume", "StorageClass"):
            yield from _nfs_mount(name, obj, spec)
        elif kind in ("CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy"):
            yield from _fqdn_without_dns_proxy(name, spec)
        elif kind == "NodePool":
            yield from _disruption_budget(name, spec)
        elif kind in ("Deployment", "StatefulSet", "DaemonSet", "Pod"):
            containers = [as_mapping(c) for c in as_list(pod_spec(obj).get("containers"))]
            yield from _mesh_skipped_ports(name, obj, containers)
            yield from _external_dns(name, containers)
            yield from _thanos_sidecar(name, containers)
            if kind == "StatefulSet":
                yield from _store_over_volume(name, obj, config_maps)


def _webhooks(name: str, obj: dict[str, Any]) -> Iterator[Finding]:
    """failurePolicy Fail (admissionregistration/v1's default) on pod-creating requests in every
    namespace: with the webhook's pods down nothing starts, its own replacement included."""
    hooks = obj.get("webhooks") or as_mapping(obj.get("spec")).get("webhooks")  # nested by hand, too
    for hook in map(as_mapping, as_list(hooks)):
        if text_of(hook.get("failurePolicy"), "Fail") != "Fail":
            continue
        resources = {
            text_of(r).lower()
            for rule in map(as_mapping, as_list(hook.get("rules")))
            for r in as_list(rule.get("resources"))
        }
        if not resources & _POD_RESOURCES or _spares_system(as_mapping(hook.get("namespaceSelector"))):
            continue
        yield rule_finding(
            "admission_webhook_fail_closed",
            f"{name} webhook {text_of(hook.get('name'), '?')}",
            "failurePolicy: Fail on pod-creating requests with no namespaceSelector that spares kube-system "
            "and its own namespace: while its pods are down no pod can be created anywhere, not even their "
            "replacements, CNI or DNS",
        )


def _spares_system(selector: dict[str, Any]) -> bool:
    """A namespaceSelector that leaves kube-system out (by name label or an opt-in/opt-out label)."""
    if as_mapping(selector.get("matchLabels")):
        return True  # opt-in: only labelled namespaces are judged
    for expression in map(as_mapping, as_list(selector.get("matchExpressions"))):
        operator = text_of(expression.get("operator"))
        values = [text_of(v) for v in as_list(expression.get("values"))]
        if operator in ("In", "Exists"):
            return True
        if operator == "NotIn" and any(v in _SYSTEM_NAMESPACES for v in values):
            return True
        if operator == "DoesNotExist":
            return True
    return False


def _peer_authentication(name: str, spec: dict[str, Any]) -> Iterator[Finding]:
    modes = [as_mapping(spec.get("mtls")).get("mode")] + [
        as_mapping(port).get("mode") for port in as_mapping(spec.get("portLevelMtls")).values()
    ]
    if any(text_of(mode).upper() == "DISABLE" for mode in modes):
        yield rule_finding(
            "mesh_mtls_disabled",
            name,
            "mTLS mode DISABLE: the workloads accept plaintext, traffic inside the mesh is unencrypted and "
            "AuthorizationPolicies on source principals can never match",
        )


# Pod annotations that take inbound ports out of the mesh's proxy (Linkerd, Istio).
_SKIP_INBOUND = ("config.linkerd.io/skip-inbound-ports", "traffic.sidecar.istio.io/excludeInboundPorts")


def _mesh_skipped_ports(
    name: str, obj: dict[str, Any], containers: list[dict[str, Any]]
) -> Iterator[Finding]:
    """An application port the proxy is told to skip: its traffic bypasses mTLS and the mesh's
    authorization policies (a port of an admin or metrics endpoint is the usual, harmless case)."""
    annotations = as_mapping(as_mapping(pod_object(obj).get("metadata")).get("annotations"))
    served = {
        port["containerPort"]
        for c in containers
        for port in map(as_mapping, as_list(c.get("ports")))
        if isinstance(port.get("containerPort"), int)
        and not re.search(r"metric|admin|health|debug", text_of(port.get("name")), re.IGNORECASE)
    }
    for key in _SKIP_INBOUND:
        skipped = {int(p) for p in re.findall(r"\d+", text_of(annotations.get(key)))}
        if ports := sorted(skipped & served):
            yield rule_finding(
                "mesh_mtls_disabled",
                name,
                f"{key}: {', '.join(map(str, ports))} takes an application port out of the proxy: "
                "traffic to it bypasses mTLS and the mesh's authorization policies, so any pod can call it",
            )


def _destination_rule(name: str, spec: dict[str, Any]) -> Iterator[Finding]:
    """A DestinationRule sending in-mesh traffic (a cluster-local host) without TLS."""
    host = text_of(spec.get("host"))
    if "." in host and not host.endswith((".svc", ".svc.cluster.local", ".local")):
        return  # an external service: its TLS is not the mesh's mTLS
    policy = as_mapping(spec.get("trafficPolicy"))
    if text_of(as_mapping(policy.get("tls")).get("mode")).upper() == "DISABLE":
        yield rule_finding(
            "mesh_mtls_disabled",
            name,
            f"trafficPolicy.tls.mode DISABLE for {host}: clients send to it in plaintext, "
            "without the mesh's mTLS",
        )


def _velero(name: str, spec: Any, objects: list[dict[str, Any]]) -> Iterator[Finding]:
    """A Velero backup that keeps manifests only: no snapshots, no file-system backup, and no pod
    in the file opting its volumes in."""
    spec = as_mapping(spec)
    if spec.get("snapshotVolumes") is not False or spec.get("defaultVolumesToFsBackup") is True:
        return
    opted_in = any(
        "backup.velero.io/backup-volumes"
        in as_mapping(as_mapping(_template(o).get("metadata")).get("annotations"))
        for o in objects
    )
    if not opted_in:
        yield rule_finding(
            "backup_without_volume_data",
            name,
            "snapshotVolumes: false and no defaultVolumesToFsBackup (nor a backup.velero.io/backup-volumes "
            "annotation): it saves the manifests only, so a restore brings back empty PersistentVolumes",
        )


def _template(obj: dict[str, Any]) -> dict[str, Any]:
    spec = as_mapping(obj.get("spec"))
    return as_mapping(spec.get("template")) if "template" in spec else obj


_SNIPPETS = ("allow-snippet-annotations",)


def _config_map(name: str, data: dict[str, Any], config_maps: list[dict[str, Any]]) -> Iterator[Finding]:
    if any(text_of(data.get(key)).strip().lower() in _TRUE for key in _SNIPPETS):
        yield rule_finding(
            "snippet_annotations_allowed",
            name,
            "allow-snippet-annotations is true: whoever can create an Ingress runs nginx configuration "
            "in the controller, which can read every Secret the controller can (CVE-2021-25742)",
        )
    if text_of(data.get("users.anonymous.enabled")).strip().lower() in _TRUE:
        policy = next(
            (
                text_of(as_mapping(c.get("data")).get("policy.default"))
                for c in config_maps
                if as_mapping(c.get("data")).get("policy.default")
            ),
            "",
        )
        rights = f"policy.default {policy}" if policy else "the default policy's role"
        yield rule_finding(
            "admin_api_unauthenticated",
            name,
            f"Argo CD's users.anonymous.enabled is true: every visitor who has not logged in gets {rights}"
            + (" (sync, delete and exec on every cluster it manages)" if "admin" in policy else ""),
        )


def _external_dns(name: str, containers: list[dict[str, Any]]) -> Iterator[Finding]:
    """external-dns with --policy=sync deletes the records it considers its own; with the noop
    registry, or without its own --txt-owner-id, that is every record of the zone."""
    for container in containers:
        words = command_line(container.get("command"), container.get("args"))
        if image_name(container.get("image")) != "external-dns" and not any(
            "external-dns" in w for w in words[:1]
        ):
            continue
        flags = long_flags(words)
        if flags.get("policy") != "sync":
            continue
        if flags.get("registry") == "noop":
            why = "--registry=noop: it owns every record in the zones it sees"
        elif not flags.get("txt-owner-id"):
            why = "no --txt-owner-id: every instance sharing the zone runs as owner 'default'"
        else:
            continue
        scope = "" if flags.get("domain-filter") else " and no --domain-filter"
        yield rule_finding(
            "dns_records_unowned",
            f"{name} container {text_of(container.get('name'), '?')}",
            f"--policy=sync with {why}{scope}, so it deletes records it did not create, another cluster's "
            "included",
        )


_BLOCK_DURATION = re.compile(r"^--storage\.tsdb\.(min|max)-block-duration=(\S+)$")


def _thanos_sidecar(name: str, containers: list[dict[str, Any]]) -> Iterator[Finding]:
    """A Thanos sidecar uploads Prometheus' blocks; Prometheus must not compact them locally
    (min and max block duration equal, 2h), or the bucket gets overlapping blocks."""
    sidecar = any(
        image_name(c.get("image")) == "thanos" and "sidecar" in command_line(c.get("command"), c.get("args"))
        for c in containers
    )
    if not sidecar:
        return
    for container in containers:
        if image_name(container.get("image")) != "prometheus":
            continue
        words = command_line(container.get("command"), container.get("args"))
        durations = {m[1]: m[2] for m in map(_BLOCK_DURATION.match, words) if m}
        if durations.get("min") and durations.get("min") == durations.get("max"):
            continue
        yield rule_finding(
            "local_compaction_with_sidecar",
            f"{name} container {text_of(container.get('name'), '?')}",
            "Prometheus runs beside a Thanos sidecar without --storage.tsdb.min-block-duration and "
            "--storage.tsdb.max-block-duration both 2h, so it compacts blocks locally: the sidecar uploads "
            "overlapping blocks and the compactor halts",
        )


_JETSTREAM_STORE = re.compile(
    r"\bmax_(?:file_store|file)\s*[:=]?\s*['\"]?(\d+(?:\.\d+)?\s*[kmgt]i?b?)\b", re.I
)
_RETENTION_SIZE = re.compile(r"^--storage\.tsdb\.retention\.size=(\S+)$")


def _store_over_volume(
    name: str, obj: dict[str, Any], config_maps: list[dict[str, Any]]
) -> Iterator[Finding]:
    """A store limit larger than the claim it lives on: the disk fills before the limit applies
    (JetStream's max_file_store, Prometheus' --storage.tsdb.retention.size)."""
    claims = [
        memory_bytes(
            as_mapping(as_mapping(as_mapping(t.get("spec")).get("resources")).get("requests")).get("storage")
        )
        for t in map(as_mapping, as_list(as_mapping(obj.get("spec")).get("volumeClaimTemplates")))
    ]
    sizes = [size for size in claims if size]
    if not sizes:
        return
    volume = max(sizes)
    limits: list[tuple[str, str]] = []
    mounted = {
        text_of(as_mapping(v.get("configMap")).get("name"))
        for v in map(as_mapping, as_list(pod_spec(obj).get("volumes")))
        if v.get("configMap")
    }
    for config_map in config_maps:
        if text_of(as_mapping(config_map.get("metadata")).get("name")) not in mounted:
            continue
        for _, value in env_pairs(as_mapping(config_map.get("data"))):
            if match := _JETSTREAM_STORE.search(text_of(value)):
                limits.append((f"JetStream's max_file_store {match[1]}", match[1]))
    for container in map(as_mapping, as_list(pod_spec(obj).get("containers"))):
        for word in command_line(container.get("command"), container.get("args")):
            if match := _RETENTION_SIZE.match(word):
                limits.append((f"--storage.tsdb.retention.size={match[1]}", match[1]))
    for label, size in limits:
        limit = memory_bytes(size)
        if limit and limit > volume:
            yield rule_finding(
                "store_limit_exceeds_volume",
                name,
                f"{label} is larger than the volume it is kept on ({_claim_text(obj)}): the disk fills "
                "before the limit applies, and the server stops writing",
            )
            return


def _claim_text(obj: dict[str, Any]) -> str:
    for template in map(as_mapping, as_list(as_mapping(obj.get("spec")).get("volumeClaimTemplates"))):
        storage = as_mapping(
            as_mapping(as_mapping(template.get("spec")).get("resources")).get("requests")
        ).get("storage")
        if storage:
            return f"a {text_of(storage)} claim"
    return "its claim"


def _address_pool(name: str, spec: dict[str, Any]) -> Iterator[Finding]:
    """A MetalLB pool that is a whole subnet of /24 or wider, handed out automatically."""
    if spec.get("autoAssign") is False:
        return
    for entry in as_list(spec.get("addresses")):
        text = text_of(entry).strip()
        if "-" in text or "/" not in text:
            continue  # a range: someone chose where it starts and ends
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            continue
        if network.version == 4 and network.prefixlen <= 24:
            gateway = next(network.hosts(), None)
            yield rule_finding(
                "address_pool_overlaps_hosts",
                name,
                f"the pool is the whole subnet {network} (autoAssign): MetalLB may hand out and answer ARP "
                f"for addresses in use, the gateway's ({gateway}) and the nodes' included",
            )
            return


def _live_migration(name: str, spec: dict[str, Any]) -> Iterator[Finding]:
    """evictionStrategy LiveMigrate with a ReadWriteOnce disk: the VM cannot move."""
    template = as_mapping(as_mapping(spec.get("template")).get("spec"))
    if text_of(template.get("evictionStrategy")) != "LiveMigrate":
        return
    for volume in map(as_mapping, as_list(spec.get("dataVolumeTemplates"))):
        volume_spec = as_mapping(volume.get("spec"))
        storage = as_mapping(volume_spec.get("storage") or volume_spec.get("pvc"))
        modes = [text_of(m) for m in as_list(storage.get("accessModes"))]
        if modes and "ReadWriteMany" not in modes:
            disk = text_of(as_mapping(volume.get("metadata")).get("name"), "?")
            yield rule_finding(
                "live_migration_impossible",
                name,
                f"evictionStrategy: LiveMigrate, but its disk {disk} is {'/'.join(modes)}: a VM with a "
                "ReadWriteOnce disk cannot live-migrate, so draining its node hangs on it",
            )
            return


_UNSAFE_NFS = ("soft", "nolock")


def _nfs_mount(name: str, obj: dict[str, Any], spec: dict[str, Any]) -> Iterator[Finding]:
    options = [text_of(o).strip() for o in as_list(spec.get("mountOptions") or obj.get("mountOptions"))]
    nfs = "nfs" in spec or "nfs" in text_of(obj.get("provisioner")).lower()
    unsafe = [o for o in options if o in _UNSAFE_NFS]
    if nfs and unsafe:
        yield rule_finding(
            "unsafe_nfs_mount",
            name,
            f"NFS mounted with {', '.join(unsafe)}: after a timeout the I/O errors reach whatever writes "
            "there (a database's WAL and data files: corruption)",
        )


def _fqdn_without_dns_proxy(name: str, spec: dict[str, Any]) -> Iterator[Finding]:
    """toFQDNs needs Cilium's DNS proxy to see the lookups: an L7 dns rule on the DNS egress."""
    rules = [as_mapping(r) for r in as_list(spec.get("egress"))]
    if not any(rule.get("toFQDNs") for rule in rules):
        return
    dns_rules = [
        port_rule
        for rule in rules
        for port_rule in map(as_mapping, as_list(rule.get("toPorts")))
        if as_mapping(port_rule.get("rules")).get("dns")
    ]
    if not dns_rules:
        yield rule_finding(
            "fqdn_policy_without_dns_proxy",
            name,
            "egress by toFQDNs, but no egress rule has an L7 dns rule (toPorts.rules.dns with matchPattern): "
            "Cilium's DNS proxy never sees the lookups, learns no addresses, and the traffic is dropped",
        )


def _disruption_budget(name: str, spec: dict[str, Any]) -> Iterator[Finding]:
    """A Karpenter NodePool that may disrupt all its nodes at once."""
    disruption = as_mapping(spec.get("disruption"))
    for budget in map(as_mapping, as_list(disruption.get("budgets"))):
        if text_of(budget.get("nodes")).strip() == "100%" and not budget.get("schedule"):
            after = text_of(disruption.get("consolidateAfter"))
            yield rule_finding(
                "disruption_budget_unbounded",
                name,
                "disruption budget nodes: 100%"
                + (f" with consolidateAfter {after}" if after else "")
                + ": Karpenter may replace every node of the pool at once, evicting all replicas of a "
                "workload together",
            )
            return


def _target(obj: dict[str, Any]) -> tuple[str, str, str]:
    """(namespace, kind, name) an autoscaler scales: KEDA's scaleTargetRef defaults to a Deployment."""
    target = as_mapping(as_mapping(obj.get("spec")).get("scaleTargetRef"))
    namespace = text_of(as_mapping(obj.get("metadata")).get("namespace"))
    return namespace, text_of(target.get("kind"), "Deployment"), text_of(target.get("name"))


def _competing_autoscalers(objects: list[dict[str, Any]]) -> Iterator[Finding]:
    scaled = {_target(o): o for o in objects if text_of(o.get("kind")) == "ScaledObject"}
    for obj in objects:
        if text_of(obj.get("kind")) == "HorizontalPodAutoscaler" and _target(obj) in scaled:
            name = text_of(as_mapping(obj.get("metadata")).get("name"), "?")
            _, kind, target = _target(obj)
            yield rule_finding(
                "competing_autoscalers",
                f"HorizontalPodAutoscaler {name}",
                f"scales {kind} {target}, which a KEDA ScaledObject scales too (through its own HPA): the "
                "two overwrite each other's replica count",
            )


def _shared_certificate_secrets(objects: list[dict[str, Any]]) -> Iterator[Finding]:
    seen: dict[tuple[str, str], str] = {}
    for obj in objects:
        if text_of(obj.get("kind")) != "Certificate" or "cert-manager" not in text_of(obj.get("apiVersion")):
            continue
        metadata = as_mapping(obj.get("metadata"))
        secret = text_of(as_mapping(obj.get("spec")).get("secretName"))
        key = (text_of(metadata.get("namespace")), secret)
        name = text_of(metadata.get("name"), "?")
        if secret and key in seen:
            yield rule_finding(
                "certificates_share_secret",
                f"Certificate {name}",
                f"writes secretName {secret}, as Certificate {seen[key]} does: each issuance overwrites the "
                "other's certificate and cert-manager re-issues in a loop",
            )
        elif secret:
            seen[key] = name


_INJECTED = {"linkerd.io/inject": ("enabled", "ingress"), "sidecar.istio.io/inject": ("true",)}


def _meshed_jobs(objects: list[dict[str, Any]]) -> Iterator[Finding]:
    """Jobs and CronJobs whose pods get a mesh proxy (by their own annotation or their namespace's),
    without native sidecars or an opt-out."""
    meshed_namespaces = {
        text_of(as_mapping(o.get("metadata")).get("name"))
        for o in objects
        if text_of(o.get("kind")) == "Namespace" and _annotated(as_mapping(o.get("metadata")))
    }
    for obj in objects:
        kind = text_of(obj.get("kind"))
        if kind not in ("Job", "CronJob"):
            continue
        metadata = as_mapping(obj.get("metadata"))
        spec = as_mapping(obj.get("spec"))
        template = as_mapping(
            as_mapping(as_mapping(spec.get("jobTemplate")).get("spec")).get("template")
            if kind == "CronJob"
            else spec.get("template")
        )
        annotations = as_mapping(as_mapping(template.get("metadata")).get("annotations"))
        opted_out = any(text_of(annotations.get(key)).lower() == "disabled" for key in _INJECTED) or any(
            text_of(annotations.get(key)).lower() == "false" for key in _INJECTED
        )
        native = text_of(annotations.get("config.alpha.linkerd.io/proxy-enable-native-sidecar")) == "true"
        words = " ".join(
            " ".join(command_line(c.get("command"), c.get("args")))
            for c in map(as_mapping, as_list(as_mapping(template.get("spec")).get("containers")))
        )
        shuts_down = "linkerd-await" in words or "shutdown" in words or "quitquitquit" in words
        injected = _annotated(as_mapping(template.get("metadata"))) or (
            text_of(metadata.get("namespace")) in meshed_namespaces
        )
        if injected and not (opted_out or native or shuts_down):
            yield rule_finding(
                "sidecar_blocks_job_completion",
                f"{kind} {text_of(metadata.get('name'), '?')}",
                "its pods get a mesh proxy sidecar (linkerd.io/inject or sidecar.istio.io/inject) that keeps "
                "running after the job's container exits: the Job never completes"
                + (
                    ", and concurrencyPolicy Forbid skips every later run"
                    if spec.get("concurrencyPolicy") == "Forbid"
                    else ""
                ),
            )


def _annotated(metadata: dict[str, Any]) -> bool:
    annotations = as_mapping(metadata.get("annotations"))
    return any(text_of(annotations.get(key)).lower() in values for key, values in _INJECTED.items())


def _socketio_without_affinity(
    objects: list[dict[str, Any]], config_maps: list[dict[str, Any]]
) -> Iterator[Finding]:
    """socket.io on several replicas with no sticky sessions anywhere in the file: its polling
    transport's requests of one session land on different pods ('Session ID unknown')."""
    sticky = any(
        text_of(o.get("kind")) == "Service"
        and text_of(as_mapping(o.get("spec")).get("sessionAffinity")) == "ClientIP"
        for o in objects
    ) or any(
        text_of(o.get("kind")) == "Ingress"
        and any(
            "affinity" in text_of(k) for k in as_mapping(as_mapping(o.get("metadata")).get("annotations"))
        )
        for o in objects
    )
    if sticky:
        return
    texts = {
        text_of(as_mapping(c.get("metadata")).get("name")): " ".join(
            f"{text_of(k)} {text_of(v)}" for k, v in as_mapping(c.get("data")).items()
        )
        for c in config_maps
    }
    for obj in objects:
        if text_of(obj.get("kind")) not in ("Deployment", "StatefulSet"):
            continue
        replicas = as_mapping(obj.get("spec")).get("replicas", 1)
        if not isinstance(replicas, int) or replicas < 2:
            continue
        containers = [as_mapping(c) for c in as_list(pod_spec(obj).get("containers"))]
        said = " ".join(
            [f"{k} {text_of(v)}" for c in containers for k, v in env_pairs(c.get("env"))]
            + [text_of(c.get("image")) for c in containers]
            + [
                texts.get(text_of(as_mapping(ref.get("configMapRef")).get("name")), "")
                for c in containers
                for ref in map(as_mapping, as_list(c.get("envFrom")))
            ]
        ).lower()
        if "socket.io" in said and "adapter" not in said:
            yield rule_finding(
                "sessions_not_shared",
                f"{text_of(obj.get('kind'))} {text_of(as_mapping(obj.get('metadata')).get('name'), '?')}",
                f"serves socket.io on {replicas} replicas with no sticky sessions (no cookie affinity on the "
                "Ingress, no sessionAffinity: ClientIP on the Service) and no shared adapter: a client's "
                "next poll lands on another pod ('Session ID unknown')",
            )


# Istio ambient mode: ztunnel carries meshed traffic to the pod as HBONE on this port.
_HBONE_PORT = 15008


def _ambient_policies(objects: list[dict[str, Any]]) -> Iterator[Finding]:
    """NetworkPolicies in a namespace labelled for Istio's ambient mesh whose ingress rules name
    ports, none of them 15008."""
    ambient = {
        text_of(as_mapping(o.get("metadata")).get("name"))
        for o in objects
        if text_of(o.get("kind")) == "Namespace"
        and text_of(as_mapping(as_mapping(o.get("metadata")).get("labels")).get("istio.io/dataplane-mode"))
        == "ambient"
    }
    for obj in objects:
        metadata = as_mapping(obj.get("metadata"))
        if text_of(obj.get("kind")) != "NetworkPolicy" or text_of(metadata.get("namespace")) not in ambient:
            continue
        rules = [as_mapping(r) for r in as_list(as_mapping(obj.get("spec")).get("ingress"))]
        ports = [as_mapping(p).get("port") for r in rules for p in as_list(r.get("ports"))]
        if rules and all(as_list(r.get("ports")) for r in rules) and _HBONE_PORT not in ports:
            shown = ", ".join(sorted({text_of(p) for p in ports}))
            yield rule_finding(
                "mesh_port_blocked",
                f"NetworkPolicy {text_of(metadata.get('name'))}",
                f"allows only port(s) {shown} in the ambient-mesh namespace "
                f"{text_of(metadata.get('namespace'))}: "
                f"meshed traffic arrives through ztunnel as HBONE on port {_HBONE_PORT}, so it is dropped; "
                f"allow TCP {_HBONE_PORT} too",
            )


_IPVS = re.compile(r"^\s*mode:\s*[\"']?ipvs\b", re.MULTILINE)
_STRICT_ARP = re.compile(r"^\s*strictARP:\s*true\b", re.MULTILINE)


def _ipvs_without_strict_arp(
    objects: list[dict[str, Any]], config_maps: list[dict[str, Any]]
) -> Iterator[Finding]:
    """kube-proxy's configuration in IPVS mode without strictARP, beside MetalLB in layer-2 mode."""
    if not any(text_of(o.get("kind")) == "L2Advertisement" for o in objects):
        return
    for config in config_maps:
        text = "\n".join(text_of(v) for v in as_mapping(config.get("data")).values())
        if "KubeProxyConfiguration" in text and _IPVS.search(text) and not _STRICT_ARP.search(text):
            yield rule_finding(
                "strict_arp_disabled",
                f"ConfigMap {text_of(as_mapping(config.get('metadata')).get('name'))}",
                "kube-proxy runs in IPVS mode without ipvs.strictARP: true: every node answers ARP for every "
                "LoadBalancer address, fighting MetalLB's layer-2 speaker (traffic lands on random nodes or "
                "flaps); set strictARP: true",
            )
