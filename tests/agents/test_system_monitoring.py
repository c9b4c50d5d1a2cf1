"""The system monitoring agent samples this host for real, flags thresholds and bounds its input."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from app.agents.base import AgentContext
from app.agents.system.agent import SystemMonitoringAgent, SystemMonitoringInput
from app.agents.system.report import Thresholds
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
    # Two samples give a rate, not a direction: a trend needs three.
    expected = (None,) if output["samples"] < 3 else ("rising", "falling", "steady")
    assert output["cpu"]["trend"] in expected and output["memory"]["trend"] in expected
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


NEVER = (101.0, 102.0)  # a threshold no reading reaches, whatever else runs on this machine


@pytest.mark.parametrize(
    ("task", "code", "lead"),
    [
        ("is the disk full on this server?", "disk_usage", "Disks: / "),
        ("are we swapping?", "swap_usage", "Swap "),
        ("how much ram is free", "memory_usage", "Memory is "),
        ("check load average", "load_average", "Load average "),
        ("how high is the cpu usage", "cpu_usage", "CPU averaged "),
    ],
)
async def test_the_answer_is_about_what_was_asked(task: str, code: str, lead: str) -> None:
    context = AgentContext(input=SystemMonitoringInput(duration=0), target_policy=TargetPolicy())
    calm = Thresholds(cpu=NEVER, memory=NEVER, swap=NEVER, disk=NEVER, load_per_core=(1e6, 2e6))
    result = await SystemMonitoringAgent(calm).execute(task, context)
    assert code in {f.code for f in result.findings}
    assert result.summary.startswith(lead), result.summary


async def test_the_answer_comes_first_and_other_alarms_follow() -> None:
    context = AgentContext(input=SystemMonitoringInput(duration=0), target_policy=TargetPolicy())
    limits = Thresholds(cpu=NEVER, memory=(0.5, 1.0), swap=NEVER, disk=NEVER, load_per_core=(1e6, 2e6))
    result = await SystemMonitoringAgent(limits).execute("is the disk full on this server?", context)
    assert result.summary.startswith("Disks: ") and "Also: Memory is" in result.summary
    assert result.findings[0].code == "high_memory"  # findings stay most severe first


async def test_one_sample_claims_no_trend() -> None:
    context = AgentContext(input=SystemMonitoringInput(duration=0), target_policy=TargetPolicy())
    limits = Thresholds(cpu=(0.0, 100.1), memory=(0.0, 100.1))
    result = await SystemMonitoringAgent(limits).execute("how is this host", context)
    assert result.output["samples"] == 1 and result.output["cpu"]["trend"] is None
    text = " ".join([result.summary, *(f.message for f in result.findings)])
    assert not any(word in text for word in ("steady", "rising", "falling")), text


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


class NodeExporter:
    """A node exporter stand-in on 127.0.0.1: Prometheus text whose counters advance by a fixed
    step on every scrape, so the rates between two scrapes are known."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.scrapes = 0

    def page(self) -> str:
        n = self.scrapes
        # cpu0: 50% busy between scrapes (idle +1, user +1); cpu1: 100% busy (user +2).
        return f"""# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.
# TYPE node_cpu_seconds_total counter
node_cpu_seconds_total{{cpu="0",mode="idle"}} {1000 + n}
node_cpu_seconds_total{{cpu="0",mode="user"}} {500 + n}
node_cpu_seconds_total{{cpu="0",mode="iowait"}} 10
node_cpu_seconds_total{{cpu="1",mode="idle"}} 900
node_cpu_seconds_total{{cpu="1",mode="user"}} {700 + 2 * n}
# HELP node_load1 1m load average.
# TYPE node_load1 gauge
node_load1 1.5
node_load5 1.2
node_load15 0.9
# TYPE node_memory_MemTotal_bytes gauge
node_memory_MemTotal_bytes {16 * 2**30}
node_memory_MemAvailable_bytes {2**30}
node_memory_SwapTotal_bytes {2 * 2**30}
node_memory_SwapFree_bytes {2 * 2**30}
# TYPE node_filesystem_size_bytes gauge
node_filesystem_size_bytes{{device="/dev/sda1",fstype="ext4",mountpoint="/"}} {100 * 2**30}
node_filesystem_size_bytes{{device="tmpfs",fstype="tmpfs",mountpoint="/run"}} {2**30}
node_filesystem_avail_bytes{{device="/dev/sda1",fstype="ext4",mountpoint="/"}} {3 * 2**30}
node_filesystem_avail_bytes{{device="tmpfs",fstype="tmpfs",mountpoint="/run"}} 0
# TYPE node_network_receive_bytes_total counter
node_network_receive_bytes_total{{device="eth0"}} {10**6 + n * 5000}
node_network_receive_bytes_total{{device="lo"}} {n * 10**6}
node_network_transmit_bytes_total{{device="eth0"}} {10**6 + n * 1000}
node_network_transmit_bytes_total{{device="lo"}} {n * 10**6}
# TYPE node_disk_read_bytes_total counter
node_disk_read_bytes_total{{device="sda"}} {n * 4096}
node_disk_written_bytes_total{{device="sda"}} {n * 8192}
"""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        body = (self.page() if self.status == 200 else "not here\n").encode()
        self.scrapes += 1
        reason = "OK" if self.status == 200 else "Not Found"
        writer.write(f"HTTP/1.1 {self.status} {reason}\r\nContent-Type: text/plain; version=0.0.4\r\n"
                     f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)  # fmt: skip
        await writer.drain()
        writer.close()


async def _exporter(status: int = 200) -> tuple[NodeExporter, asyncio.Server, str]:
    exporter = NodeExporter(status)
    server = await asyncio.start_server(exporter.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return exporter, server, f"http://127.0.0.1:{port}/metrics"


async def _ask(client: httpx.AsyncClient, context: dict[str, object]) -> httpx.Response:
    return await client.post(
        "/api/v1/orchestrate",
        json={"task": "how is that host doing", "agent_id": "system_monitoring", "context": context},
        headers={"X-API-Key": PLAIN_KEY},
    )


async def test_reads_another_host_from_its_node_exporter(make_settings) -> None:  # type: ignore[no-untyped-def]
    exporter, server, url = await _exporter()
    async with server:
        async for client in open_client(create_app(make_settings(network_allow_targets=["127.0.0.0/8"]))):
            response = await _ask(client, {"node_exporter_url": url, "duration": 0.5, "interval": 0.5})
    assert response.status_code == 200, response.text
    result = response.json()["results"][0]
    assert result["status"] == "completed" and exporter.scrapes == 2
    output = result["output"]
    assert output["source"] == {"node_exporter": url, "tls_verified": True}
    assert output["cpu"]["per_core_average"] == [50.0, 100.0] and output["cpu"]["average"] == 75.0
    assert output["cores"] == 2 and output["load"] == {"1m": 1.5, "5m": 1.2, "15m": 0.9}
    assert output["memory"]["percent"] == 93.8 and output["swap"]["percent"] == 0.0
    assert [d["mount"] for d in output["disks"]] == ["/"] and output["disks"][0]["percent"] == 97.0
    assert set(output["network"]) == {"eth0"} and output["network"]["eth0"]["rx_bytes_per_s"] > 0
    assert output["disk_io"]["write_bytes_per_s"] > output["disk_io"]["read_bytes_per_s"] > 0
    codes = {f["code"]: f["severity"] for f in result["findings"]}
    assert codes["disk_filling"] == "critical" and codes["high_memory"] == "warning"
    assert "high_cpu" not in codes  # 75% is under the 85% warning threshold
    assert result["summary"].startswith("127.0.0.1: ")


async def test_node_exporter_target_is_subject_to_the_policy(make_settings) -> None:  # type: ignore[no-untyped-def]
    exporter, server, url = await _exporter()
    async with server:
        async for client in open_client(create_app(make_settings())):  # loopback not allowed
            response = await _ask(client, {"node_exporter_url": url})
    assert response.status_code == 403, response.text
    assert response.json()["error"]["code"] == "target_not_allowed"
    assert exporter.scrapes == 0


async def test_a_page_that_is_not_an_exporter_is_a_failed_result(make_settings) -> None:  # type: ignore[no-untyped-def]
    exporter, server, url = await _exporter(status=404)
    async with server:
        async for client in open_client(create_app(make_settings(network_allow_targets=["127.0.0.0/8"]))):
            response = await _ask(client, {"node_exporter_url": url})
    assert response.status_code == 200, response.text
    result = response.json()["results"][0]
    assert result["status"] == "failed"
    assert (
        result["findings"][0]["code"] == "exporter_unreachable" and "404" in result["findings"][0]["message"]
    )


async def test_an_exporter_port_nothing_listens_on_is_said_in_words(make_settings) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as holder:  # bound, not listening: connections are refused
        holder.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{holder.getsockname()[1]}/metrics"
        async for client in open_client(create_app(make_settings(network_allow_targets=["127.0.0.0/8"]))):
            response = await _ask(client, {"node_exporter_url": url})
    result = response.json()["results"][0]
    assert result["status"] == "failed" and result["findings"][0]["code"] == "exporter_unreachable"
    assert "nothing listens on port" in result["findings"][0]["message"], result["findings"][0]


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.1/metrics", "http:///metrics", "http://user:secret@127.0.0.1:9100/metrics"]
)
async def test_bad_node_exporter_urls_are_422(make_settings, url: str) -> None:  # type: ignore[no-untyped-def]
    async for client in open_client(create_app(make_settings(network_allow_targets=["127.0.0.0/8"]))):
        response = await _ask(client, {"node_exporter_url": url})
    assert response.status_code == 422, response.text
    assert "secret" not in response.text


async def test_a_task_naming_a_node_exporter_reads_it(make_settings) -> None:  # type: ignore[no-untyped-def]
    exporter, server, url = await _exporter()
    async with server:
        async for client in open_client(create_app(make_settings(network_allow_targets=["127.0.0.0/8"]))):
            response = await client.post(
                "/api/v1/orchestrate",
                json={"task": f"is the host behind the node exporter at {url} overloaded?"},
                headers={"X-API-Key": PLAIN_KEY},
            )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "system_monitoring" in body["routing"]["agents"]  # the network agent may check the URL too
    system = next(r for r in body["results"] if r["agent_id"] == "system_monitoring")
    assert system["output"]["source"]["node_exporter"] == url and system["status"] == "completed"


@pytest.mark.parametrize(
    ("task", "url"),
    [
        ("read the node exporter of db01", "http://db01:9100/metrics"),
        ("memory on 10.1.2.3 via node_exporter", "http://10.1.2.3:9100/metrics"),
        ("node-exporter at https://web03:9443/metrics", "https://web03:9443/metrics"),
        ("how is the cpu on db01", None),  # no exporter named: this host is sampled
    ],
)
def test_exporter_url_in_task(task: str, url: str | None) -> None:
    from app.agents.system.agent import exporter_url_in

    assert exporter_url_in(task) == url
