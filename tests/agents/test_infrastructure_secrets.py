"""Secrets in compose and Kubernetes files: found by name, inside URLs and as private keys, told
apart from references, and never echoed: not in findings, summary, output or a YAML error."""

from __future__ import annotations

from typing import Any

import pytest

from app.agents.base import AgentContext
from app.agents.infrastructure.agent import ConfigInvalid, InfrastructureAgent, InfrastructureInput
from app.agents.infrastructure.config_audit import ConfigProblem, audit_config
from app.agents.infrastructure.secret_scan import is_secret_name
from app.security.target_policy import TargetPolicy
from tests.agents.test_infrastructure import (
    COMPOSE,
    KUBERNETES,
    SECRET,
    audit,
    compose,
    compose_service,
    k8s_container,
    k8s_workload,
    manifest,
)

pytestmark = pytest.mark.database_free  # left out of the PostgreSQL pass: tests/conftest.py


@pytest.mark.parametrize("config", [COMPOSE, KUBERNETES], ids=["compose", "kubernetes"])
async def test_secret_values_appear_nowhere_in_the_result(config: str) -> None:
    assert config.count(SECRET) >= 4
    result = await audit(config)
    secret_findings = [f for f in result.findings if f.code in ("plaintext_secret", "secret_in_url")]
    assert len(secret_findings) >= 3
    assert all("(value redacted)" in f.message for f in secret_findings)
    assert SECRET not in result.model_dump_json()
    assert SECRET not in result.summary and SECRET not in repr(result.output)


async def test_secret_findings_name_the_place_and_the_variable() -> None:
    messages = {f.message.split(" holds")[0] for f in (await audit(COMPOSE)).findings if "holds" in f.message}
    assert messages == {
        "service secrets: environment variable DB_PASSWORD",
        "service secrets: environment variable DATABASE_URL",
        "service secrets_list: environment variable STRIPE_API_KEY",
        "service secrets_list: environment variable REDIS_URL",
        "service consumer: environment variable AMQP_URL",  # guest:guest, a default login too
    }
    messages = {
        f.message.split(" holds")[0] for f in (await audit(KUBERNETES)).findings if "holds" in f.message
    }
    assert messages == {
        "StatefulSet db container db: environment variable DB_PASSWORD",
        "StatefulSet db container db: environment variable DATABASE_URL",
        "CronJob backup container dump: environment variable API_KEY",
        "ConfigMap settings: key DB_PASSWORD",
        "ConfigMap kerberos: binaryData key http.keytab",  # a keytab is a key, whatever its bytes
        "ConfigMap sops-age: key age.agekey",  # an age identity, whatever the key's name
    }


@pytest.mark.parametrize(
    "name",
    ["DB_PASSWORD", "PASSWORD", "db-passwd", "JWT_SECRET", "SECRET_KEY_BASE", "AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN",
     "api_key", "STRIPE_API_KEY", "apiKey", "dbPassword", "DBPASSWORD", "PRIVATE_KEY", "SIGNING_KEY",
     "GOOGLE_CREDENTIALS", "SSH_PASSPHRASE", "client.secret", "DB_PASS", "SMTP_PWD", "redis_pw"],
)  # fmt: skip
def test_secret_looking_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name",
    ["POSTGRES_PASSWORD_FILE", "TOKEN_TTL", "PASSWORD_MIN_LENGTH", "SECRET_NAME", "AWS_ACCESS_KEY_ID",
     "TOKENIZER_MODEL", "LOG_LEVEL", "API_KEY_HEADER", "PWD", "KEYCLOAK_URL", "SECRETARY", "AUTH_ENABLED",
     "BYPASS", "PASS_THROUGH", "SSL_PASSTHROUGH"],
)  # fmt: skip
def test_names_about_a_secret_are_not_secrets(name: str) -> None:
    assert not is_secret_name(name)


@pytest.mark.parametrize(
    "value",
    ["${DB_PASSWORD}", "$DB_PASSWORD", "${DB_PASSWORD:?set it}", "${DB_PASSWORD?set it}", "${DB_PASSWORD:-}", "",
     "true", None, "/run/secrets/db_password"],  # the last: where the secret is, not the secret
)  # fmt: skip
async def test_references_and_empty_values_are_not_secrets(value: Any) -> None:
    result = await audit(compose(web=compose_service(environment={"DB_PASSWORD": value})))
    assert [f.code for f in result.findings] == ["no_issues"]


async def test_kubernetes_references_are_not_secrets() -> None:
    env = [
        {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
        {"name": "ADMIN_PASSWORD", "value": "$(DB_PASSWORD)"},
        {"name": "DATABASE_URL", "value": "postgres://app:$(DB_PASSWORD)@db:5432/app"},
    ]
    container = k8s_container(env=env, envFrom=[{"secretRef": {"name": "db"}}])
    assert [
        f.code for f in (await audit(manifest(k8s_workload("Deployment", "api", [container])))).findings
    ] == ["no_issues"]


async def test_a_literal_default_of_a_reference_is_a_secret_in_the_file() -> None:
    result = await audit(
        compose(web=compose_service(environment={"DB_PASSWORD": f"${{DB_PASSWORD:-{SECRET}}}"}))
    )
    assert [(f.severity, f.code) for f in result.findings] == [("critical", "plaintext_secret")]
    assert "DB_PASSWORD falls back to a literal default (value redacted)" in result.findings[0].message
    assert SECRET not in result.model_dump_json()


@pytest.mark.parametrize(
    ("value", "flagged"),
    [
        (f"postgres://app:{SECRET}@db:5432/app", True),
        (f"postgresql+asyncpg://app:{SECRET}@db/app?ssl=true", True),
        (f"redis://:{SECRET}@redis:6379/0", True),
        (f"amqp://guest:{SECRET}@rabbit:5672//", True),
        (f"mongodb://app:{SECRET}@a:27017,b:27017/app", True),
        ("postgres://app:${DB_PASSWORD}@db:5432/app", False),
        ("postgres://app@db:5432/app", False),
        ("https://example.com:8443/path?x=a@b", False),
        ("https://example.com/contact@team", False),
    ],
)  # fmt: skip
async def test_credentials_inside_a_url_are_flagged_whatever_the_name(value: str, flagged: bool) -> None:
    result = await audit(compose(web=compose_service(environment={"UPSTREAM": value})))
    codes = [f.code for f in result.findings]
    assert codes == (["secret_in_url"] if flagged else ["no_issues"])
    assert SECRET not in result.model_dump_json()


async def test_a_password_inside_database_url_is_critical_in_both_formats() -> None:
    url = f"postgres://app:{SECRET}@db:5432/app"
    in_compose = await audit(compose(web=compose_service(environment=[f"DATABASE_URL={url}"])))
    pod = k8s_workload("Deployment", "api", [k8s_container(env=[{"name": "DATABASE_URL", "value": url}])])
    in_kubernetes = await audit(manifest(pod))
    for result in (in_compose, in_kubernetes):
        assert [(f.severity, f.code) for f in result.findings] == [("critical", "secret_in_url")]
        assert "DATABASE_URL" in result.findings[0].message
        assert SECRET not in result.model_dump_json()


async def test_a_private_key_in_any_variable_is_a_secret() -> None:
    key = f"-----BEGIN OPENSSH PRIVATE KEY-----\n{SECRET}\n-----END OPENSSH PRIVATE KEY-----"
    result = await audit(compose(web=compose_service(environment={"DEPLOY_IDENTITY": key})))
    assert [(f.severity, f.code) for f in result.findings] == [("critical", "plaintext_secret")]
    assert SECRET not in result.model_dump_json()


BROKEN = [
    f"services:\n  web:\n    environment: {{DB_PASSWORD: '{SECRET}\n",
    f"services:\n  web:\n    environment:\n      DB_PASSWORD: {SECRET} [\n   bad: : :\n",
    f"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - env: [{{name: TOKEN, value: {SECRET}}}\n\t",
]


@pytest.mark.parametrize("text", BROKEN)
def test_a_yaml_error_reports_a_position_never_the_line(text: str) -> None:
    with pytest.raises(ConfigProblem) as raised:
        audit_config(text)
    assert SECRET not in str(raised.value)
    assert str(raised.value).startswith("not valid YAML at line ")


async def test_the_agents_422_does_not_echo_the_secret() -> None:
    context = AgentContext(input=InfrastructureInput(config=BROKEN[0]), target_policy=TargetPolicy())
    with pytest.raises(ConfigInvalid) as raised:
        await InfrastructureAgent().execute("audit", context)
    assert SECRET not in str(raised.value) and SECRET not in repr(raised.value.__dict__)


# Secrets on command lines: shown by `ps`, `docker inspect` and the pod spec.
COMMAND_LINES: list[tuple[Any, str | None]] = [
    (f"redis-server --requirepass {SECRET} --appendonly yes", "--requirepass"),
    (["redis-server", "--requirepass", "$(REDIS_PASSWORD)"], None),
    (["sh", "-c", f"redis-cli -a {SECRET} ping | grep PONG"], "-a"),
    (["sh", "-c", 'redis-cli -a "$REDIS_PASSWORD" ping'], None),
    (["mysqladmin", "ping", "-uroot", f"-p{SECRET}"], "-p"),
    (["mysqladmin", "ping", "-uroot", "-p$$MYSQL_ROOT_PASSWORD"], None),
    (f"PGPASSWORD={SECRET} pg_dump -h db app", "PGPASSWORD"),
    (["--db-password=" + SECRET], "--db-password"),
    (["--token", SECRET], "--token"),
    (["curl", "-f", f"http://admin:{SECRET}@localhost:8080/health"], "URL"),
    (["--tls-private-key-file=/etc/tls/key.pem"], None),
    (["--private-key", "/etc/tls/key.pem"], None),
    (["--password-file=/run/secrets/db"], None),
    (["--token-ttl", "3600"], None),
    (["/bin/server", "--port", "8080", "--auth", "none"], None),
    (["sh", "-c", "echo 'unbalanced"], None),
    (["psql", "-p", "5432", "-U", "app"], None),
]


@pytest.mark.parametrize(("command", "flag"), COMMAND_LINES)
async def test_a_literal_secret_on_a_command_line_is_found_and_not_echoed(
    command: Any, flag: str | None
) -> None:
    from_compose = await audit(compose(cache=compose_service(command=command)))
    args = command if isinstance(command, list) else ["sh", "-c", command]
    from_kubernetes = await audit(
        manifest(k8s_workload("Deployment", "cache", [k8s_container(args=args)], replicas=2))
    )
    for result in (from_compose, from_kubernetes):
        risky = [f for f in result.findings if f.severity != "info"]
        if flag is None:
            assert risky == [], [f.message for f in risky]
            continue
        assert [f.code for f in risky] == ["secret_in_url" if flag == "URL" else "plaintext_secret"]
        assert "value redacted)" in risky[0].message
        assert flag == "URL" or f"({flag}, value redacted)" in risky[0].message
        assert SECRET not in result.model_dump_json()


async def test_healthchecks_and_probes_are_command_lines_too() -> None:
    service = compose_service(healthcheck={"test": ["CMD", "redis-cli", "-a", SECRET, "ping"]})
    probe = {"exec": {"command": ["redis-cli", "-a", SECRET, "ping"]}}
    pod = k8s_workload("Deployment", "cache", [k8s_container(livenessProbe=probe)], replicas=2)
    for result, place in (
        (await audit(compose(cache=service)), "healthcheck"),
        (await audit(manifest(pod)), "livenessProbe"),
    ):
        assert [(f.severity, f.code) for f in result.findings] == [("critical", "plaintext_secret")]
        assert f"on its {place} (-a, value redacted)" in result.findings[0].message
        assert SECRET not in result.model_dump_json()


@pytest.mark.parametrize(
    ("key", "value", "flagged"),
    [("SESSION_TOKEN_AUDIENCE", "notifier", False), ("SECRET_ROTATION_DAYS", "90", False),
     ("PASSWORD_RESET_LINK_TTL", "30m", False), ("API_TOKEN", "720h", False), ("API_TOKEN", SECRET, True)],
)  # fmt: skip
async def test_settings_about_secrets_are_not_secrets(key: str, value: str, flagged: bool) -> None:
    result = await audit(compose(app=compose_service(environment={key: value})))
    assert ("plaintext_secret" in {f.code for f in result.findings}) is flagged
