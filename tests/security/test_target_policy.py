"""The target policy: refused ranges in every spelling, resolved names checked, nothing reaches a shell."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import httpx
import pytest

from app.errors import InvalidTarget, TargetNotAllowed
from app.main import create_app
from app.security.target_policy import TargetPolicy, parse_ip
from tests.conftest import PLAIN_KEY, open_client

AUTH = {"X-API-Key": PLAIN_KEY}
METADATA_SPELLINGS = [
    "169.254.169.254",
    "0xa9fea9fe",
    "2852039166",
    "0251.0376.0251.0376",
    "169.254.43518",
    "0xa9.0xfe.0xa9.0xfe",
    "::ffff:169.254.169.254",
    "[::ffff:a9fe:a9fe]",
    "64:ff9b::a9fe:a9fe",
]


@pytest.mark.parametrize("spelling", METADATA_SPELLINGS)
async def test_metadata_address_is_refused_in_every_spelling(spelling: str) -> None:
    with pytest.raises(TargetNotAllowed) as refused:
        await TargetPolicy().resolve(spelling)
    assert refused.value.status == 403


@pytest.mark.parametrize("spelling", ["127.0.0.1", "127.1", "0x7f000001", "2130706433", "::1", "[::1]", "0.0.0.0", "::", "224.0.0.1", "240.0.0.1", "fe80::1"])  # fmt: skip
async def test_loopback_and_special_ranges_are_refused_by_default(spelling: str) -> None:
    with pytest.raises(TargetNotAllowed):
        await TargetPolicy().resolve(spelling)


async def test_host_name_resolving_to_a_refused_address_is_refused() -> None:
    with pytest.raises(TargetNotAllowed) as refused:
        await TargetPolicy().resolve("localhost")
    assert refused.value.details["target"] == "localhost"
    assert ipaddress.ip_address(refused.value.details["address"]).is_loopback


async def test_allow_opens_and_deny_wins() -> None:
    assert (await TargetPolicy(allow=["127.0.0.0/8"]).resolve("127.0.0.1")).is_ip
    assert (await TargetPolicy(allow=["localhost"]).resolve("localhost")).addresses
    with pytest.raises(TargetNotAllowed, match="NETWORK_DENY_TARGETS"):
        await TargetPolicy(allow=["127.0.0.0/8"], deny=["127.0.0.1"]).resolve("127.1")
    with pytest.raises(TargetNotAllowed, match="NETWORK_DENY_TARGETS"):
        await TargetPolicy(deny=["*.corp.example"]).resolve("db01.corp.example")
    with pytest.raises(TargetNotAllowed, match="NETWORK_DENY_TARGETS"):
        await TargetPolicy(deny=["10.0.0.0/8"]).resolve("10.1.2.3")


async def test_private_addresses_are_allowed_by_default() -> None:
    assert (await TargetPolicy().resolve("10.20.30.40")).addresses == (ipaddress.ip_address("10.20.30.40"),)


def test_odd_ipv4_spellings_normalise() -> None:
    assert str(parse_ip("127.1")) == "127.0.0.1"
    assert str(parse_ip("0x7f000001")) == "127.0.0.1"
    assert str(parse_ip("::ffff:10.0.0.1")) == "10.0.0.1"
    assert parse_ip("example.com") is None


@pytest.mark.parametrize(
    "host",
    [
        "example.com; touch {f}",
        "$(touch {f})",
        "`touch {f}`",
        "a|touch {f}",
        "x && touch {f}",
        "host name",
        "-oProxyCommand=touch {f}",
        "a\nb",
    ],  # fmt: skip
)
async def test_shell_metacharacters_are_rejected_and_never_run(host: str, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    with pytest.raises(InvalidTarget):
        await TargetPolicy().resolve(host.format(f=marker))
    assert not marker.exists()


async def test_refused_target_is_403_target_not_allowed_over_http(client: httpx.AsyncClient) -> None:
    for target in [*METADATA_SPELLINGS, "127.1", "localhost"]:
        response = await client.post(
            "/api/v1/orchestrate",
            json={"task": f"check connectivity to {target}", "context": {"hostname": target}},
            headers=AUTH,
        )
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "target_not_allowed"


async def test_metacharacters_over_http_are_422_and_run_nothing(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    response = await client.post(
        "/api/v1/orchestrate",
        json={
            "task": "ping it",
            "agent_id": "network_diagnostics",
            "context": {"hostname": f"x;touch {marker}"},
        },
        headers=AUTH,
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_target"
    assert not marker.exists()


async def test_invalid_policy_entries_stop_startup(make_settings) -> None:  # type: ignore[no-untyped-def]
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="NETWORK_ALLOW_TARGETS|network_allow_targets"):
        make_settings(network_allow_targets=["bad host!"])
    create_app(make_settings(network_allow_targets=["10.0.0.0/8", "*.corp.example"]))
    async for _ in open_client(create_app(make_settings(network_deny_targets=["db01"]))):
        pass


@pytest.mark.parametrize(
    "spelling",
    [
        "64:ff9b:1::a9fe:a9fe",  # local-use NAT64 (RFC 8215) of 169.254.169.254
        "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "fd00:ec2::254",  # the AWS instance metadata service over IPv6
        "100.100.100.200",  # Alibaba Cloud's metadata service
    ],
)
async def test_ipv6_translations_and_cloud_metadata_over_ipv6_are_refused(spelling: str) -> None:
    with pytest.raises(TargetNotAllowed):
        await TargetPolicy().resolve(spelling)
    # ... and are not let through by a broad allow of private space.
    with pytest.raises(TargetNotAllowed):
        await TargetPolicy(allow=["fd00::/8", "100.64.0.0/10"]).resolve(spelling)


def _resolver(table: dict[str, tuple[str, list[str]]]):  # type: ignore[no-untyped-def]
    """A name service answering from `table`: name -> (canonical name, addresses)."""

    async def getaddrinfo(host: str) -> tuple[str, list[str]]:
        if host not in table:
            raise OSError(-2, "Name or service not known")
        return table[host]

    return getaddrinfo


async def test_an_alias_of_a_denied_name_is_refused() -> None:
    names = _resolver(
        {
            "vault.example.internal": ("vault.example.internal", ["10.9.9.9"]),
            "innocent.example.com": ("vault.example.internal", ["10.9.9.9"]),  # a CNAME to it
            "other.example.com": ("other.example.com", ["10.9.9.9"]),  # same address, other name
            "fine.example.com": ("fine.example.com", ["10.1.1.1"]),
        }
    )
    policy = TargetPolicy(deny=["vault.example.internal"], resolver=names)
    for alias in ("innocent.example.com", "other.example.com", "10.9.9.9"):
        with pytest.raises(TargetNotAllowed) as refused:
            await policy.resolve(alias)
        assert "vault.example.internal" in refused.value.message
        assert refused.value.details["reason"] == "denied"
    resolved = await policy.resolve("fine.example.com")
    assert [str(a) for a in resolved.addresses] == ["10.1.1.1"]


async def test_default_deny_probes_only_what_the_allow_list_names() -> None:
    names = _resolver(
        {"localhost": ("localhost", ["127.0.0.1"]), "db.example.com": ("db.example.com", ["10.0.0.5"])}
    )
    policy = TargetPolicy(allow=["127.0.0.0/8", "localhost"], default="deny", resolver=names)
    assert (await policy.resolve("127.0.0.1")).primary == ipaddress.ip_address("127.0.0.1")
    assert (await policy.resolve("localhost")).primary == ipaddress.ip_address("127.0.0.1")
    for target in ("10.0.0.5", "db.example.com", "192.0.2.10"):
        with pytest.raises(TargetNotAllowed) as refused:
            await policy.resolve(target)
        assert "NETWORK_DEFAULT_POLICY=deny" in refused.value.message
        assert refused.value.details["reason"] == "not_allowed"


async def test_default_deny_over_http_and_in_settings(make_settings) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(network_default_policy="deny", network_allow_targets=["127.0.0.0/8"])
    async for client in open_client(create_app(settings)):
        response = await client.post("/api/v1/orchestrate", json={"task": "ping 10.0.0.1"}, headers=AUTH)
        assert response.status_code == 403
        assert "NETWORK_DEFAULT_POLICY=deny" in response.json()["error"]["message"]
    with pytest.raises(ValueError, match="network_default_policy"):
        make_settings(network_default_policy="maybe")
