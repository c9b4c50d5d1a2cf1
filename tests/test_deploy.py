"""Prometheus config, alert rules and the Grafana dashboard: valid for their tools, and every
metric they use is one the service exposes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from app.main import create_app
from tests.conftest import open_client

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
_SUFFIXES = ("_bucket", "_count", "_sum")


def used_metric_names() -> set[str]:
    expressions: list[str] = []
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    expressions += [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "ops-agent-orchestrator.json").read_text())
    expressions += [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    names = set()
    for expression in expressions:
        expression = re.sub(r'"[^"]*"', '""', expression)  # label values are not metric names
        for token in re.findall(r"\b([a-z_][a-z0-9_]*)\s*(?=[{\[)]|\s*$|\s*[*/><=])", expression):
            names.add(token)
    functions = {"sum", "rate", "histogram_quantile", "max", "clamp_min", "by", "le", "status", "route", "provider",
                 "outcome", "agent", "check", "direction", "workflow", "model", "bus"}  # fmt: skip
    return {n for n in names if n not in functions}


async def test_every_metric_used_by_alerts_and_dashboard_is_exposed(make_settings) -> None:  # type: ignore[no-untyped-def]
    async for client in open_client(create_app(make_settings())):
        exposition = (await client.get("/metrics")).text
    exposed = set(re.findall(r"^# TYPE (\S+) ", exposition, re.M))
    used = used_metric_names()
    assert used, "no metric names found in the deploy files"
    missing = {name for name in used if name not in exposed and not any(
        name.endswith(s) and name[: -len(s)] in exposed for s in _SUFFIXES
    ) and name.removesuffix("_total") not in exposed}  # fmt: skip
    assert not missing, f"used in deploy/ but not exposed: {sorted(missing)}"


promtool = shutil.which("promtool")


@pytest.mark.skipif(promtool is None, reason="promtool is not installed (Debian package prometheus)")
def test_alert_rules_pass_promtool() -> None:
    result = subprocess.run([promtool, "check", "rules", str(DEPLOY / "prometheus" / "alerts.yml")],  # noqa: S603
                            capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(promtool is None, reason="promtool is not installed (Debian package prometheus)")
def test_prometheus_config_passes_promtool(tmp_path: Path) -> None:
    config = (DEPLOY / "prometheus" / "prometheus.yml").read_text()
    shutil.copy(DEPLOY / "prometheus" / "alerts.yml", tmp_path / "alerts.yml")
    (tmp_path / "prometheus.yml").write_text(
        config.replace("/etc/prometheus/alerts.yml", str(tmp_path / "alerts.yml"))
    )
    result = subprocess.run([promtool, "check", "config", str(tmp_path / "prometheus.yml")],  # noqa: S603
                            capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_dashboard_is_grafana_json_with_prometheus_targets() -> None:
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "ops-agent-orchestrator.json").read_text())
    assert dashboard["uid"] and dashboard["panels"]
    for panel in dashboard["panels"]:
        assert panel["datasource"]["type"] == "prometheus"
        assert panel["targets"] and all(t["expr"] for t in panel["targets"])
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))


K8S = sorted((DEPLOY / "k8s").glob("*.yaml"))


@pytest.mark.parametrize("manifest", K8S, ids=[m.name for m in K8S])
def test_kubernetes_manifests_pass_the_schema_check(manifest: Path) -> None:
    import sys

    validator = Path(sys.executable).parent / "kubernetes-validate"
    result = subprocess.run([str(validator), "--strict", str(manifest)],  # noqa: S603
                            capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


async def test_our_own_manifests_pass_our_own_audit() -> None:
    from app.agents.infrastructure.config_audit import audit_config

    text = "\n---\n".join(m.read_text() for m in K8S)
    kind, findings = audit_config(text)
    assert kind == "kubernetes"
    assert [f for f in findings if f.severity != "info"] == []
    assert {"hpa.yaml", "deployment.yaml", "service.yaml", "pdb.yaml"} <= {m.name for m in K8S}


def test_pods_stop_gracefully_a_pre_stop_pause_then_the_drain_within_the_grace_period() -> None:
    deployment = yaml.safe_load((DEPLOY / "k8s" / "deployment.yaml").read_text())
    pod = deployment["spec"]["template"]["spec"]
    [app] = pod["containers"]
    command = app["lifecycle"]["preStop"]["exec"]["command"]
    pause = float(re.search(r"sleep\((\d+(?:\.\d+)?)\)", " ".join(command))[1])  # type: ignore[index]
    dockerfile = (ROOT / "Dockerfile").read_text()
    graceful = float(re.search(r'"--timeout-graceful-shutdown", "(\d+)"', dockerfile)[1])  # type: ignore[index]
    assert 0 < pause and pause + graceful < pod["terminationGracePeriodSeconds"]
