"""Whatever shape a field has (a string where a list belongs, a list where a mapping belongs), the
audit reports what it can read and never fails with anything but a clean 422-style problem."""

from __future__ import annotations

import time
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.agents.infrastructure.config_audit import audit_config
from tests.agents.test_infrastructure import compose, compose_service, k8s_container, k8s_workload, manifest

pytestmark = pytest.mark.database_free  # left out of the PostgreSQL pass: tests/conftest.py

JUNK = st.recursive(
    st.none() | st.booleans() | st.integers(-1, 70000) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
COMPOSE_KEYS = ["privileged", "cap_add", "cap_drop", "security_opt", "network_mode", "pid", "ipc", "volumes",
                "user", "read_only", "environment", "ports", "image", "deploy", "mem_limit", "healthcheck", "restart",
                "command", "entrypoint", "ulimits"]  # fmt: skip
CONTAINER_KEYS = ["securityContext", "image", "resources", "env", "ports", "readinessProbe", "name", "command", "args",
                  "livenessProbe", "startupProbe"]  # fmt: skip
POD_KEYS = ["hostNetwork", "volumes", "securityContext", "initContainers", "containers", "restartPolicy"]


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.sampled_from(COMPOSE_KEYS), value=JUNK)
def test_any_shape_of_a_compose_field_is_survived(key: str, value: Any) -> None:
    kind, findings = audit_config(compose(web=compose_service(**{key: value})))
    assert kind == "compose" and all(f.message.startswith("service web: ") for f in findings)


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    key=st.sampled_from(CONTAINER_KEYS + POD_KEYS),
    value=JUNK,
    kind=st.sampled_from(["Deployment", "CronJob"]),
)
def test_any_shape_of_a_kubernetes_field_is_survived(key: str, value: Any, kind: str) -> None:
    if key in CONTAINER_KEYS:
        document = k8s_workload(kind, "api", [k8s_container(**{key: value})])
    else:
        document = k8s_workload(kind, "api", **{key: value})
    found_kind, findings = audit_config(manifest(document))
    assert found_kind == "kubernetes" and all(f.message.startswith(f"{kind} api") for f in findings)


@settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(labels=JUNK, selector=JUNK, replicas=JUNK, configs=JUNK)
@example(labels=None, selector={"app": "api"}, replicas=3, configs=None)
def test_any_shape_of_selectors_labels_replicas_and_embedded_configs_is_survived(
    labels: Any, selector: Any, replicas: Any, configs: Any
) -> None:
    document = k8s_workload("StatefulSet", "api", replicas=3)
    document["spec"]["template"]["metadata"] = {"labels": labels}
    document["spec"]["selector"] = {"matchLabels": selector}
    document["spec"]["replicas"] = replicas
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": configs}
    assert audit_config(manifest(document, config_map))[0] == "kubernetes"
    with_configs = {"services": {"web": compose_service()}, "configs": {"c": {"content": configs}}}
    assert audit_config(yaml.safe_dump(with_configs))[0] == "compose"


# Seven levels of ten aliases each: ten million items if anything stringified a field (about 15 s
# here); read scalar by scalar, the audit takes milliseconds.
BOMB = "\n".join(
    ["x-bomb:", "  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 7)]
)


def test_aliases_that_expand_to_millions_of_items_are_not_expanded() -> None:
    started = time.perf_counter()
    services = f"""{BOMB}
services:
  web:
    image: *a6
    user: *a6
    cap_add: [*a6]
    security_opt: [*a6]
    ports: [*a6, {{target: *a6, published: *a6, host_ip: *a6}}]
    volumes: [*a6, {{type: bind, source: *a6}}]
    environment: [{{name: *a6}}, *a6]
    healthcheck: {{test: *a6}}
"""
    assert audit_config(services)[0] == "compose"
    pod = f"""{BOMB}
apiVersion: apps/v1
kind: Deployment
metadata: {{name: *a6}}
spec:
  template:
    spec:
      volumes: [{{name: *a6, hostPath: {{path: *a6}}}}]
      containers:
        - name: *a6
          image: *a6
          ports: [{{hostPort: *a6, hostIP: *a6, containerPort: *a6}}]
          env: [{{name: *a6, value: *a6}}]
          securityContext: {{capabilities: {{add: [*a6], drop: *a6}}}}
---
{BOMB}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: x}}
spec: {{scaleTargetRef: {{kind: *a6, name: *a6}}}}
"""
    assert audit_config(pod)[0] == "kubernetes"
    assert time.perf_counter() - started < 2
