"""API keys: plain and hashed entries, both headers, constant-time lookup, secrets kept out of logs."""

from __future__ import annotations

import io
import json
import sys

import httpx
import pytest
from structlog.testing import capture_logs

from app.main import create_app
from app.security import api_keys
from app.security.api_keys import ApiKeyStore, parse_api_keys
from app.settings import Settings
from tests.conftest import HASHED_KEY, PLAIN_KEY, hashed, open_client


async def test_plain_key_in_x_api_key_authenticates(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/me", headers={"X-API-Key": PLAIN_KEY})
    assert response.status_code == 200
    assert response.json()["key_label"] == "ops"


async def test_hashed_key_authenticates_with_its_secret(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/me", headers={"X-API-Key": HASHED_KEY})
    assert response.status_code == 200
    assert response.json()["key_label"] == "bot"


async def test_the_stored_hash_itself_is_not_a_key(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/me", headers={"X-API-Key": hashed(HASHED_KEY)})
    assert response.status_code == 401


@pytest.mark.parametrize(("secret", "label"), [(PLAIN_KEY, "ops"), (HASHED_KEY, "bot")])
async def test_bearer_token_authenticates(client: httpx.AsyncClient, secret: str, label: str) -> None:
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert response.json()["key_label"] == label


@pytest.mark.parametrize(
    "headers",
    [
        {"X-API-Key": "wrong-key-000000"},
        {"Authorization": "Bearer wrong-key-000000"},
        {"Authorization": f"Basic {PLAIN_KEY}"},
        {"X-API-Key": ""},
    ],
)
async def test_wrong_or_malformed_credentials_get_401(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert "www-authenticate" in response.headers


async def test_no_keys_configured_means_401_and_a_startup_hint(make_settings) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_settings(api_keys=[]))  # configures logging, so before capturing
    with capture_logs() as logs:
        async for client in open_client(app):
            assert (await client.get("/api/v1/me", headers={"X-API-Key": PLAIN_KEY})).status_code == 401
    hints = [entry for entry in logs if entry["event"] == "no_api_keys_configured"]
    assert hints and "API_KEYS" in hints[0]["detail"]


async def test_auth_disabled_opens_endpoints_with_a_loud_warning(make_settings) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_settings(auth_enabled=False))
    with capture_logs() as logs:
        async for client in open_client(app):
            response = await client.get("/api/v1/me")
            assert response.status_code == 200
            assert response.json()["key_label"] is None
    warnings = [entry for entry in logs if entry["log_level"] == "warning"]
    assert any("AUTHENTICATION IS DISABLED" in entry["event"] for entry in warnings)


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        (["nolabel"], "entry 1 must be"),
        (["ops:short"], "at least 8"),
        (["ops:sha256=abc"], "64 hex digits"),
        (["ops:aaaaaaaaaa", "ops:bbbbbbbbbb"], "used twice"),
        (["bad label:aaaaaaaaaa"], "label must be"),
    ],
)
def test_bad_key_entries_are_refused_without_echoing_secrets(entries: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message) as raised:
        parse_api_keys(entries)
    assert "aaaaaaaaaa" not in str(raised.value)


def test_every_key_is_compared_even_after_a_match(monkeypatch: pytest.MonkeyPatch) -> None:
    store = ApiKeyStore(parse_api_keys(["a:first-secret-1", "b:second-secret-2", "c:third-secret-3"]))
    compared: list[bytes] = []
    original = api_keys.hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:  # the real comparison, counted
        compared.append(b)
        return original(a, b)

    monkeypatch.setattr(api_keys.hmac, "compare_digest", counting)
    for presented, label in (("first-secret-1", "a"), ("third-secret-3", "c"), ("first-secret-", None)):
        compared.clear()
        assert store.authenticate(presented) == label
        assert len(compared) == 3  # a match on the first key stops nothing: timing says nothing


async def test_keys_never_reach_a_log_line(make_settings) -> None:  # type: ignore[no-untyped-def]
    """Run real requests with JSON logging to a captured stdout and look for any secret."""
    settings: Settings = make_settings(
        openai_api_key="sk-test-openai-secret-value",
        aws_secret_access_key="aws/secret/AbCdEfGhIjKlMnOpQrStUvWxYz012345",
    )
    buffer = io.BytesIO()

    fake = io.TextIOWrapper(buffer, encoding="utf-8", write_through=True)
    real_stdout = sys.stdout
    sys.stdout = fake
    try:
        app = create_app(settings)
        async for client in open_client(app):
            await client.get("/api/v1/me", headers={"X-API-Key": PLAIN_KEY})
            await client.get("/api/v1/me", headers={"Authorization": f"Bearer {HASHED_KEY}"})
            await client.get("/api/v1/me", headers={"X-API-Key": "wrong-guess-secret"})
            import structlog

            structlog.get_logger("test").warning(
                "diagnostic",
                headers={"authorization": f"Bearer {PLAIN_KEY}", "x-api-key": HASHED_KEY},
                note=f"client sent api_key={PLAIN_KEY} and Bearer {HASHED_KEY}",
                aws="AKIAABCDEFGHIJKLMNOP",
                config=settings.aws_secret_access_key,
            )
            import logging

            logging.getLogger("uvicorn.error").error("upstream said %s", settings.openai_api_key)
    finally:
        fake.flush()
        sys.stdout = real_stdout
    output = buffer.getvalue().decode()
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert any(line.get("event") == "request" for line in lines)
    assert any(line.get("event") == "diagnostic" for line in lines)
    for secret in (
        PLAIN_KEY,
        HASHED_KEY,
        "wrong-guess-secret",
        "sk-test-openai-secret-value",
        "AbCdEfGhIjKlMnOpQrStUvWxYz012345",
        "AKIAABCDEFGHIJKLMNOP",
    ):
        assert secret not in output, secret


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/orchestrate", b'{"task": "ping 127.0.0.1",'),  # malformed JSON
        ("/api/v1/orchestrate", json.dumps({"task": "x" * 900_000}).encode()),  # large and valid
        ("/api/v1/workflows", b"not json at all"),
        ("/v1/chat/completions", b"{"),
    ],
)
async def test_a_request_without_a_valid_key_is_refused_before_its_body_is_parsed(
    client: httpx.AsyncClient, path: str, body: bytes
) -> None:
    headers = {"Content-Type": "application/json"}
    for auth in ({}, {"X-API-Key": "wrong"}, {"Authorization": "Bearer wrong"}):
        response = await client.post(path, content=body, headers={**headers, **auth})
        assert response.status_code == 401, response.text
        assert response.json()["error"]["code"] == "unauthorized"
    # With a key, a malformed body is what is wrong.
    response = await client.post(path, content=b"{", headers={**headers, "X-API-Key": PLAIN_KEY})
    assert response.status_code == 422


async def test_a_throttled_caller_is_refused_before_its_body_is_parsed(make_settings) -> None:  # type: ignore[no-untyped-def]
    async for client in open_client(create_app(make_settings(rate_limit="1/minute"))):
        auth = {"X-API-Key": PLAIN_KEY, "Content-Type": "application/json"}
        assert (await client.post("/api/v1/orchestrate", content=b"{", headers=auth)).status_code == 422
        response = await client.post("/api/v1/orchestrate", content=b"{", headers=auth)
        assert response.status_code == 429 and response.json()["error"]["code"] == "rate_limited"
