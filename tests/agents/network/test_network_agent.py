"""The network diagnostics agent against servers on 127.0.0.1: each check's contract fields."""

from __future__ import annotations

import ipaddress

import pytest

from app.agents.base import ProbeTarget
from app.agents.network.agent import NetworkDiagnosticsAgent
from app.agents.network.checks.ping import _tcp_ping
from app.agents.network.checks.tls import check_tls, trust_context
from app.agents.network.models import NetworkDiagnosticsInput
from app.errors import MissingInput, TargetNotAllowed
from app.security.target_policy import TargetPolicy
from tests.agents.network.conftest import context

LOOPBACK = ipaddress.ip_address("127.0.0.1")


def codes(result) -> set[str]:  # type: ignore[no-untyped-def]
    return {finding.code for finding in result.findings}


async def test_open_and_closed_ports_are_told_apart(
    agent: NetworkDiagnosticsAgent, tcp_port: int, closed_port: int
) -> None:
    result = await agent.execute(
        "are these ports open?", context(hostname="127.0.0.1", ports=[tcp_port, closed_port])
    )
    assert result.status == "completed"
    tcp = {entry["port"]: entry for entry in result.output["checks"]["tcp"]}
    assert set(tcp[tcp_port]) >= {"port", "open", "latency_ms"}
    assert tcp[tcp_port]["open"] is True and tcp[tcp_port]["latency_ms"] >= 0
    assert tcp[closed_port]["open"] is False and tcp[closed_port]["state"] == "refused"
    assert {"port_open", "port_refused"} <= codes(result)
    assert "refused" in result.summary


async def test_http_check_reports_status_and_latency(agent: NetworkDiagnosticsAgent, http_port: int) -> None:
    url = f"http://127.0.0.1:{http_port}/"
    result = await agent.execute(f"is {url} up?", context())
    http = result.output["checks"]["http"]
    assert http["status_code"] == 200
    assert http["latency_ms"] > 0
    assert "http_ok" in codes(result)


async def test_http_5xx_is_critical(agent: NetworkDiagnosticsAgent, http_port: int) -> None:
    result = await agent.execute("check the endpoint", context(url=f"http://127.0.0.1:{http_port}/fail"))
    assert result.output["checks"]["http"]["status_code"] == 503
    assert result.findings[0].code == "http_server_error"
    assert result.findings[0].severity == "critical"


async def test_redirect_to_refused_target_is_reported_not_followed(
    agent: NetworkDiagnosticsAgent, http_port: int
) -> None:
    result = await agent.execute("check url", context(url=f"http://127.0.0.1:{http_port}/to-metadata"))
    http = result.output["checks"]["http"]
    assert http["status_code"] == 302
    hop = http["redirects"][0]
    assert hop["followed"] is False
    assert "169.254.169.254" in hop["location"] and "link-local" in hop["refused_reason"]


async def test_redirect_to_allowed_target_is_followed(agent: NetworkDiagnosticsAgent, http_port: int) -> None:
    result = await agent.execute("check url", context(url=f"http://127.0.0.1:{http_port}/to-home"))
    http = result.output["checks"]["http"]
    assert http["status_code"] == 200
    assert http["redirects"] == [
        {"status_code": 301, "location": f"http://127.0.0.1:{http_port}/", "followed": True}
    ]


async def test_tls_certificate_days_to_expiry_subject_issuer_validity(
    agent: NetworkDiagnosticsAgent, tls_port: int
) -> None:
    result = await agent.execute(
        "when does the certificate expire?", context(hostname="localhost", port=tls_port)
    )
    tls = result.output["checks"]["tls"]
    assert tls["days_until_expiry"] == 10
    assert tls["subject"] == "CN=localhost"
    assert tls["issuer"] == "CN=Test Ops CA"
    assert tls["valid"] is True and tls["trusted"] is True
    assert "localhost" in tls["subject_alt_names"]
    assert tls["protocol"] in ("TLSv1.2", "TLSv1.3")
    assert "certificate_expiring" in codes(result)
    assert result.findings[0].severity == "warning"


async def test_untrusted_certificate_is_critical(tls_port: int) -> None:
    outcome = await check_tls(LOOPBACK, "localhost", tls_port, 2.0, trust_context(None))
    assert outcome.output["trusted"] is False and outcome.output["valid"] is False
    assert outcome.output["days_until_expiry"] == 10
    assert "certificate_untrusted" in {f.code for f in outcome.findings}


async def test_https_url_runs_http_and_tls(agent: NetworkDiagnosticsAgent, tls_port: int) -> None:
    result = await agent.execute(f"is https://localhost:{tls_port}/ healthy", context())
    assert result.output["checks"]["http"]["status_code"] == 200
    assert result.output["checks"]["http"]["tls_verified"] is True
    assert result.output["checks"]["tls"]["days_until_expiry"] == 10


async def test_dns_check_reports_records_and_mx_when_asked(agent: NetworkDiagnosticsAgent) -> None:
    result = await agent.execute(
        "dns lookup of mail records", context(hostname="localhost", dns_record_types=["A", "MX"])
    )
    dns = result.output["checks"]["dns"]
    assert dns["records"]["A"] == ["127.0.0.1"]
    assert "dns_no_mx" in codes(result)


async def test_dns_reports_cname_and_mx(agent: NetworkDiagnosticsAgent) -> None:
    # Resolution for the policy uses the system resolver, which does not know *.test: the DNS
    # check itself is run directly here.
    from app.agents.network.checks.dns import check_dns

    nameservers = list(agent.limits.nameservers)
    alias = await check_dns("alias.test", ["A", "CNAME"], nameservers, 2.0)
    assert alias.output["records"]["CNAME"] == ["svc.test"]
    mail = await check_dns("mail.test", ["A", "MX"], nameservers, 2.0)
    assert mail.output["records"]["MX"] == ["10 mx1.mail.test", "20 mx2.mail.test"]
    missing = await check_dns("nope.test", ["A"], nameservers, 2.0)
    assert {f.code for f in missing.findings} == {"dns_nxdomain"}


async def test_ping_reports_method_and_round_trip(agent: NetworkDiagnosticsAgent) -> None:
    result = await agent.execute("ping 127.0.0.1", context())
    ping = result.output["checks"]["ping"]
    assert ping["method"] in ("icmp", "tcp_connect")
    assert ping["reachable"] is True


async def test_tcp_fallback_counts_refusals_as_replies(closed_port: int) -> None:
    output = await _tcp_ping(LOOPBACK, 2, 1.0, [closed_port])
    assert output["method"] == "tcp_connect" and "ICMP" in output["note"]
    assert output["reachable"] is True and output["packets_received"] == 2


async def test_traceroute_runs_or_says_what_it_needs(agent: NetworkDiagnosticsAgent) -> None:
    result = await agent.execute("traceroute to 127.0.0.1", context())
    trace = result.output["checks"]["traceroute"]
    if trace["available"]:
        assert trace["hops"] and trace["hops"][-1]["address"] == "127.0.0.1"
    else:
        assert "CAP_NET_RAW" in trace["reason"]


@pytest.mark.parametrize(
    ("task", "host", "ports"),
    [
        ("Check connectivity to localhost on port {p}", "localhost", "{p}"),
        ("is localhost:{p} reachable?", "localhost", "{p}"),
        ("scan port {p} on 127.0.0.1", "127.0.0.1", "{p}"),
    ],
)
async def test_target_is_parsed_from_the_task(
    agent: NetworkDiagnosticsAgent, tcp_port: int, task: str, host: str, ports: str
) -> None:
    result = await agent.execute(task.format(p=tcp_port), context())
    assert result.output["target"] == host
    assert [e["port"] for e in result.output["checks"]["tcp"]] == [int(ports.format(p=tcp_port))]
    assert result.output["checks"]["tcp"][0]["open"] is True


async def test_connectivity_question_runs_the_general_set(
    agent: NetworkDiagnosticsAgent, tcp_port: int
) -> None:
    result = await agent.execute(f"check connectivity to localhost on port {tcp_port}", context())
    assert set(result.output["checks"]) == {"dns", "ping", "tcp"}


async def test_no_target_asks_which_host(agent: NetworkDiagnosticsAgent) -> None:
    with pytest.raises(MissingInput, match="No target") as raised:
        await agent.execute("check the network please", context())
    assert raised.value.details == {
        "agent": "network_diagnostics", "needs": ["target"], "question": "Which host should I check?"
    }  # fmt: skip


async def test_hosts_inside_pasted_logs_are_never_probed(agent: NetworkDiagnosticsAgent) -> None:
    task = "what went wrong?\n2024-05-01 10:00:00 ERROR connect to 10.4.0.21:6432 refused (db01)"
    with pytest.raises(MissingInput):
        await agent.execute(task, context())
    assert agent.targets("check db01 port 5432\n" + task, NetworkDiagnosticsInput()) == [
        ProbeTarget(agent="network_diagnostics", host="db01", ports=[5432], url=None)
    ]


async def test_loopback_is_refused_by_default(agent: NetworkDiagnosticsAgent) -> None:
    with pytest.raises(TargetNotAllowed):
        await agent.execute("ping 127.0.0.1", context(policy=TargetPolicy()))
