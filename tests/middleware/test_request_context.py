"""Request ids, security headers, CORS and the access-log line."""

from __future__ import annotations

import uuid

import httpx
import pytest
from structlog.testing import capture_logs

from app.main import create_app
from tests.conftest import PLAIN_KEY, open_client


async def test_sane_client_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/health/live", headers={"X-Request-ID": "req-42.abc_DEF"})
    assert response.headers["x-request-id"] == "req-42.abc_DEF"


@pytest.mark.parametrize(
    "bad_id", ["has space", "x" * 200, "<script>", "semi;colon", "-leading-dash", "ünïcode"]
)
async def test_malformed_request_id_is_replaced_by_uuid(client: httpx.AsyncClient, bad_id: str) -> None:
    response = await client.get(
        "/api/v1/health/live",
        headers={"X-Request-ID": bad_id.encode("utf-8")},  # type: ignore[dict-item]
    )
    replaced = response.headers["x-request-id"]
    assert replaced != bad_id
    assert uuid.UUID(replaced).version == 4


async def test_missing_request_id_gets_a_fresh_uuid_each_time(client: httpx.AsyncClient) -> None:
    first = (await client.get("/api/v1/health/live")).headers["x-request-id"]
    second = (await client.get("/api/v1/health/live")).headers["x-request-id"]
    assert first != second
    uuid.UUID(first)


@pytest.mark.parametrize("path", ["/api/v1/health", "/api/v1/me", "/nowhere"])
async def test_security_headers_on_every_response(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in response.headers["content-security-policy"]


async def test_docs_page_gets_a_csp_that_lets_it_render(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "script-src" in csp and "frame-ancestors 'none'" in csp


async def test_docs_can_be_turned_off(make_settings) -> None:  # type: ignore[no-untyped-def]
    async for client in open_client(create_app(make_settings(docs_enabled=False))):
        assert (await client.get("/docs")).status_code == 404
        assert (await client.get("/openapi.json")).status_code == 404


async def test_one_access_line_per_request_with_route_template(client: httpx.AsyncClient) -> None:
    with capture_logs() as logs:
        await client.get("/api/v1/me", headers={"X-API-Key": PLAIN_KEY, "X-Request-ID": "trace-me-1"})
    lines = [entry for entry in logs if entry["event"] == "request"]
    assert len(lines) == 1
    line = lines[0]
    assert line["method"] == "GET"
    assert line["path"] == "/api/v1/me"
    assert line["status"] == 200
    assert line["key_label"] == "ops"
    assert line["client"] == "127.0.0.1"
    assert line["duration_ms"] >= 0


async def test_cors_allows_only_configured_origins(make_settings) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_settings(cors_origins=["https://ops.example.org"]))
    async for client in open_client(app):
        preflight = {
            "Origin": "https://ops.example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "X-API-Key",
        }
        allowed = await client.options("/api/v1/me", headers=preflight)
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://ops.example.org"

        denied = await client.options(
            "/api/v1/me", headers={**preflight, "Origin": "https://evil.example.net"}
        )
        assert denied.status_code == 400
        assert "access-control-allow-origin" not in denied.headers
        error = denied.json()["error"]
        assert error["code"] == "cors_preflight_refused"
        assert error["request_id"] == denied.headers["x-request-id"]


async def test_no_cors_headers_without_configured_origins(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/health/live", headers={"Origin": "https://ops.example.org"})
    assert "access-control-allow-origin" not in response.headers
