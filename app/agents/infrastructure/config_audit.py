"""Read-only audit of docker-compose and Kubernetes YAML for risky settings. Secret values are
never echoed: findings name the variable and say the value was redacted."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import yaml

from app.agents.base import Finding, Severity

MAX_CONFIG_BYTES = 256 * 1024
_SECRET_NAME = re.compile(
    r"(password|passwd|secret|token|api[_-]?key|private[_-]?key|credential|access[_-]?key)", re.I
)
_REFERENCE = re.compile(r"^\$\{?[A-Za-z_][A-Za-z0-9_]*(:?[-?][^}]*)?\}?$")
_SENSITIVE_HOST_PATHS = (
    "/",
    "/etc",
    "/root",
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/proc",
    "/sys",
    "/dev",
)
_WORKLOAD_KINDS = {"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"}


class ConfigProblem(ValueError):
    pass


def audit_config(text: str) -> tuple[str, list[Finding]]:
    """Return the kind of document (compose, kubernetes) and its findings."""
    if len(text.encode()) > MAX_CONFIG_BYTES:
        raise ConfigProblem(f"the configuration is larger than {MAX_CONFIG_BYTES} bytes")
    try:
        documents = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        raise ConfigProblem(f"not valid YAML: {str(exc)[:200]}") from None
    if not documents or not all(isinstance(d, dict) for d in documents):
        raise ConfigProblem("expected a docker-compose file or Kubernetes manifests (YAML mappings)")
    if any("apiVersion" in d and "kind" in d for d in documents):
        return "kubernetes", [f for d in documents for f in _kubernetes(d)]
    if "services" in documents[0]:
        return "compose", _compose(documents[0])
    raise ConfigProblem("neither a docker-compose file (no `services`) nor Kubernetes manifests (no `kind`)")


def _finding(severity: Severity, code: str, message: str) -> Finding:
    return Finding(severity=severity, code=code, message=message)


def _image(where: str, image: Any) -> Iterator[Finding]:
    if not isinstance(image, str) or not image:
        return
    name = image.split("@", 1)[0]
    tag = name.rsplit(":", 1)[1] if ":" in name.rsplit("/", 1)[-1] else None
    if "@sha256:" in image:
        return
    if tag is None:
        yield _finding(
            Severity.WARNING, "image_untagged", f"{where}: image {image} has no tag (means latest)."
        )
    elif tag == "latest":
        yield _finding(Severity.WARNING, "image_latest_tag", f"{where}: image {image} uses the latest tag.")


def _secret_env(where: str, env: Any) -> Iterator[Finding]:
    pairs: list[tuple[str, Any]] = []
    if isinstance(env, dict):
        pairs = list(env.items())
    elif isinstance(env, list):
        for item in env:
            if isinstance(item, str) and "=" in item:
                key, _, value = item.partition("=")
                pairs.append((key, value))
            elif isinstance(item, dict) and "name" in item:
                pairs.append((str(item["name"]), item.get("value")))
    for key, value in pairs:
        if (
            _SECRET_NAME.search(str(key))
            and isinstance(value, str | int)
            and value != ""
            and not _REFERENCE.match(str(value))
        ):
            yield _finding(
                Severity.CRITICAL,
                "plaintext_secret",
                f"{where}: environment variable {key} holds a literal secret (value redacted); "
                "use a secret store or a reference.",
            )


def _host_path(where: str, path: str) -> Iterator[Finding]:
    normalised = "/" + path.strip("/") if path.strip("/") else "/"
    if normalised in ("/var/run/docker.sock", "/run/docker.sock"):
        yield _finding(
            Severity.CRITICAL, "docker_socket_mount", f"{where}: mounts the Docker socket (root on the host)."
        )
    elif normalised in _SENSITIVE_HOST_PATHS:
        yield _finding(Severity.CRITICAL, "host_path_mount", f"{where}: mounts the host's {normalised}.")
    else:
        yield _finding(Severity.WARNING, "host_path_mount", f"{where}: mounts host path {normalised}.")


def _compose(document: dict[str, Any]) -> list[Finding]:
    findings: list[Finding] = []
    services = document.get("services") or {}
    for name, service in services.items() if isinstance(services, dict) else []:
        if not isinstance(service, dict):
            continue
        where = f"service {name}"
        if service.get("privileged") is True:
            findings.append(_finding(Severity.CRITICAL, "privileged_container", f"{where}: runs privileged."))
        if service.get("network_mode") == "host":
            findings.append(_finding(Severity.WARNING, "host_network", f"{where}: uses the host's network."))
        if service.get("pid") == "host":
            findings.append(
                _finding(Severity.CRITICAL, "host_pid", f"{where}: shares the host's PID namespace.")
            )
        findings.extend(_image(where, service.get("image")))
        limits = ((service.get("deploy") or {}).get("resources") or {}).get("limits")
        if not limits and not any(k in service for k in ("mem_limit", "cpus", "memory")):
            findings.append(
                _finding(Severity.WARNING, "missing_resource_limits", f"{where}: no CPU or memory limit.")
            )
        user = str(service.get("user", "")).split(":", 1)[0]
        if user in ("root", "0"):
            findings.append(_finding(Severity.WARNING, "runs_as_root", f"{where}: runs as root."))
        for volume in service.get("volumes") or []:
            source = _bind_source(volume)
            if source:
                findings.extend(_host_path(where, source))
        findings.extend(_secret_env(where, service.get("environment")))
    return findings


def _bind_source(volume: Any) -> str | None:
    """The host path of a bind mount (short or long syntax); named volumes are not host paths."""
    if isinstance(volume, str):
        source = volume.split(":", 1)[0]
        return source if source.startswith("/") else None
    if (
        isinstance(volume, dict)
        and volume.get("type") == "bind"
        and str(volume.get("source", "")).startswith("/")
    ):
        return str(volume["source"])
    return None


def _pod_spec(document: dict[str, Any]) -> dict[str, Any] | None:
    spec = document.get("spec") or {}
    kind = document.get("kind")
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        return (((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}).get("spec")
    return (spec.get("template") or {}).get("spec")


def _kubernetes(document: dict[str, Any]) -> list[Finding]:
    if document.get("kind") not in _WORKLOAD_KINDS:
        return []
    pod = _pod_spec(document) or {}
    name = f"{document.get('kind')} {(document.get('metadata') or {}).get('name', '?')}"
    findings: list[Finding] = []
    for key, code, label in (
        ("hostNetwork", "host_network", "network"),
        ("hostPID", "host_pid", "PID namespace"),
        ("hostIPC", "host_ipc", "IPC namespace"),
    ):
        if pod.get(key) is True:
            findings.append(_finding(Severity.CRITICAL, code, f"{name}: shares the host's {label}."))
    pod_security = pod.get("securityContext") or {}
    for volume in pod.get("volumes") or []:
        host = (volume or {}).get("hostPath")
        if isinstance(host, dict) and host.get("path"):
            findings.extend(_host_path(name, str(host["path"])))
    for container in (pod.get("containers") or []) + (pod.get("initContainers") or []):
        if not isinstance(container, dict):
            continue
        where = f"{name} container {container.get('name', '?')}"
        security = {**pod_security, **(container.get("securityContext") or {})}
        if security.get("privileged") is True:
            findings.append(_finding(Severity.CRITICAL, "privileged_container", f"{where}: runs privileged."))
        if security.get("allowPrivilegeEscalation") is True:
            findings.append(
                _finding(Severity.WARNING, "privilege_escalation", f"{where}: allows privilege escalation.")
            )
        if security.get("runAsUser") == 0:
            findings.append(_finding(Severity.CRITICAL, "runs_as_root", f"{where}: runs as user 0 (root)."))
        elif not security.get("runAsNonRoot") and "runAsUser" not in security:
            findings.append(
                _finding(
                    Severity.WARNING,
                    "runs_as_root",
                    f"{where}: runAsNonRoot is not set, so it may run as root.",
                )
            )
        findings.extend(_image(where, container.get("image")))
        limits = (container.get("resources") or {}).get("limits") or {}
        if not limits.get("memory") or not limits.get("cpu"):
            missing = [r for r in ("cpu", "memory") if not limits.get(r)]
            findings.append(
                _finding(
                    Severity.WARNING, "missing_resource_limits", f"{where}: no {' or '.join(missing)} limit."
                )
            )
        findings.extend(_secret_env(where, container.get("env")))
    return findings
