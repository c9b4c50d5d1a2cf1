"""The system monitoring agent samples this host for real, flags thresholds and bounds its input."""

from __future__ import annotations

import pytest

from app.agents.base import AgentContext
from app.agents.system.agent import SystemMonitoringAgent, SystemMonitoringInput, Thresholds
from app.main import create_app
from app.security.target_policy import TargetPolicy
from tests.conftest import PLAIN_KEY, open_client


async def test_samples_over_the_duration_and_reports_every_resource() -> None:
    context = AgentContext(
        input=SystemMonitoringInput(duration=1.0, interval=0.5, top=3), target_policy=TargetPolicy()
    )
    result = await SystemMonitoringAgent().execute("how is this host", context)
    output = result.output
    assert output["samples"] >= 2
    assert 0 <= output["cpu"]["average"] <= 100 and len(output["cpu"]["per_core_average"]) == output["cores"]
    assert output["cpu"]["trend"] in ("rising", "falling", "steady")
    assert 0 < output["memory"]["percent"] <= 100 and output["memory"]["total_mb"] > 0
    assert output["disks"] and {"mount", "percent", "free_gb"} <= set(output["disks"][0])
    assert set(output["load"]) == {"1m", "5m", "15m"}
    assert len(output["processes"]["by_cpu"]) == 3 and len(output["processes"]["by_memory"]) == 3
    assert "read_bytes_per_s" in output["disk_io"] and output["network"]
    assert result.duration_ms >= 900


async def test_thresholds_turn_into_findings() -> None:
    limits = Thresholds(memory=(0.5, 1.0), disk=(0.1, 100.0))
    context = AgentContext(input=SystemMonitoringInput(duration=0), target_policy=TargetPolicy())
    result = await SystemMonitoringAgent(limits).execute("check", context)
    codes = {f.code: f.severity for f in result.findings}
    assert codes["high_memory"] == "critical"
    assert codes["disk_filling"] == "warning"
    assert result.findings[0].severity == "critical"


@pytest.mark.parametrize(
    "context",
    [
        {"duration": 61},
        {"duration": -1},
        {"duration": 5, "interval": 0.1},
        {"duration": 2, "interval": 3},
        {"top": 0},
    ],
)
async def test_out_of_bounds_sampling_is_422(make_settings, context: dict[str, float]) -> None:  # type: ignore[no-untyped-def]
    async for client in open_client(create_app(make_settings())):
        response = await client.post(
            "/api/v1/orchestrate",
            json={"task": "sample cpu", "agent_id": "system_monitoring", "context": context},
            headers={"X-API-Key": PLAIN_KEY},
        )
        assert response.status_code == 422, response.text
        assert response.json()["error"]["details"]["agent_id"] == "system_monitoring"
