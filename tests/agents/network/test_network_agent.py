"""The network diagnostics agent against servers on 127.0.0.1: each check's contract fields."""

from __future__ import annotations

import asyncio
import ipaddress
import os
import resource
from pathlib import Path

import pytest

from app.agents.base import ProbeTarget
from app.agents.checks.outcome import CheckOutcome
from app.agents.checks.ping import _tcp_ping
from app.agents.checks.tcp import connect_once
from app.agents.checks.tls import check_tls, trust_context
from app.agents.network.agent import NetworkDiagnosticsAgent, NetworkLimits
from app.agents.network.models import NetworkDiagnosticsInput
from app.errors import InvalidTarget, MissingInput, TargetNotAllowed
from app.security.target_policy import TargetPolicy
from tests.agents.network.conftest import context
from tests.loopback_servers import Certificates, make_certificates, server_context, server_port, start_http

pytestmark = pytest.mark.database_free  # left out of the PostgreSQL pass: tests/conftest.py

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


async def test_certificate_from_an_unknown_ca_says_so_in_words(tls_port: int) -> None:
    outcome = await check_tls(LOOPBACK, "localhost", tls_port, 2.0, trust_context(None))
    assert outcome.output["trusted"] is False and outcome.output["valid"] is False
    assert outcome.output["days_until_expiry"] == 10
    finding = next(f for f in outcome.findings if f.code == "certificate_unknown_ca")
    assert finding.severity == "critical" and "Test Ops CA" in finding.message
    assert "does not trust" in finding.message and "unknown CA" in finding.message
    assert "unable to get" not in finding.message  # words, not OpenSSL's text


async def _check_trusted(certs: Certificates) -> CheckOutcome:
    """The TLS check of localhost against a server with `certs`, their CA trusted."""
    server = await start_http(server_context(certs))
    try:
        return await check_tls(
            LOOPBACK, "localhost", server_port(server), 2.0, trust_context(str(certs.ca_file))
        )
    finally:
        server.close()


async def test_certificate_for_another_name_is_a_name_mismatch(tmp_path: Path) -> None:
    outcome = await _check_trusted(make_certificates(tmp_path, days_valid=40, names=("other.example.net",)))
    finding = next(f for f in outcome.findings if f.code == "certificate_name_mismatch")
    assert finding.severity == "critical" and "other.example.net" in finding.message


async def test_expired_certificate_is_one_clear_finding(tmp_path: Path) -> None:
    outcome = await _check_trusted(make_certificates(tmp_path, days_valid=-1))
    assert [f.code for f in outcome.findings] == ["certificate_expired"]
    assert "expired" in outcome.findings[0].message


async def test_tls_on_a_plain_http_port_says_it_speaks_plain_http(http_port: int) -> None:
    outcome = await check_tls(LOOPBACK, "localhost", http_port, 2.0, trust_context(None))
    (finding,) = outcome.findings
    assert finding.code == "tls_not_spoken" and finding.severity == "warning"
    assert "speaks plain HTTP, not TLS" in finding.message
    assert "SSL" not in finding.message and "WRONG_VERSION" not in finding.message


async def test_tls_on_a_closed_port_says_nothing_listens(closed_port: int) -> None:
    outcome = await check_tls(LOOPBACK, "localhost", closed_port, 2.0, trust_context(None))
    assert [f.code for f in outcome.findings] == ["tls_port_closed"]


async def test_http_on_a_tls_port_that_is_not_443_speaks_tls(
    agent: NetworkDiagnosticsAgent, tls_port: int
) -> None:
    result = await agent.execute("check http", context(hostname="localhost", port=tls_port, checks=["http"]))
    http = result.output["checks"]["http"]
    assert http["url"] == f"https://localhost:{tls_port}/" and http["status_code"] == 200


async def test_https_url_runs_http_and_tls(agent: NetworkDiagnosticsAgent, tls_port: int) -> None:
    result = await agent.execute(f"is https://localhost:{tls_port}/ healthy", context())
    assert result.output["checks"]["http"]["status_code"] == 200
    assert result.output["checks"]["http"]["tls_verified"] is True
    assert result.output["checks"]["tls"]["days_until_expiry"] == 10


async def test_localhost_is_answered_by_the_system_not_reported_missing_from_dns(
    agent: NetworkDiagnosticsAgent, http_port: int
) -> None:
    result = await agent.execute(
        "check connectivity", context(hostname="localhost", ports=[http_port], checks=["dns", "ping", "tcp"])
    )
    assert result.findings[0].severity != "critical"
    assert not {"dns_nxdomain", "dns_resolution_failed"} & codes(result)
    assert "dns_local_name" in codes(result) and "NXDOMAIN" not in result.summary
    assert "skipped: dns" in result.summary  # a check that did not run is never said to pass


async def test_a_name_only_the_system_resolves_is_a_warning_not_a_failure(
    agent: NetworkDiagnosticsAgent,
) -> None:
    from app.agents.checks.dns import check_dns

    outcome = await check_dns("nope.test", ["A"], list(agent.limits.nameservers), 2.0, ["10.0.0.8"])
    assert [(f.code, f.severity) for f in outcome.findings] == [("dns_local_only", "warning")]
    assert "10.0.0.8" in outcome.findings[0].message


async def test_summary_names_skipped_checks_as_skipped(
    agent: NetworkDiagnosticsAgent, http_port: int
) -> None:
    result = await agent.execute(
        "check it", context(hostname="127.0.0.1", ports=[http_port], checks=["dns", "tcp"])
    )
    assert result.summary.endswith("(checks run: tcp; skipped: dns).")


async def test_dns_reports_cname_and_mx(agent: NetworkDiagnosticsAgent) -> None:
    # Resolution for the policy uses the system resolver, which does not know *.test: the DNS
    # check itself is run directly here.
    from app.agents.checks.dns import check_dns

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


@pytest.mark.parametrize(
    "url", ["https://localhost:$PORT/", "http://127.0.0.1:99999/", "https://127.0.0.1:0/"]
)
async def test_a_url_with_a_bad_port_is_invalid_input_not_a_crash(
    agent: NetworkDiagnosticsAgent, url: str
) -> None:
    with pytest.raises(InvalidTarget, match="port that is not a number from 1 to 65535"):
        await agent.execute(f"check the certificate at {url}", context())


async def test_probe_concurrency_is_shared_by_every_request_of_the_process(listener: int) -> None:
    agent = NetworkDiagnosticsAgent(NetworkLimits(check_timeout=2.0, concurrency=1))
    async with agent._probes:  # another request holds the process's only connect slot
        check = asyncio.create_task(
            agent.execute("check tcp", context(host="127.0.0.1", port=listener, checks=["tcp"]))
        )
        await asyncio.sleep(0.3)
        assert not check.done()  # it waits for the slot, whichever request holds it
    result = await asyncio.wait_for(check, 5)
    assert result.output["checks"]["tcp"][0]["open"] is True


async def test_running_out_of_sockets_is_a_check_error_not_a_crash(listener: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    lowest_free = os.dup(0)  # a new descriptor takes the lowest free number
    os.close(lowest_free)
    resource.setrlimit(resource.RLIMIT_NOFILE, (lowest_free, hard))  # so the next socket() gets EMFILE
    try:
        result = await connect_once(ipaddress.ip_address("127.0.0.1"), listener, 1.0)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert result["state"] == "error" and "no socket could be opened here" in result["error"]


async def test_an_ip_address_has_no_dns_to_skip_unless_dns_was_asked_for(
    agent: NetworkDiagnosticsAgent, http_port: int
) -> None:
    result = await agent.execute("check connectivity", context(hostname="127.0.0.1", ports=[http_port]))
    assert "dns" not in result.summary.lower() and "ping" in result.summary
    assert result.output["checks"]["dns"]["skipped"] is True  # the output still says why


async def test_a_refused_http_connection_is_said_in_words(agent: NetworkDiagnosticsAgent) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = await agent.execute("check it", context(url=f"http://localhost:{port}/", checks=["http"]))
    [failed] = [f for f in result.findings if f.code == "http_request_failed"]
    assert f"connection refused: the host is up but nothing listens on port {port}" in failed.message
    assert "Connect call failed" not in failed.message


async def test_http_through_an_untrusted_certificate_still_reads_the_answer_and_says_why(
    tls_port: int, dns_port: int, tmp_path: Path
) -> None:
    (tmp_path / "other").mkdir()
    other_ca = make_certificates(tmp_path / "other", days_valid=10).ca_file  # trusts another CA only
    agent = NetworkDiagnosticsAgent(
        NetworkLimits(check_timeout=2.0, nameservers=(f"127.0.0.1:{dns_port}",), ca_file=str(other_ca))
    )
    result = await agent.execute("check http", context(hostname="localhost", port=tls_port, checks=["http"]))
    http = result.output["checks"]["http"]
    assert http["status_code"] == 200 and http["tls_verified"] is False
    untrusted = [f for f in result.findings if f.code == "certificate_untrusted"]
    assert untrusted and untrusted[0].severity == "critical"
    assert "not trusted" in untrusted[0].message
