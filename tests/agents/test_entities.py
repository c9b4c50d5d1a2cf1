"""Entities found in task text: what the router scores and where agents take targets from."""

from __future__ import annotations

import pytest

from app.agents.entities import extract_entities


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
    ],
)
def test_hosts_and_ports_are_found(text: str, hosts: list[str], ports: list[int]) -> None:
    entities = extract_entities(text)
    assert entities.hosts == hosts
    assert entities.ports == ports


def test_urls_paths_logs_and_yaml_are_recognised() -> None:
    entities = extract_entities(
        "see https://x.example/a and /var/log/nginx/error.log\n"
        "2024-05-01T10:00:00Z ERROR upstream timed out\n"
        "services:\n  web:\n    image: nginx:latest\n"
    )
    assert entities.urls == ["https://x.example/a"]
    assert entities.paths == ["/var/log/nginx/error.log"]
    assert entities.log_lines >= 1
    assert entities.yaml is True
    assert {"url", "path", "log_lines", "yaml"} <= entities.kinds()


def test_file_names_are_not_hosts() -> None:
    assert extract_entities("open config.yaml and app.log").hostnames == []
