"""The Kubernetes auditor: workloads (containers and init containers), Services that expose a
database outside the cluster, ConfigMaps that hold secrets, and RBAC roles and bindings. Codes
and severities come from the shared table in audit_rules."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from typing import Any

from app.agents.base import Finding
from app.agents.infrastructure.addons import addon_findings
from app.agents.infrastructure.audit_rules import rule_finding
from app.agents.infrastructure.clustering import (
    clustering_findings,
    storage_pool_findings,
    strimzi_findings,
    version_mismatch,
)
from app.agents.infrastructure.container_checks import (
    ALL_INTERFACES,
    UPLOADS,
    app_data,
    as_list,
    as_mapping,
    capability_findings,
    command_line,
    command_words,
    data_path_variable,
    database_port_finding,
    declared_ports,
    dhcp_server,
    heap_findings,
    host_path_findings,
    image_findings,
    keeps_data,
    memory_bytes,
    one_word_command,
    open_door_findings,
    pod_object,
    pod_spec,
    port_range,
    requests_over_limits,
    text_of,
)
from app.agents.infrastructure.rbac_audit import BINDING_KINDS, ROLE_KINDS, audit_rbac
from app.agents.infrastructure.secret_scan import env_pairs, scan_command, scan_env
from app.agents.infrastructure.server_settings import (
    advertised_loopback,
    agent_job_findings,
    evicts_keys,
    image_auth_findings,
    queue_findings,
    settings_findings,
)
from app.agents.infrastructure.wiring import audit_wiring

WORKLOAD_KINDS = frozenset(
    {"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob"}
)
REPLICATED_KINDS = frozenset({"Deployment", "StatefulSet"})  # where one replica is an availability gap
RUN_TO_COMPLETION_KINDS = frozenset({"Job", "CronJob"})  # no probes expected


def audit_kubernetes(documents: list[dict[str, Any]]) -> list[Finding]:
    objects = [o for d in documents for o in _objects(d)]
    autoscaled = _autoscaled_minimum(objects)
    staging_issuers = _acme_staging_issuers(objects)
    issuers = _defined_issuers(objects)
    configs = _config_texts(objects)
    findings: list[Finding] = []
    for obj in objects:
        kind = text_of(obj.get("kind"))
        metadata_name = text_of(as_mapping(obj.get("metadata")).get("name"), "?")
        name = f"{kind} {metadata_name}"
        findings += _knative_reserved(name, obj)  # a Knative Service is kind Service too
        if kind in WORKLOAD_KINDS:
            findings += _workload(obj, name, autoscaled.get((kind, metadata_name)), configs)
        elif kind == "Service":
            findings += _service(obj, name)
        elif kind == "Ingress":
            findings += _issuer(obj, name, staging_issuers, issuers)
            findings += _upload_limit(obj, name)
        elif kind == "ConfigMap":
            data = env_pairs(as_mapping(obj.get("data")))
            findings += scan_env(name, data, noun="key")
            findings += settings_findings(name, data, [])  # env-style keys and embedded files alike
            findings += _key_files(name, obj)
        elif kind in ROLE_KINDS or kind in BINDING_KINDS:
            findings += audit_rbac(obj, name)
        elif "." in text_of(obj.get("apiVersion")).split("/")[0]:  # a custom resource with containers in it
            findings += _nested_resources(name, obj.get("spec"))
    findings += audit_wiring(objects, configs)
    findings += addon_findings(objects)
    processes, mounted = _processes(objects, configs)
    findings += queue_findings(processes, mounted)
    findings += strimzi_findings(objects)
    findings += storage_pool_findings(objects)
    findings += version_mismatch([(where, image) for where, image, _words, _env in processes])
    findings += agent_job_findings(processes)
    findings += advertised_loopback(processes)
    return findings


# Environment variables Knative Serving sets itself: its webhook refuses a Service that sets them.
_KNATIVE_RESERVED = frozenset({"PORT", "K_SERVICE", "K_CONFIGURATION", "K_REVISION"})


def _knative_reserved(name: str, obj: dict[str, Any]) -> Iterator[Finding]:
    if not text_of(obj.get("apiVersion")).startswith("serving.knative.dev/"):
        return
    template = as_mapping(as_mapping(as_mapping(obj.get("spec")).get("template")).get("spec"))
    for container in map(as_mapping, as_list(template.get("containers"))):
        reserved = sorted({n for n, _ in env_pairs(container.get("env")) if n in _KNATIVE_RESERVED})
        if reserved:
            yield rule_finding(
                "manifest_rejected",
                name,
                f"sets {', '.join(reserved)}, a reserved environment variable in Knative (it sets PORT from "
                "the container port itself): the webhook refuses the Service; drop it and keep containerPort",
            )
            return


def _nested_resources(where: str, value: Any, depth: int = 0) -> Iterator[Finding]:
    """Requests and limits anywhere in a custom resource (KServe's predictor.model.resources,
    an operator's podTemplate): what the API server will refuse in the pods it makes."""
    if depth > 8 or not isinstance(value, dict | list):
        return
    for item in value.values() if isinstance(value, dict) else value:
        if isinstance(item, dict) and isinstance(item.get("resources"), dict):
            resources = item["resources"]
            yield from requests_over_limits(
                where,
                as_mapping(resources.get("requests")),
                as_mapping(resources.get("limits")),
                "the API server",
            )
        yield from _nested_resources(where, item, depth + 1)


def _processes(
    objects: list[dict[str, Any]], configs: dict[str, str]
) -> tuple[list[tuple[str, Any, list[str], list[tuple[str, Any]]]], dict[str, str]]:
    """(where, image, command words, env) of every workload container, for checks across them,
    and the text of the ConfigMaps each one's pod mounts (where -> text, when there are any)."""
    processes = []
    mounted: dict[str, str] = {}
    for obj in objects:
        if text_of(obj.get("kind")) in WORKLOAD_KINDS:
            name = f"{text_of(obj.get('kind'))} {text_of(as_mapping(obj.get('metadata')).get('name'), '?')}"
            pod = pod_spec(obj)
            texts = "\n".join(_mounted(pod, configs).values())
            for c in map(as_mapping, as_list(pod.get("containers"))):
                where = f"{name} container {text_of(c.get('name'), '?')}"
                processes.append((where, c.get("image"), command_line(c.get("command"), c.get("args")),
                                  env_pairs(c.get("env"))))  # fmt: skip
                if texts:
                    mounted[where] = texts
    return processes, mounted


def _objects(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The document itself, or the items of a `kind: List` (what `kubectl get -o yaml` prints)."""
    if text_of(document.get("kind")).endswith("List"):
        yield from (item for item in as_list(document.get("items")) if isinstance(item, dict))
    else:
        yield document


def _autoscaled_minimum(objects: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    """(kind, name) of each workload a HorizontalPodAutoscaler (or a KEDA ScaledObject) in the same file
    scales, to its minimum replicas."""
    minimum: dict[tuple[str, str], int] = {}
    for obj in objects:
        if obj.get("kind") in ("HorizontalPodAutoscaler", "ScaledObject"):
            spec = as_mapping(obj.get("spec"))
            target = as_mapping(spec.get("scaleTargetRef"))
            keda = obj.get("kind") == "ScaledObject"  # its target is a Deployment unless it says
            replicas = spec.get("minReplicaCount", 0) if keda else spec.get("minReplicas", 1)
            minimum[
                (text_of(target.get("kind"), "Deployment" if keda else ""), text_of(target.get("name")))
            ] = replicas if isinstance(replicas, int) else 1
    return minimum


# Profiles that switch the kernel's syscall or MAC filter off, however they are written.
_UNCONFINED = "unconfined"
_PROFILE_ANNOTATIONS = (
    "seccomp.security.alpha.kubernetes.io/",
    "container.seccomp.security.alpha.kubernetes.io/",
    "container.apparmor.security.beta.kubernetes.io/",
)


def _unconfined(where: str, security: dict[str, Any]) -> Iterator[Finding]:
    for key, label in (("seccompProfile", "seccomp"), ("appArmorProfile", "AppArmor")):
        if text_of(as_mapping(security.get(key)).get("type")).lower() == _UNCONFINED:
            yield rule_finding("security_profile_disabled", where, f"runs with {label} Unconfined ({key})")


def _unconfined_annotations(name: str, pod: dict[str, Any]) -> Iterator[Finding]:
    annotations = as_mapping(as_mapping(pod.get("metadata")).get("annotations"))
    for key, value in annotations.items():
        if text_of(key).startswith(_PROFILE_ANNOTATIONS) and text_of(value).lower() == _UNCONFINED:
            label = "AppArmor" if "apparmor" in text_of(key) else "seccomp"
            yield rule_finding(
                "security_profile_disabled", name, f"runs with {label} unconfined (annotation {key})"
            )


def _config_texts(objects: list[dict[str, Any]]) -> dict[str, str]:
    """Each ConfigMap's name and its data values as one text, for the pods that mount it."""
    return {
        text_of(as_mapping(o.get("metadata")).get("name")): "\n".join(
            text_of(v) for v in as_mapping(o.get("data")).values()
        )
        for o in objects
        if text_of(o.get("kind")) == "ConfigMap"
    }


def _mounted(pod: dict[str, Any], configs: dict[str, str]) -> dict[str, str]:
    """The pod's volumes that are ConfigMaps of this file (volume name -> the ConfigMap's text),
    projected ones included."""
    mounted: dict[str, str] = {}
    for volume in map(as_mapping, as_list(pod.get("volumes"))):
        sources = [as_mapping(volume.get("configMap"))] + [
            as_mapping(as_mapping(source).get("configMap"))
            for source in as_list(as_mapping(volume.get("projected")).get("sources"))
        ]
        texts = [configs[n] for source in sources if (n := text_of(source.get("name"))) in configs]
        if texts:
            mounted[text_of(volume.get("name"))] = "\n".join(texts)
    return mounted


# Files that are credentials whatever their content: a Kerberos keytab, a private key, a keystore.
_KEY_FILES = (".keytab", ".p12", ".pfx", ".jks", ".keystore")


def _key_files(name: str, obj: dict[str, Any]) -> Iterator[Finding]:
    for section in ("data", "binaryData"):
        for key in as_mapping(obj.get(section)):
            if text_of(key).lower().endswith(_KEY_FILES):
                what = (
                    "a Kerberos keytab, the service's long-term key"
                    if key.endswith(".keytab")
                    else "a keystore"
                )
                yield rule_finding(
                    "plaintext_secret",
                    name,
                    f"{section} key {key} holds {what} (value redacted): whoever may read ConfigMaps can "
                    "impersonate the service",
                )


def _workload(
    obj: dict[str, Any], name: str, autoscaled_minimum: int | None, configs: dict[str, str]
) -> Iterator[Finding]:
    """One workload: its pod's settings, then its replicas and schedule, then each container."""
    kind = obj.get("kind")
    pod = pod_spec(obj)
    mounted = _mounted(pod, configs)
    for key, code, label in _HOST_NAMESPACES:
        if pod.get(key) is True:
            yield rule_finding(code, name, f"shares the host's {label} ({key}: true)")
    replicas = as_mapping(obj.get("spec")).get("replicas", 1) if kind in REPLICATED_KINDS else 1
    yield from _data_on_scratch(name, pod, {v for v, text in mounted.items() if evicts_keys(text)})
    yield from _data_off_volume(name, pod)
    yield from _injected_agent(name, obj)
    yield from _uploads_on_scratch(name, pod, replicas)
    yield from _gpu_taint(name, pod)
    yield from _dns_policy(name, pod)
    yield from _prestop(name, pod)
    yield from _selector_matches_template(obj, name)
    yield from _memory_volumes(name, pod)
    yield from _restart_always(kind, name, pod)
    yield from _host_paths(name, pod)
    if kind in REPLICATED_KINDS:
        yield from _replication(obj, name, pod, autoscaled_minimum, mounted)
    if kind == "CronJob":
        yield from _overlap(obj, name)
        yield from _dst_gap(obj, name)
    yield from _run_to_completion(kind, name, pod)
    yield from _windows_image(name, pod)
    yield from _unsafe_sysctls(name, pod)
    yield from _dhcp_without_host_network(name, pod)
    if kind == "Deployment":
        yield from _rollout(obj, name)
    long_running = kind not in RUN_TO_COMPLETION_KINDS and not (
        kind == "Pod" and pod.get("restartPolicy") in ("Never", "OnFailure")
    )
    pod_security = as_mapping(pod.get("securityContext"))
    yield from _unconfined(f"{name} pod", pod_security)
    yield from _unconfined_annotations(name, pod_object(obj))
    for label, key in (("container", "containers"), ("init container", "initContainers")):
        for container in as_list(pod.get(key)):
            if isinstance(container, dict):
                where = f"{name} {label} {text_of(container.get('name'), '?')}"
                probed = long_running and key == "containers"  # init containers run to completion
                yield from _container_in_pod(where, container, pod_security, mounted, probed)


# The host namespaces a pod may share: (its key, the finding's code, what it shares).
_HOST_NAMESPACES = (
    ("hostNetwork", "host_network", "network"),
    ("hostPID", "host_pid", "PID namespace"),
    ("hostIPC", "host_ipc", "IPC namespace"),
)


def _restart_always(kind: Any, name: str, pod: dict[str, Any]) -> Iterator[Finding]:
    """A Job's or CronJob's pods must end, so the API server refuses restartPolicy: Always."""
    if kind in RUN_TO_COMPLETION_KINDS and text_of(pod.get("restartPolicy")) == "Always":
        yield rule_finding(
            "manifest_rejected",
            name,
            f"its pod template sets restartPolicy: Always, which a {kind}'s pods may not have (only "
            "OnFailure or Never): the API server refuses it",
        )


def _host_paths(name: str, pod: dict[str, Any]) -> Iterator[Finding]:
    """The host directories the pod mounts (hostPath volumes)."""
    for volume in as_list(pod.get("volumes")):
        host = as_mapping(as_mapping(volume).get("hostPath"))
        if host.get("path"):
            yield from host_path_findings(
                f"{name} volume {text_of(volume.get('name'), '?')}", text_of(host["path"])
            )


def _replication(
    obj: dict[str, Any],
    name: str,
    pod: dict[str, Any],
    autoscaled_minimum: int | None,
    mounted: dict[str, str],
) -> Iterator[Finding]:
    """A Deployment's or StatefulSet's replicas: one is an availability gap (its autoscaler's
    minimum counts when there is one), and a clustered datastore needs enough for its quorum."""
    replicas = as_mapping(obj.get("spec")).get("replicas", 1)
    if autoscaled_minimum is not None:
        if autoscaled_minimum < 2:
            yield rule_finding("single_replica", name, "its autoscaler's minReplicas is 1")
    elif replicas == 1:
        yield rule_finding("single_replica", name, "runs 1 replica")
    yield from _quorum(name, pod, replicas)
    yield from clustering_findings(obj, name, pod, autoscaled_minimum or replicas, list(mounted.values()))


def _dhcp_without_host_network(name: str, pod: dict[str, Any]) -> Iterator[Finding]:
    """A DHCP server needs the node's network: the clients' broadcasts do not reach a pod's own."""
    if pod.get("hostNetwork") is not True and any(
        dhcp_server(c.get("image"), command_line(c.get("command"), c.get("args")))
        for c in map(as_mapping, as_list(pod.get("containers")))
    ):
        yield rule_finding(
            "dhcp_without_host_network",
            name,
            "a DHCP server without hostNetwork: true: the clients' DHCPDISCOVER broadcasts never reach the "
            "pod, so no client gets a lease",
        )


def _container_in_pod(
    where: str, container: dict[str, Any], pod_security: dict[str, Any], mounted: dict[str, str], probed: bool
) -> Iterator[Finding]:
    """One container (or init container) of the pod; its probes only where it is expected to have
    them (a long-running workload's main containers)."""
    yield from _container(where, container, pod_security)
    yield from _configured_memory(where, container, mounted)
    yield from _fastcgi_probes(where, container)
    if probed:
        yield from _probes(where, container)


def _selector_matches_template(obj: dict[str, Any], name: str) -> Iterator[Finding]:
    """A controller whose selector does not select its own pod template is refused by the API."""
    spec = as_mapping(obj.get("spec"))
    selector = as_mapping(as_mapping(spec.get("selector")).get("matchLabels"))
    if not selector or obj.get("kind") not in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"):
        return
    labels = {
        text_of(k): text_of(v)
        for k, v in as_mapping(as_mapping(pod_object(obj).get("metadata")).get("labels")).items()
    }
    missing = {text_of(k): text_of(v) for k, v in selector.items() if labels.get(text_of(k)) != text_of(v)}
    if missing:
        shown = ", ".join(f"{k}: {v}" for k, v in missing.items())
        yield rule_finding(
            "manifest_rejected",
            name,
            f"spec.selector.matchLabels ({shown}) is not on the pod template's labels: the API server "
            "refuses it ('selector does not match template labels')",
        )


def _memory_volumes(name: str, pod: dict[str, Any]) -> Iterator[Finding]:
    """tmpfs emptyDirs with no size limit in a pod whose containers have a memory limit."""
    limited = any(
        as_mapping(as_mapping(c.get("resources")).get("limits")).get("memory")
        for c in map(as_mapping, as_list(pod.get("containers")))
    )
    for volume in map(as_mapping, as_list(pod.get("volumes"))):
        empty = volume.get("emptyDir")
        if (
            limited
            and isinstance(empty, dict)
            and empty.get("medium") == "Memory"
            and not empty.get("sizeLimit")
        ):
            yield rule_finding(
                "memory_volume_unbounded",
                f"{name} volume {text_of(volume.get('name'), '?')}",
                "an emptyDir of medium Memory (tmpfs) with no sizeLimit: files written there count against "
                "the container's memory limit, and a large one gets it OOMKilled",
            )


_BOOTSTRAP_EXPECT = re.compile(r"^-{1,2}bootstrap[-_]expect(?:=(\d+))?$")


_SLEEP = re.compile(r"(?:^|[\s;&|])sleep\s+(\d+(?:\.\d+)?)s?\b")


def _prestop(name: str, pod: dict[str, Any]) -> Iterator[Finding]:
    """A preStop hook that sleeps as long as the grace period (30 s unless set), or longer."""
    grace = pod.get("terminationGracePeriodSeconds", 30)
    if not isinstance(grace, int | float):
        return
    for container in map(as_mapping, as_list(pod.get("containers"))):
        hook = as_mapping(as_mapping(container.get("lifecycle")).get("preStop"))
        seconds = as_mapping(hook.get("sleep")).get("seconds")  # the sleep action (Kubernetes 1.29+)
        if not isinstance(seconds, int | float):
            words = " ".join(text_of(w) for w in as_list(as_mapping(hook.get("exec")).get("command")))
            found = _SLEEP.search(words)
            seconds = float(found.group(1)) if found else None
        if seconds is not None and seconds >= grace:
            yield rule_finding(
                "prestop_exceeds_grace",
                f"{name} container {text_of(container.get('name'), '?')}",
                f"its preStop hook sleeps {seconds:g} s and terminationGracePeriodSeconds is {grace:g}: "
                "it is killed before it gets SIGTERM",
            )
        elif (
            timeout := _shutdown_timeout(command_line(container.get("command"), container.get("args")))
        ) and (timeout >= grace):
            yield rule_finding(
                "prestop_exceeds_grace",
                f"{name} container {text_of(container.get('name'), '?')}",
                f"Sidekiq is given {timeout:g} s to finish its jobs on shutdown (-t) but "
                f"terminationGracePeriodSeconds is {grace:g}: SIGKILL cuts the jobs short mid-run",
            )


# The sysctls a kubelet allows without --allowed-unsafe-sysctls (namespaced and safe, Kubernetes 1.29).
_SAFE_SYSCTLS = frozenset({
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
})  # fmt: skip


def _unsafe_sysctls(name: str, pod: dict[str, Any]) -> Iterator[Finding]:
    sysctls = [
        text_of(as_mapping(s).get("name"))
        for s in as_list(as_mapping(pod.get("securityContext")).get("sysctls"))
    ]
    unsafe = [s for s in sysctls if s and s not in _SAFE_SYSCTLS]
    if unsafe:
        yield rule_finding(
            "manifest_rejected",
            name,
            f"the pod sets unsafe sysctls ({', '.join(unsafe)}): kubelets refuse such pods (SysctlForbidden) "
            "unless started with --allowed-unsafe-sysctls, so they never run",
        )


_UTC_ZONES = ("utc", "etc/utc", "gmt", "etc/gmt", "etc/universal", "universal", "zulu", "etc/zulu")


def _dst_gap(obj: dict[str, Any], name: str) -> Iterator[Finding]:
    """A schedule at 02:xx in a zone with daylight saving: the hour is skipped once a year and
    repeated once (Kubernetes' cron in spec.timeZone follows the zone's clock)."""
    spec = as_mapping(obj.get("spec"))
    zone = text_of(spec.get("timeZone")).strip()
    fields = text_of(spec.get("schedule")).split()
    if not zone or zone.lower() in _UTC_ZONES or len(fields) != 5:
        return
    hours = fields[1].split(",")
    if "2" in hours or "02" in hours:
        yield rule_finding(
            "schedule_in_dst_gap",
            name,
            f"schedule {' '.join(fields)} in {zone} runs between 02:00 and 03:00, which daylight saving time "
            "skips on the spring-forward day (no run) and repeats on the fall-back day (two runs)",
        )


def _run_to_completion(kind: Any, name: str, pod: dict[str, Any]) -> Iterator[Finding]:
    """A worker that exits once its queue is empty, run where Kubernetes restarts whatever exits."""
    if kind not in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"):
        return
    for container in map(as_mapping, as_list(pod.get("containers"))):
        words = command_line(container.get("command"), container.get("args"))
        if "rq" in words and "worker" in words and ({"--burst", "-b"} & set(words)):
            yield rule_finding(
                "run_to_completion_in_deployment",
                f"{name} container {text_of(container.get('name'), '?')}",
                "runs rq worker --burst, which exits as soon as the queue is empty: as a long-running "
                f"{kind} it is restarted in CrashLoopBackOff with growing delays, and new jobs wait",
            )


_WINDOWS_IMAGE = re.compile(
    r"windows/(?:servercore|nanoserver|server)|servercore|nanoserver|ltsc20\d\d|-windows", re.I
)


def _windows_image(name: str, pod: dict[str, Any]) -> Iterator[Finding]:
    """A Windows image in a pod that does not ask for Windows nodes."""
    selector = as_mapping(pod.get("nodeSelector"))
    if text_of(selector.get("kubernetes.io/os")).lower() == "windows":
        return
    affinity = text_of(pod.get("affinity")).lower()
    if "windows" in affinity:
        return
    for container in map(as_mapping, as_list(pod.get("containers"))):
        if _WINDOWS_IMAGE.search(text_of(container.get("image"))):
            yield rule_finding(
                "windows_image_without_os_selector",
                f"{name} container {text_of(container.get('name'), '?')}",
                f"image {text_of(container.get('image'))} is a Windows image, but the pod has no "
                "nodeSelector kubernetes.io/os: windows (nor a toleration for the Windows nodes): it lands "
                "on Linux nodes, where it cannot pull or run",
            )
            return


def _shutdown_timeout(words: list[str]) -> float | None:
    """Sidekiq's shutdown timeout (-t/--timeout, 25 s by default) when it is given one."""
    if "sidekiq" not in " ".join(words):
        return None
    for flag, value in zip(words, [*words[1:], ""], strict=True):
        if flag in ("-t", "--timeout") and value.isdigit():
            return float(value)
        if flag.startswith("--timeout=") and flag.partition("=")[2].isdigit():
            return float(flag.partition("=")[2])
    return None


def _dns_policy(name: str, pod: dict[str, Any]) -> Iterator[Finding]:
    """`dnsPolicy: Default` (the node's resolv.conf) in an ordinary pod; the cluster's DNS servers
    themselves (CoreDNS, NodeLocal DNSCache) need it, and are left alone."""
    if text_of(pod.get("dnsPolicy")) != "Default" or pod.get("hostNetwork") is True:
        return  # node agents on the host's network resolve as the node does, on purpose
    images = " ".join(text_of(c.get("image")) for c in as_list(pod.get("containers")) if isinstance(c, dict))
    if re.search(r"coredns|kube-dns|dnsmasq|node-cache|k8s-dns|proportional-autoscaler", images):
        return
    yield rule_finding("node_dns_policy", name, "sets dnsPolicy: Default, so it resolves through the node")


_ISSUER_ANNOTATIONS = ("cert-manager.io/cluster-issuer", "cert-manager.io/issuer")


_ACME_STAGING_NAME = re.compile(
    r"(?:letsencrypt|acme|\ble)[-_.]?staging|staging[-_.]?(?:letsencrypt|acme|le\b)", re.IGNORECASE
)


def _issuer(
    obj: dict[str, Any], name: str, staging: set[str], defined: dict[str, set[str]]
) -> Iterator[Finding]:
    """An Ingress whose certificate cert-manager gets from an ACME staging issuer: one the file
    defines with a staging ACME server, or one named for Let's Encrypt's (or ACME) staging (a
    private CA for a staging environment is another matter); or from an issuer the file almost
    defines (a misspelt name)."""
    annotations = as_mapping(as_mapping(obj.get("metadata")).get("annotations"))
    for key, kind in zip(_ISSUER_ANNOTATIONS, ("ClusterIssuer", "Issuer"), strict=True):
        issuer = text_of(annotations.get(key))
        if issuer and (issuer in staging or _ACME_STAGING_NAME.search(issuer)):
            yield rule_finding(
                "staging_certificate_issuer", name, f"{key}: {issuer} issues untrusted certificates"
            )
        elif issuer and (meant := _misspelt(issuer, defined.get(kind, set()))):
            yield rule_finding(
                "issuer_not_found",
                name,
                f"{key}: {issuer}, but the {kind} this file defines is {meant}: cert-manager finds no "
                f"{kind} {issuer} and never issues the certificate",
            )


def _defined_issuers(objects: list[dict[str, Any]]) -> dict[str, set[str]]:
    """The names of the cert-manager issuers the file defines, by kind."""
    defined: dict[str, set[str]] = {}
    for obj in objects:
        kind = text_of(obj.get("kind"))
        if kind in ("ClusterIssuer", "Issuer") and text_of(obj.get("apiVersion")).startswith(
            "cert-manager.io/"
        ):
            defined.setdefault(kind, set()).add(text_of(as_mapping(obj.get("metadata")).get("name")))
    return defined


def _misspelt(name: str, defined: set[str]) -> str | None:
    """The defined name `name` almost is (one a prefix of the other, or nearly the same letters);
    a name unlike every defined one may well be an issuer installed elsewhere."""
    if name in defined:
        return None
    for candidate in sorted(defined):
        if candidate and (
            candidate.startswith(name) or name.startswith(candidate)
            or difflib.SequenceMatcher(None, name, candidate).ratio() >= 0.85
        ):  # fmt: skip
            return candidate
    return None


# Services that receive large uploads by design: container registries, package and artifact stores.
_RECEIVES_ARTIFACTS = re.compile(
    r"harbor|registry|nexus|artifactory|quay|\bzot\b|verdaccio|gitlab|pulp", re.IGNORECASE
)
_BODY_SIZE_KEYS = ("nginx.ingress.kubernetes.io/proxy-body-size", "ingress.kubernetes.io/proxy-body-size")


def _upload_limit(obj: dict[str, Any], name: str) -> Iterator[Finding]:
    """An Ingress in front of a registry or an artifact store (by its name, hosts or backends)
    whose proxy-body-size refuses anything over a few megabytes: pushes of image layers and
    packages fail with 413."""
    metadata = as_mapping(obj.get("metadata"))
    annotations = as_mapping(metadata.get("annotations"))
    limit = next((text_of(annotations[k]) for k in _BODY_SIZE_KEYS if k in annotations), "")
    size = memory_bytes(limit)
    if not size or size >= 64 * 2**20:  # 0 is no limit
        return
    spec = as_mapping(obj.get("spec"))
    backends = [
        text_of(as_mapping(as_mapping(as_mapping(path).get("backend")).get("service")).get("name"))
        for rule in map(as_mapping, as_list(spec.get("rules")))
        for path in as_list(as_mapping(rule.get("http")).get("paths"))
    ]
    hosts = [text_of(as_mapping(rule).get("host")) for rule in as_list(spec.get("rules"))]
    if _RECEIVES_ARTIFACTS.search(" ".join([text_of(metadata.get("name")), *hosts, *backends])):
        yield rule_finding(
            "body_size_limit_too_small",
            name,
            f"proxy-body-size {limit} in front of a registry or artifact store: every image layer or "
            'package over it is refused with 413 (pushes fail); set proxy-body-size: "0" on this Ingress',
        )


def _acme_staging_issuers(objects: list[dict[str, Any]]) -> set[str]:
    """Issuers and ClusterIssuers in the file whose ACME server is a staging one."""
    return {
        text_of(as_mapping(o.get("metadata")).get("name"))
        for o in objects
        if text_of(o.get("kind")) in ("Issuer", "ClusterIssuer")
        and "staging" in text_of(as_mapping(as_mapping(o.get("spec")).get("acme")).get("server")).lower()
    }


def _quorum(name: str, pod: dict[str, Any], replicas: Any) -> Iterator[Finding]:
    """Consul and Nomad servers wait for `-bootstrap-expect` servers before electing a leader."""
    if not isinstance(replicas, int):
        return
    for container in map(as_mapping, as_list(pod.get("containers"))):
        words = command_line(container.get("command"), container.get("args"))
        for index, word in enumerate(words):
            match = _BOOTSTRAP_EXPECT.match(word)
            value = match and (match[1] or (words[index + 1] if index + 1 < len(words) else ""))
            if value and value.isdigit() and int(value) > replicas:
                yield rule_finding(
                    "quorum_unreachable",
                    name,
                    f"runs {replicas} replica(s) but -bootstrap-expect={value}: the servers wait for {value} "
                    "and never elect a leader",
                )


def _container(where: str, container: dict[str, Any], pod_security: dict[str, Any]) -> Iterator[Finding]:
    security = as_mapping(container.get("securityContext"))
    if security.get("privileged") is True:
        yield rule_finding("privileged_container", where, "runs privileged")
    capabilities = as_mapping(security.get("capabilities"))
    effective = {**pod_security, **security}
    non_root = effective.get("runAsNonRoot") is True or effective.get("runAsUser") not in (None, 0)
    unprivileged = non_root and security.get("allowPrivilegeEscalation") is False
    yield from capability_findings(
        where, capabilities.get("add"), capabilities.get("drop"), "capabilities.drop: [ALL]", unprivileged
    )
    if security.get("allowPrivilegeEscalation") is True:
        yield rule_finding("privilege_escalation", where, "allows privilege escalation")
    yield from _unconfined(where, security)
    yield from _root(where, {**pod_security, **security})
    if security.get("readOnlyRootFilesystem") is not True and not unprivileged:  # see capability_findings
        yield rule_finding("writable_root_filesystem", where, "readOnlyRootFilesystem is not true")
    yield from image_findings(where, container.get("image"))
    resources = as_mapping(container.get("resources"))
    limits, requests = as_mapping(resources.get("limits")), as_mapping(resources.get("requests"))
    # A CPU request already shares the CPU fairly under contention; many teams leave the CPU
    # limit off on purpose (it throttles), so only memory, which cannot be shared back, needs one.
    missing = [r for r in ("cpu", "memory") if not limits.get(r) and not (r == "cpu" and requests.get("cpu"))]
    if missing:
        yield rule_finding("missing_resource_limits", where, f"no {' or '.join(missing)} limit")
    env = env_pairs(container.get("env"))
    given = command_words(container.get("command")) + command_words(container.get("args"))
    words = command_line(container.get("command"), container.get("args"))
    yield from scan_env(where, env)
    yield from open_door_findings(where, env, given)
    yield from settings_findings(where, env, words)
    yield from image_auth_findings(where, container.get("image"), env, words)
    yield from requests_over_limits(where, requests, limits, "the API server")
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        command = as_mapping(as_mapping(container.get(probe)).get("exec")).get("command")
        yield from one_word_command(where, probe, command)
    yield from heap_findings(where, [text_of(v) for _, v in env] + given, limits.get("memory"))
    yield from scan_command(where, "command line", given)
    lifecycle = as_mapping(container.get("lifecycle"))
    for label, hook in (
        *(
            (probe, as_mapping(container.get(probe)))
            for probe in ("readinessProbe", "livenessProbe", "startupProbe")
        ),
        *((f"{hook} hook", as_mapping(lifecycle.get(hook))) for hook in ("postStart", "preStop")),
    ):
        yield from scan_command(where, label, command_words(as_mapping(hook.get("exec")).get("command")))
    for port in map(as_mapping, as_list(container.get("ports"))):
        if port.get("hostPort") and text_of(port.get("hostIP")) in ALL_INTERFACES:
            numbers = {*port_range(port.get("containerPort")), *port_range(port.get("hostPort"))}
            exposure = f"is published on every node interface (hostPort {text_of(port.get('hostPort'))})"
            if finding := database_port_finding(where, numbers, exposure):
                yield finding


_LIMIT_MIB = re.compile(r"^\s*limit_mib:\s*(\d+)", re.MULTILINE)


def _configured_memory(where: str, container: dict[str, Any], mounted: dict[str, str]) -> Iterator[Finding]:
    """The OpenTelemetry Collector's memory_limiter set at or above the container's memory limit,
    in the configuration the container mounts: the cgroup kills it before the limiter refuses data."""
    limit = as_mapping(as_mapping(container.get("resources")).get("limits")).get("memory")
    limit_bytes = memory_bytes(limit)
    if limit_bytes is None:
        return
    mounts = {text_of(m.get("name")) for m in map(as_mapping, as_list(container.get("volumeMounts")))}
    for volume, text in mounted.items():
        if volume in mounts and "memory_limiter" in text and (match := _LIMIT_MIB.search(text)):
            if int(match[1]) * 2**20 >= limit_bytes:
                yield rule_finding(
                    "heap_over_memory_limit",
                    where,
                    f"the memory_limiter's limit_mib {match[1]} is at or above the memory limit "
                    f"{text_of(limit)}, so the kernel OOM-kills the collector before the limiter refuses "
                    "data",
                )
                return


def _scratch_volumes(pod: dict[str, Any]) -> set[str]:
    """The names of the pod's emptyDir volumes."""
    return {text_of(v.get("name")) for v in map(as_mapping, as_list(pod.get("volumes"))) if "emptyDir" in v}


# A store's journal or ledgers (BookKeeper's), or its write-ahead log, whatever the image: the data
# itself, not a cache.
_LOG_DIRECTORIES = frozenset({"journal", "ledgers", "wal", "pg_wal"})


def _data_on_scratch(name: str, pod: dict[str, Any], cache_volumes: set[str]) -> Iterator[Finding]:
    """A datastore container whose data directory (or any container whose journal, ledgers or
    write-ahead log) is mounted from an emptyDir volume (not a cache: a Redis configured to evict
    keys, whose data is disposable by design)."""
    scratch = _scratch_volumes(pod)
    for container in map(as_mapping, as_list(pod.get("containers"))):
        mounts = {text_of(m.get("name")) for m in map(as_mapping, as_list(container.get("volumeMounts")))}
        words = " ".join(command_line(container.get("command"), container.get("args")))
        if mounts & cache_volumes or evicts_keys(words):
            continue
        store = keeps_data(container.get("image"))
        for mount in map(as_mapping, as_list(container.get("volumeMounts"))):
            path = text_of(mount.get("mountPath"))
            if text_of(mount.get("name")) in scratch and (
                (store and ("/var/lib/" in path or path.rstrip("/").endswith("data")))
                or path.rstrip("/").rsplit("/", 1)[-1] in _LOG_DIRECTORIES
            ):
                where = f"{name} container {text_of(container.get('name'), '?')}"
                what = f"keeps its data at {path} on an emptyDir volume, deleted with the pod"
                yield rule_finding("data_on_ephemeral_storage", where, what)
                return


# Where a datastore is told to keep its data: etcd's --data-dir, mysqld's --datadir, mongod's --dbpath.
_DATA_FLAGS = ("data-dir", "datadir", "dbpath", "data_dir", "fs_data_dirs")


def _data_off_volume(name: str, pod: dict[str, Any]) -> Iterator[Finding]:
    """A datastore told to keep its data at a path no volume is mounted on (nor under): the data
    lives in the container's writable layer and is gone at every restart; or, for an image the
    datastore checks do not know, on an emptyDir."""
    scratch = _scratch_volumes(pod)
    for container in map(as_mapping, as_list(pod.get("containers"))):
        words = command_line(container.get("command"), container.get("args"))
        path = next(
            (
                value or (words[i + 1] if i + 1 < len(words) else "")
                for i, w in enumerate(words)
                if w.startswith("--") and (split := w[2:].partition("="))[0] in _DATA_FLAGS
                for value in (split[2],)
            ),
            "",
        )
        path, source = path.split(",")[0], "its data-dir flag"  # YugabyteDB's --fs_data_dirs lists several
        if not path and (named := data_path_variable(env_pairs(container.get("env")))):
            path, source = named[1], f"its {named[0]}"
        if not path.startswith("/"):
            continue
        mounts = list(map(as_mapping, as_list(container.get("volumeMounts"))))
        if not mounts:
            continue
        on = next((m for m in mounts if _under(path, text_of(m.get("mountPath")).rstrip("/"))), None)
        where = f"{name} container {text_of(container.get('name'), '?')}"
        if on is None:
            shown = ", ".join(text_of(m.get("mountPath")).rstrip("/") for m in mounts)
            yield rule_finding(
                "data_on_ephemeral_storage",
                where,
                f"keeps its data at {path} ({source}), on no volume (mounted: {shown}): "
                "the data lives in the container and is lost at every restart",
            )
            return
        if text_of(on.get("name")) in scratch and not keeps_data(container.get("image")):
            yield rule_finding(
                "data_on_ephemeral_storage",
                where,
                f"keeps its data at {path} ({source}) on an emptyDir volume, deleted with the pod",
            )
            return


def _under(path: str, mount: str) -> bool:
    return bool(mount) and (path == mount or path.startswith(mount + "/"))


def _injected_agent(name: str, obj: dict[str, Any]) -> Iterator[Finding]:
    """Pod-template annotations that configure an injected sidecar (Vault Agent) to skip TLS
    verification of its server."""
    template = as_mapping(as_mapping(obj.get("spec")).get("template"))
    annotations = as_mapping(as_mapping(template.get("metadata") or obj.get("metadata")).get("annotations"))
    for key, value in annotations.items():
        if text_of(key).endswith("/tls-skip-verify") and text_of(value).strip().lower() == "true":
            yield rule_finding(
                "tls_verification_disabled",
                name,
                f"{key}: true: the injected agent does not verify its server's certificate, so whoever sits "
                "on the path can pose as the server and hand out (or read) the secrets; give it the CA "
                "(tls-secret / ca-cert) instead",
            )
            return


def _uploads_on_scratch(name: str, pod: dict[str, Any], replicas: Any) -> Iterator[Finding]:
    """An application's own state (Odoo's filestore) or its users' uploads (Drupal's
    sites/default/files) on an emptyDir volume: gone with the pod, and one copy per replica."""
    scratch = _scratch_volumes(pod)
    for container in map(as_mapping, as_list(pod.get("containers"))):
        directories, state = app_data(container.get("image")) or ((), "")
        for mount in map(as_mapping, as_list(container.get("volumeMounts"))):
            path = text_of(mount.get("mountPath")).rstrip("/")
            if text_of(mount.get("name")) not in scratch:
                continue
            if path in directories:
                what = f"keeps {state} at {path} on an emptyDir volume, deleted with the pod"
            elif UPLOADS.search(path):
                what = f"keeps uploaded files at {path} on an emptyDir volume, deleted with the pod"
            else:
                continue
            if isinstance(replicas, int) and replicas > 1:
                what += (
                    f"; each of the {replicas} replicas has its own, so a file saved through one pod is "
                    "missing on the others (use a ReadWriteMany PersistentVolumeClaim or object storage)"
                )
            where = f"{name} container {text_of(container.get('name'), '?')}"
            yield rule_finding("data_on_ephemeral_storage", where, what)
            return


def _gpu_taint(name: str, pod: dict[str, Any]) -> Iterator[Finding]:
    """A pod pinned to GPU nodes (a nodeSelector or required node affinity on an nvidia.com/gpu
    label) with no toleration for the nvidia.com/gpu taint such nodes carry."""
    keys = [text_of(k) for k in as_mapping(pod.get("nodeSelector"))]
    required = as_mapping(as_mapping(as_mapping(pod.get("affinity")).get("nodeAffinity")).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    ))  # fmt: skip
    for term in map(as_mapping, as_list(required.get("nodeSelectorTerms"))):
        keys += [text_of(as_mapping(e).get("key")) for e in as_list(term.get("matchExpressions"))]
    gpu = next((k for k in keys if k.startswith("nvidia.com/gpu")), None)
    tolerations = list(map(as_mapping, as_list(pod.get("tolerations"))))
    tolerated = any(
        text_of(t.get("key")).startswith("nvidia.com/gpu")
        or (not t.get("key") and t.get("operator") == "Exists")
        for t in tolerations
    )
    if gpu and not tolerated:
        yield rule_finding(
            "taint_not_tolerated",
            name,
            f"selects GPU nodes ({gpu}) but tolerates no nvidia.com/gpu taint: on GPU nodes tainted "
            "nvidia.com/gpu:NoSchedule its pods are never scheduled",
        )


def _root(where: str, security: dict[str, Any]) -> Iterator[Finding]:
    user = security.get("runAsUser")
    if user == 0:
        yield rule_finding("runs_as_root", where, "runs as user 0 (root)")
    elif user is None and security.get("runAsNonRoot") is not True:
        yield rule_finding(
            "runs_as_root", where, "neither runAsNonRoot nor runAsUser is set, so it may run as root"
        )


# Readiness endpoints by their usual paths: Prometheus' /-/ready, /readyz, Spring's and Quarkus'.
_READINESS_PATH = re.compile(r"(?:^|/)(?:-/)?(?:ready|readyz|readiness)/?$|/health/ready(?:iness)?/?$")


# A probe that checks what the process depends on: `healthcheck --database`, /health/db, /deps.
_DEPENDENCY_CHECK = re.compile(
    r"(?:^|\s)--(?:database|db|dependencies|deep)\b|/(?:db|database|dependencies|deps)/?$|/health/(?:deep|full)\b"
)


def _probes(where: str, container: dict[str, Any]) -> Iterator[Finding]:
    missing = [p for p in ("readinessProbe", "livenessProbe") if not container.get(p)]
    if missing:
        yield rule_finding("missing_health_check", where, f"no {' or '.join(missing)}")
    yield from _probe_ports(where, container)
    liveness = as_mapping(container.get("livenessProbe"))
    path = text_of(as_mapping(liveness.get("httpGet")).get("path"))
    checked = " ".join(command_words(as_mapping(liveness.get("exec")).get("command"))) or path
    if dependency := _DEPENDENCY_CHECK.search(checked):  # only the matched words: a command may hold a secret
        yield rule_finding(
            "fragile_liveness_probe",
            where,
            f"its livenessProbe checks a dependency ({dependency[0].strip()}): when the database blips, "
            "every replica fails liveness at once and Kubernetes restarts them all; check dependencies "
            "in the readinessProbe and keep liveness to the process itself",
        )
    elif _READINESS_PATH.search(path):
        yield rule_finding(
            "fragile_liveness_probe",
            where,
            f"its livenessProbe checks {path}, a readiness endpoint: it fails while the process is alive "
            "but not ready (starting, replaying its log, a dependency down), so Kubernetes restarts it "
            "instead of waiting; point liveness at the liveness endpoint (/-/healthy, /livez, /health/live)",
        )
    elif liveness and liveness.get("failureThreshold") in (1, "1"):
        what = "its livenessProbe has failureThreshold 1, so one slow or failed check restarts it"
        delay = liveness.get("initialDelaySeconds")
        if not container.get("startupProbe") and not (isinstance(delay, int) and delay >= 30):
            what += ", and without a startupProbe a slow start is killed too"
        yield rule_finding("fragile_liveness_probe", where, what)
    elif liveness and not container.get("startupProbe"):
        # Kubernetes' defaults: no delay, every 10 s, three failures.
        delay, period, failures = (
            _seconds(liveness.get("initialDelaySeconds"), 0),
            _seconds(liveness.get("periodSeconds"), 10),
            _seconds(liveness.get("failureThreshold"), 3),
        )
        budget = delay + period * failures
        slow = _slow_starter(container)
        if budget < (SLOW_JVM_START_SECONDS if slow else SLOW_START_SECONDS):
            what = (
                f"its livenessProbe restarts it if it is not answering {budget:g} s after start "
                f"(initialDelaySeconds {delay:g} + {failures:g} x {period:g} s) and there is no "
                "startupProbe: a slow start becomes a restart loop (CrashLoopBackOff)"
            )
            if slow:
                what += f"; a {slow} often takes a minute or more to start"
            yield rule_finding("fragile_liveness_probe", where, what)


_PROBES = ("readinessProbe", "livenessProbe", "startupProbe")


def _probe_port(probe: dict[str, Any]) -> Any:
    ports = (as_mapping(probe.get(handler)).get("port") for handler in ("httpGet", "tcpSocket", "grpc"))
    return next((port for port in ports if port is not None), None)


def _fastcgi_probes(where: str, container: dict[str, Any]) -> Iterator[Finding]:
    """An HTTP probe on php-fpm's FastCGI port: php-fpm does not speak HTTP, so it never passes."""
    if "fpm" not in text_of(container.get("image")).lower():
        return
    for probe in _PROBES:
        http = as_mapping(as_mapping(container.get(probe)).get("httpGet"))
        if http and text_of(http.get("port")) in ("9000", "fastcgi", "fpm"):
            yield rule_finding(
                "broken_health_check",
                where,
                f"its {probe} is an httpGet on port {text_of(http.get('port'))}, php-fpm's FastCGI port: "
                "php-fpm does not speak HTTP, so the probe always fails (probe through nginx's /fpm-ping, "
                "a tcpSocket, or cgi-fcgi in an exec probe)",
            )
            return


def _probe_ports(where: str, container: dict[str, Any]) -> Iterator[Finding]:
    """A probe on a port the container does not listen on. Declaring ports is optional, so this is
    judged only where the container shows which port it listens on: a declared port that another
    of its probes (or its PORT setting) uses, while this probe asks a port it never declared."""
    numbers, names = declared_ports([container])
    if not numbers:
        return
    ports = {probe: _probe_port(as_mapping(container.get(probe))) for probe in _PROBES}
    settings = {
        int(text_of(v))
        for k, v in env_pairs(container.get("env"))
        if k.upper().endswith("PORT") and text_of(v).isdigit()
    }
    confirmed = {p for p in ports.values() if p in numbers or p in names} | (settings & numbers)
    if not confirmed:
        return
    for probe, port in ports.items():
        numeric = int(port) if isinstance(port, str) and port.isdigit() else port
        if isinstance(numeric, int) and numeric not in numbers:
            listening = ", ".join(str(n) for n in sorted(numbers))
            yield rule_finding(
                "probe_port_mismatch",
                where,
                f"its {probe} checks port {numeric}, but it listens on {listening}: the probe can never pass",
            )
        elif isinstance(port, str) and not port.isdigit() and port not in names:
            yield rule_finding(
                "probe_port_mismatch",
                where,
                f"its {probe} checks the port named {port!r}, which it does not declare",
            )


SLOW_START_SECONDS = 20  # below this, even a small service with a cold cache is killed before it answers
SLOW_JVM_START_SECONDS = 60  # a JVM app (Spring, migrations on start) needs about this much
_JVM_ENV = ("JAVA_TOOL_OPTIONS", "JAVA_OPTS", "JDK_JAVA_OPTIONS", "CATALINA_OPTS", "ES_JAVA_OPTS", "KC_")
_JVM_IMAGES = (
    "java",
    "jdk",
    "jre",
    "spring",
    "tomcat",
    "jboss",
    "wildfly",
    "keycloak",
    "elasticsearch",
    "kafka",
)


_RAILS_IMAGES = ("openproject", "gitlab", "discourse", "mastodon", "redmine", "zammad", "chatwoot")


def _slow_starter(container: dict[str, Any]) -> str | None:
    """What makes a container a slow starter: a JVM (its options in the environment or an image
    of a JVM runtime or server), Spring Boot (its settings or its actuator health path), or a
    Rails application."""
    names = [name for name, _ in env_pairs(container.get("env"))]
    probe_path = text_of(as_mapping(as_mapping(container.get("livenessProbe")).get("httpGet")).get("path"))
    if any(n.startswith("SPRING_") for n in names) or probe_path.startswith("/actuator"):
        return "Spring Boot app"
    image = text_of(container.get("image")).lower().rsplit("/", 1)[-1]
    if any(n.startswith(_JVM_ENV) for n in names) or any(word in image for word in _JVM_IMAGES):
        return "JVM app"
    if "RAILS_ENV" in names or any(word in image for word in _RAILS_IMAGES):
        return "Rails app"  # boots the whole application (and often migrates) before it answers
    return None


def _rollout(obj: dict[str, Any], name: str) -> Iterator[Finding]:
    """A RollingUpdate that may take every pod down at once (maxUnavailable of all replicas and no
    surge): each deploy is an outage, the longer without a readiness probe."""
    spec = as_mapping(obj.get("spec"))
    strategy = as_mapping(spec.get("strategy"))
    if text_of(strategy.get("type"), "RollingUpdate") != "RollingUpdate":
        return
    rolling = as_mapping(strategy.get("rollingUpdate"))
    replicas = spec.get("replicas", 1)
    unavailable, surge = rolling.get("maxUnavailable"), rolling.get("maxSurge")
    everything = unavailable == "100%" or (
        isinstance(unavailable, int)
        and isinstance(replicas, int)
        and replicas > 1
        and unavailable >= replicas
    )
    if everything and surge in (0, "0", "0%"):
        yield rule_finding(
            "rollout_downtime",
            name,
            f"its rolling update allows maxUnavailable {unavailable} with maxSurge {surge}: every pod is "
            "stopped before new ones are ready, so each deploy is an outage",
        )


def _overlap(obj: dict[str, Any], name: str) -> Iterator[Finding]:
    policy = as_mapping(obj.get("spec")).get("concurrencyPolicy")
    if text_of(policy, "Allow") == "Allow":
        said = "concurrencyPolicy is Allow" if policy else "no concurrencyPolicy (Allow)"
        yield rule_finding(
            "cronjob_overlap",
            name,
            f"{said}: a run that outlasts the schedule's interval overlaps the next one, "
            "which repeats its work",
        )


def _seconds(value: Any, default: float) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else default


def _service(obj: dict[str, Any], name: str) -> Iterator[Finding]:
    spec = as_mapping(obj.get("spec"))
    service_type = spec.get("type", "ClusterIP")
    if service_type not in ("NodePort", "LoadBalancer"):
        return
    for port in map(as_mapping, as_list(spec.get("ports"))):
        numbers = {p for p in (port.get("port"), port.get("targetPort")) if isinstance(p, int)}
        exposure = f"is exposed outside the cluster ({service_type})"
        if finding := database_port_finding(name, numbers, exposure):
            yield finding
