"""No secret pasted into a request leaves the process: not to an LLM provider, not into the
database (executions, events, audit, usage), not into a log line, tracebacks included."""

from __future__ import annotations

import json
import logging

import pytest
import structlog
from sqlalchemy import select

from app.main import create_app
from app.observability.logging import configure_logging
from app.security.redaction import SecretRedactor
from app.settings import Settings
from app.storage.db import Database
from app.storage.models import Base
from tests.conftest import PLAIN_KEY, open_client
from tests.llm.standins import Script

AUTH = {"X-API-Key": PLAIN_KEY}
PASSWORD = "Pa55w0rd-FAKE-61"
AWS_KEY_ID = "AKIAIOSFODNN7FAKEKEY"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKEKEY0042"
BEARER = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvcHMifQ.FAKEsig42"
URL_PASSWORD = "urlPass-FAKE-97"
SECRETS = (PASSWORD, AWS_KEY_ID, AWS_SECRET, BEARER, URL_PASSWORD)

LOG = "\n".join(
    [
        "2026-05-01T12:00:00Z INFO worker: starting with "
        f"AWS_ACCESS_KEY_ID={AWS_KEY_ID} AWS_SECRET_ACCESS_KEY={AWS_SECRET}",
        "2026-05-01T12:00:01Z INFO http: GET /healthz 200",
        f"2026-05-01T12:00:02Z ERROR db: could not connect to postgres://orders:{URL_PASSWORD}"
        "@db.internal:5432/orders: connection refused",
        f"2026-05-01T12:00:03Z ERROR auth: upstream rejected Authorization: Bearer {BEARER}",
        f'2026-05-01T12:00:04Z ERROR config: login failed for admin {{"user": "admin", "password": "{PASSWORD}"}}',
        f"2026-05-01T12:00:05Z ERROR db: could not connect to postgres://orders:{URL_PASSWORD}"
        "@db.internal:5432/orders: connection refused",
    ]
)


def leaked(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


@pytest.mark.parametrize(
    "text",
    [
        f"DATABASE_URL=postgres://orders:{URL_PASSWORD}@db.internal/orders",
        f'{{"password": "{PASSWORD}"}}',
        f"- name: DB_PASSWORD\n  value: {PASSWORD}",
        f'- name: DB_PASSWORD\n  value: "{PASSWORD}"',
        f"aws_access_key_id = {AWS_KEY_ID}\naws_secret_access_key = {AWS_SECRET}",
        f'"SecretAccessKey": "{AWS_SECRET}"',
        f"curl -H 'Authorization: Bearer {BEARER}'",
        f"GET /login?user=ops&password={PASSWORD}&next=/",
        f"-----BEGIN OPENSSH PRIVATE KEY-----\n{PASSWORD}\n-----END OPENSSH PRIVATE KEY-----",
    ],
)
def test_each_kind_of_secret_is_scrubbed_and_its_name_kept(text: str) -> None:
    scrubbed = SecretRedactor().scrub(text)
    assert leaked(scrubbed) == []
    assert "[redacted]" in scrubbed


@pytest.mark.parametrize(
    "name",
    ["PASSWORD", "Api_Key", "\u017fecret", "TO\u212aEN", "ap\u0131_key", "X-AUTH-TOKEN"],
    ids=["upper", "mixed", "long-s", "kelvin-sign", "dotless-i", "header"],
)
def test_secret_names_in_any_case_are_caught_by_the_quick_scan(name: str) -> None:
    """The patterns match names case-insensitively; the scan that lets most strings through
    before them must let none of these through (it folds case instead of using `(?i)`)."""
    scrubbed = SecretRedactor().scrub(f"{name}={PASSWORD} next")
    assert leaked(scrubbed) == []
    assert scrubbed.endswith("[redacted] next")


def test_words_about_secrets_and_token_counts_are_not_secrets() -> None:
    redactor = SecretRedactor()
    for text in (
        "FATAL: password authentication failed for user orders",
        "usage: input_tokens=120 output_tokens=18",
        "see https://docs.example.com/a@b and mail ops@example.com",
    ):
        assert redactor.scrub(text) == text


async def test_no_secret_from_a_pasted_log_reaches_the_llm_the_database_or_the_logs(  # type: ignore[no-untyped-def]
    make_settings, openai_url: str, openai_script: Script, capfd: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings(
        llm_provider="openai", openai_base_url=openai_url, openai_api_key="sk-test", log_level="DEBUG"
    )
    task = (
        "orders api is down since the deploy, what happened? "
        f"It uses DATABASE_URL=postgres://orders:{URL_PASSWORD}@db.internal/orders"
    )
    async for client in open_client(create_app(settings)):
        response = await client.post(
            "/api/v1/orchestrate",
            json={"task": task, "agent_id": "log_analysis", "context": {"logs": LOG}},
            headers=AUTH,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["results"][0]["llm"]["used"] is True
        execution_id = body["execution_id"]
        events = await client.get(f"/api/v1/executions/{execution_id}/events", headers=AUTH)
        assert leaked(events.text) == []

    # The model was asked, about the log, and saw none of the secrets.
    assert openai_script.calls
    sent = json.dumps([call["body"] for call in openai_script.calls])
    assert "connection refused" in sent
    assert leaked(sent) == []
    assert "[redacted]" in sent

    # Nothing stored holds a secret: every row of every table.
    database = Database(settings.database_url)
    stored: list[str] = []
    try:
        async with database.sessions() as session:
            for table in Base.metadata.sorted_tables:
                rows = (await session.execute(select(table))).all()
                stored.append(json.dumps([list(row) for row in rows], default=str))
    finally:
        await database.close()
    assert execution_id in "".join(stored)
    assert leaked("".join(stored)) == []

    output = capfd.readouterr()
    assert execution_id in output.out  # the log lines of the run were written
    assert leaked(output.out + output.err) == []


def test_exception_text_in_log_lines_is_scrubbed(capfd: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "json", known_secrets=["configured-FAKE-secret"])
    log = structlog.get_logger("test")
    try:
        raise RuntimeError(
            f"connect to postgres://orders:{URL_PASSWORD}@db.internal failed, configured-FAKE-secret"
        )
    except RuntimeError:
        log.exception("query_failed")
    try:
        raise ValueError(f"bad header Authorization: Bearer {BEARER}")
    except ValueError:
        logging.getLogger("uvicorn.error").exception("stdlib_failure")
    out = capfd.readouterr().out
    assert "query_failed" in out and "stdlib_failure" in out and "RuntimeError" in out
    assert leaked(out) == [] and "configured-FAKE-secret" not in out


def test_the_database_password_is_a_known_secret_encoded_and_decoded() -> None:
    settings = Settings(_env_file=None, database_url="postgresql+asyncpg://app:p%40ss-FAKE@db.internal/app")  # type: ignore[call-arg]
    assert {"p%40ss-FAKE", "p@ss-FAKE"} <= set(settings.secret_values)
