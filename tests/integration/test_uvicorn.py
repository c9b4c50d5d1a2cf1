"""The service under real uvicorn on loopback: zero-config start, real sockets, early 413."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.uvicorn_process import clean_env, start, stop

DEV_KEY = "dev-local-key-for-tests"


def _serve(cwd: Path, target: list[str], env: dict[str, str]) -> Iterator[str]:
    try:
        process, base = start(cwd, target, env)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield base
    finally:
        stop(process)


@pytest.fixture
def zero_config_server(tmp_path: Path) -> Iterator[str]:
    yield from _serve(tmp_path, ["app.main:app"], clean_env())


@pytest.fixture
def dev_server(tmp_path: Path) -> Iterator[str]:
    env = clean_env(API_KEYS=f"dev:{DEV_KEY}", MAX_REQUEST_BYTES="1024")
    yield from _serve(tmp_path, ["--factory", "tests.integration.served_app:build"], env)


def test_starts_with_no_configuration_on_embedded_defaults(zero_config_server: str, tmp_path: Path) -> None:
    health = httpx.get(f"{zero_config_server}/api/v1/health")
    assert health.status_code == 200
    assert health.json()["checks"]["database"]["backend"] == "sqlite"
    assert (tmp_path / "data" / "orchestrator.db").exists()
    # No keys configured: protected endpoints refuse, they do not open up.
    assert httpx.get(f"{zero_config_server}/api/v1/me").status_code == 401


def test_dev_key_is_accepted_over_real_http(dev_server: str) -> None:
    assert httpx.get(f"{dev_server}/api/v1/me").status_code == 401
    response = httpx.get(f"{dev_server}/api/v1/me", headers={"X-API-Key": DEV_KEY})
    assert response.status_code == 200
    assert response.json()["key_label"] == "dev"
    ok = httpx.post(f"{dev_server}/api/v1/test/upload", content=b"x" * 1000, headers={"X-API-Key": DEV_KEY})
    assert ok.json() == {"received": 1000}


def test_chunked_upload_is_stopped_early_with_413(dev_server: str) -> None:
    """Send a chunked body far past the limit; the answer comes before the upload finishes."""
    host, port = dev_server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(
            b"POST /api/v1/test/upload HTTP/1.1\r\nHost: test\r\n"
            b"X-API-Key: " + DEV_KEY.encode() + b"\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b"400\r\n" + b"x" * 1024 + b"\r\n"
        sent = 0
        response = b""
        sock.settimeout(0.05)
        for _ in range(2000):  # would be 2 MiB
            try:
                sock.sendall(chunk)
                sent += 1024
            except OSError:
                break
            try:
                response += sock.recv(65536)
            except TimeoutError:
                continue
            if b"\r\n\r\n" in response:
                break
        sock.settimeout(5)
        while b"payload_too_large" not in response:
            try:
                data = sock.recv(65536)
            except OSError:
                break
            if not data:
                break
            response += data
    assert response.startswith(b"HTTP/1.1 413"), response[:200]
    assert b'"code":"payload_too_large"' in response
    assert sent < 512 * 1024, f"the server read {sent} bytes before refusing"


def _dockerfile_proxy_flags() -> list[str]:
    """The proxy-header flags the image starts uvicorn with (its CMD, continuation lines joined)."""
    text = (Path(__file__).resolve().parents[2] / "Dockerfile").read_text().replace("\\\n", " ")
    command = json.loads(next(line for line in text.splitlines() if line.startswith("CMD ["))[4:])
    return [arg for arg in command if "proxy-headers" in arg]


def test_a_forged_forwarded_for_does_not_escape_the_per_address_throttle(tmp_path: Path) -> None:
    # FORWARDED_ALLOW_IPS="*" is what the Kubernetes config map once set: uvicorn started the way
    # the image starts it must not let any caller choose its own address with it.
    flags = _dockerfile_proxy_flags()
    assert flags == ["--no-proxy-headers"], flags
    env = clean_env(API_KEYS=f"dev:{DEV_KEY}", RATE_LIMIT="2/minute", FORWARDED_ALLOW_IPS="*")
    for base in _serve(tmp_path, ["app.main:app", *flags], env):
        statuses = [
            httpx.get(
                f"{base}/api/v1/me", headers={"X-API-Key": "guess", "X-Forwarded-For": f"203.0.113.{n}"}
            ).status_code
            for n in range(4)
        ]
        assert statuses == [401, 401, 429, 429]
