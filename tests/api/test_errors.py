"""Every error leaves in the contract's envelope, framework errors included, without stack traces."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel, Field

from app.api.deps import enforce_rate_limit
from tests.conftest import PLAIN_KEY, open_client

AUTH = {"X-API-Key": PLAIN_KEY}


class Probe(BaseModel):
    host: str = Field(min_length=1, max_length=10)
    port: int = Field(ge=1, le=65535)


def add_test_routes(app: FastAPI) -> None:
    router = APIRouter(prefix="/api/v1/test")

    @router.post("/echo")
    async def echo(body: Probe) -> Probe:
        return body

    @router.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internal detail: /srv/app/db.py line 42")

    app.include_router(router, dependencies=[Depends(enforce_rate_limit)])


@pytest.fixture
async def test_client(app: FastAPI) -> httpx.AsyncClient:
    add_test_routes(app)
    async for client in open_client(app):
        yield client  # type: ignore[misc]


def assert_envelope(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "details", "request_id"}
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert error["request_id"] == response.headers["x-request-id"]
    return error


async def test_missing_key_is_401_envelope_with_www_authenticate(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/me")
    assert_envelope(response, 401, "unauthorized")
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_unknown_route_is_404_envelope(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/does-not-exist", headers=AUTH)
    error = assert_envelope(response, 404, "not_found")
    assert "/api/v1/does-not-exist" in str(error["message"])


async def test_wrong_method_is_405_envelope(client: httpx.AsyncClient) -> None:
    response = await client.delete("/api/v1/health")
    assert_envelope(response, 405, "method_not_allowed")
    assert "allow" in response.headers


async def test_validation_error_is_422_with_offending_fields(test_client: httpx.AsyncClient) -> None:
    response = await test_client.post("/api/v1/test/echo", json={"host": "x" * 50, "port": 0}, headers=AUTH)
    error = assert_envelope(response, 422, "validation_error")
    fields = {tuple(item["loc"]) for item in error["details"]}  # type: ignore[union-attr]
    assert fields == {("body", "host"), ("body", "port")}
    assert "x" * 50 not in response.text  # the rejected input is not echoed back


async def test_malformed_json_is_422_envelope(test_client: httpx.AsyncClient) -> None:
    response = await test_client.post(
        "/api/v1/test/echo",
        content=b'{"host": ',
        headers={**AUTH, "content-type": "application/json"},
    )
    assert_envelope(response, 422, "validation_error")


async def test_unexpected_exception_is_500_envelope_without_trace(
    test_client: httpx.AsyncClient,
) -> None:
    response = await test_client.get("/api/v1/test/boom", headers=AUTH)
    error = assert_envelope(response, 500, "internal_error")
    assert error["details"] is None
    for leak in ("Traceback", "RuntimeError", "secret internal detail", "db.py"):
        assert leak not in response.text
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_oversized_body_is_413_envelope(make_settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from app.main import create_app

    app = create_app(make_settings(max_request_bytes=100))
    add_test_routes(app)
    async for client in open_client(app):
        response = await client.post(
            "/api/v1/test/echo", json={"host": "h", "port": 1, "pad": "x" * 200}, headers=AUTH
        )
        error = assert_envelope(response, 413, "payload_too_large")
        assert error["details"] == {"max_bytes": 100}

        async def chunks():  # type: ignore[no-untyped-def]
            for _ in range(10):
                yield b"x" * 50

        chunked = await client.post("/api/v1/test/echo", content=chunks(), headers=AUTH)
        assert_envelope(chunked, 413, "payload_too_large")

        small = await client.post("/api/v1/test/echo", json={"host": "h", "port": 1}, headers=AUTH)
        assert small.status_code == 200


async def test_stack_trace_is_logged_server_side_without_frame_locals(
    test_client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    capsys.readouterr()
    await test_client.get("/api/v1/test/boom", headers=AUTH)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    errors = [line for line in lines if line.get("event") == "unhandled_exception"]
    assert errors, lines
    exception = errors[0]["exception"][0]
    assert exception["exc_type"] == "RuntimeError"
    assert exception["frames"] and all("locals" not in frame for frame in exception["frames"])
    assert PLAIN_KEY not in json.dumps(errors)


async def test_405_allow_header_lists_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    response = await client.request("PUT", "/api/v1/workflows", headers=AUTH)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"


async def test_lax_coercion_is_refused(client: httpx.AsyncClient) -> None:
    for body in (
        {"task": "ping 10.0.0.1", "dry_run": "true"},
        {"task": "ping 10.0.0.1", "timeout_seconds": "5"},
        {"task": "x", "agent_id": ""},
    ):
        response = await client.post("/api/v1/orchestrate", json=body, headers=AUTH)
        assert response.status_code == 422, body
    bad_time = await client.get("/api/v1/executions?until=1700000000", headers=AUTH)
    assert bad_time.status_code == 422
