"""Entities found in task text: what the router scores and where agents take targets from."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from app.agents.entities import extract_entities
from app.agents.request_text import read_request

pytestmark = pytest.mark.database_free  # left out of the PostgreSQL pass: tests/conftest.py


@pytest.mark.parametrize(
    ("text", "hosts", "ports"),
    [
        ("Check connectivity to example.com on port 443", ["example.com"], [443]),
        ("check connectivity to db01 on 5432", ["db01"], [5432]),
        ("is https://api.example.org:8443/v1 up?", ["api.example.org"], []),
        ("scan ports 22, 80 and 443 on web-1.corp.example", ["web-1.corp.example"], [22, 80, 443]),
        ("tls expiry for mail.example.net:993", ["mail.example.net"], [993]),
        ("is localhost:8080 reachable", ["localhost"], [8080]),
        ("scan port 4444 on 127.0.0.1", ["127.0.0.1"], [4444]),
        ("ping 2001:db8::1", ["2001:db8::1"], []),
        ("traceroute to 8.8.8.8", ["8.8.8.8"], []),
        ("read /var/log/app.log for errors", [], []),
        ("why is cpu high on this host right now", [], []),
        ("is 443/tcp open on gw.example.com", ["gw.example.com"], [443]),
        ("latency on 10.0.0.1 is 300 ms", ["10.0.0.1"], []),
        ("port 99999 on example.com", ["example.com"], []),
        ("check db01 port 5432", ["db01"], [5432]),
        ("is anything listening on localhost port 8080?", ["localhost"], [8080]),
        ("cache-a:6379 slow?", ["cache-a"], [6379]),
        ("ports 25 and 587 on mail01", ["mail01"], [25, 587]),
        ("is ldap.corp listening on 389 and 636", ["ldap.corp"], [389, 636]),
        ("check core-rtr-02 and web-3", ["core-rtr-02", "web-3"], []),
        ("ping gateway", ["gateway"], []),
        ("please check it, thanks", [], []),
        ("traceroute keeps timing out somewhere", [], []),
        ("k8s v1.29 upgrade broke tls1.2 on eth0", [], []),
        ("who issued the cert for login.example.com now?", ["login.example.com"], []),
        ("Is 3306 open on mysql-ro.internal?", ["mysql-ro.internal"], [3306]),
    ],
)
def test_hosts_and_ports_are_found(text: str, hosts: list[str], ports: list[int]) -> None:
    entities = extract_entities(text)
    assert entities.hosts == hosts
    assert entities.ports == ports


def test_urls_paths_logs_and_yaml_are_recognised() -> None:
    text = read_request(
        "see https://x.example/a and /var/log/nginx/error.log\n"
        "2024-05-01T10:00:00Z ERROR upstream timed out at db.internal:5432\n"
        "services:\n  web:\n    image: nginx:latest\n"
    )
    entities = extract_entities(text.request)
    assert entities.urls == ["https://x.example/a"]
    assert entities.paths == ["/var/log/nginx/error.log"]
    assert {"url", "path"} <= entities.kinds()
    assert text.log_lines == 1 and text.yaml is True
    assert "db.internal" not in entities.hostnames  # inside the pasted log: data, not a target


def test_material_pasted_under_a_question_is_split_from_it() -> None:
    text = read_request(
        "container wont stay up\n$ docker logs --tail 2 api\nWaiting for db at db:5432...\n"
        "panic: runtime error\n\ngoroutine 1 [running]:\nmain.loadConfig(0x0)\n"
        "        /src/cmd/api/main.go:57 +0x21\nwhat is wrong?"
    )
    assert text.request == "container wont stay up\nwhat is wrong?"
    assert "db:5432" in text.material and text.log_lines >= 2


def test_file_names_are_not_hosts() -> None:
    assert extract_entities("open config.yaml and app.log").hostnames == []


def test_target_tuning_set_keeps_its_floor() -> None:
    """tests/agents/targets_dev.yaml (200 sentences written apart from the extractor, then used to
    tune it): precision and recall of hosts, ports and URLs stay where tuning left them."""
    cases = yaml.safe_load((Path(__file__).parent / "targets_dev.yaml").read_text())
    found = wanted = correct = 0
    for case in cases:
        entities = extract_entities(case["text"])
        got = {("host", h) for h in entities.ips + entities.hostnames}
        got |= {("port", str(p)) for p in entities.ports} | {("url", u) for u in entities.urls}
        want = {("host", str(h).lower()) for h in case["hosts"]}
        want |= {("port", str(p)) for p in case["ports"]} | {("url", u) for u in case["urls"]}
        found, wanted, correct = found + len(got), wanted + len(want), correct + len(got & want)
    assert correct / found >= 0.99 and correct / wanted >= 0.97


@pytest.mark.parametrize(
    "text",
    [
        "check our TLS certificate, db_password=hunter2-secret",
        'ping the box, "api_token": "tok-abc.example.com"',
        "SECRET_KEY: s3cr3t-fake-host",
    ],
)
def test_a_secret_value_is_never_a_target(text: str) -> None:
    found = extract_entities(text)
    assert found.hosts == [] and found.ports == []


def test_a_host_whose_name_mentions_secrets_keeps_its_port() -> None:
    found = extract_entities("check vault-secrets.internal:8200")
    assert found.hostnames == ["vault-secrets.internal"] and found.ports == [8200]


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("check https://vault-secrets.internal:8200/v1/sys/health", "https://vault-secrets.internal:8200/v1/sys/health"),
        ("is http://token-service.internal:8080/healthz up?", "http://token-service.internal:8080/healthz"),
        ("GET https://api.example.com/?api_key=abc please", "https://api.example.com/?api_key=abc"),
    ],
)  # fmt: skip
def test_urls_are_taken_as_written_whatever_their_names_say(text: str, url: str) -> None:
    assert extract_entities(text).urls == [url]


def test_a_port_after_a_secret_sounding_host_name_stays_a_port() -> None:
    found = extract_entities("tls of password-reset.example.com:8443?")
    assert found.hostnames == ["password-reset.example.com"] and found.ports == [8443]
