"""Settings: every contract variable, defaults that start with no configuration, one clear error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.settings import InvalidSettings, Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
CONTRACT_VARIABLES = [
    "API_KEYS", "AUTH_ENABLED", "DATABASE_URL", "REDIS_URL", "RATE_LIMIT", "MAX_REQUEST_BYTES",
    "LLM_PROVIDER", "LLM_FALLBACKS", "BEDROCK_MODEL_ID", "AWS_REGION", "BEDROCK_ENDPOINT_URL",
    "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", "OLLAMA_BASE_URL", "OLLAMA_MODEL",
    "NETWORK_ALLOW_TARGETS", "NETWORK_DENY_TARGETS", "LOG_LEVEL", "LOG_FORMAT", "CORS_ORIGINS",
]  # fmt: skip


def test_defaults_match_the_contract() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.api_keys == []
    assert settings.auth_enabled is True
    assert settings.database_url == "sqlite+aiosqlite:///./data/orchestrator.db"
    assert settings.redis_url is None
    assert settings.rate_limit == "60/minute"
    assert settings.max_request_bytes == 1_048_576
    assert settings.llm_provider == "offline"
    assert settings.aws_region == "us-east-1"
    assert settings.ollama_base_url == "http://localhost:11434"
    assert (settings.log_level, settings.log_format) == ("INFO", "json")
    assert settings.cors_origins == []


def test_every_variable_is_a_setting_and_in_env_example() -> None:
    fields = {name.upper() for name in Settings.model_fields}
    example = (ROOT / ".env.example").read_text()
    documented = {line.split("=")[0].lstrip("# ").strip() for line in example.splitlines() if "=" in line}
    for variable in CONTRACT_VARIABLES:
        assert variable in fields, variable
    assert fields <= documented, sorted(fields - documented)


def test_comma_lists_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example")
    monkeypatch.setenv("LLM_FALLBACKS", "openai,offline")
    monkeypatch.setenv("API_KEYS", "ops:abcdefgh12,bot:sha256=" + "a" * 64)
    settings = load_settings()
    assert settings.cors_origins == ["https://a.example", "https://b.example"]
    assert settings.llm_fallbacks == ["openai", "offline"]
    assert len(settings.api_keys) == 2


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("RATE_LIMIT", "lots", "RATE_LIMIT"),
        ("LLM_PROVIDER", "gpt5", "LLM_PROVIDER"),
        ("LLM_FALLBACKS", "offline,skynet", "LLM_FALLBACKS"),
        ("DATABASE_URL", "postgresql://sync/driver", "DATABASE_URL"),
        ("MAX_REQUEST_BYTES", "-1", "MAX_REQUEST_BYTES"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT"),
        ("TRUSTED_PROXIES", "not-a-network", "TRUSTED_PROXIES"),
        ("API_KEYS", "ops:tiny", "API_KEYS"),
    ],
)
def test_invalid_settings_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(InvalidSettings) as raised:
        load_settings()
    assert expected in str(raised.value)


def test_invalid_settings_stop_startup_with_one_clear_message(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k.upper() not in {f.upper() for f in Settings.model_fields}}
    env.update(RATE_LIMIT="often", API_KEYS="ops:tiny-secret-but-short", PYTHONPATH=str(ROOT))
    env["API_KEYS"] = "ops:short"
    result = subprocess.run(  # noqa: S603 - fixed argv, our own interpreter
        [sys.executable, "-c", "import app.main; app.main.app"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "invalid configuration" in result.stderr
    assert "RATE_LIMIT" in result.stderr and "API_KEYS" in result.stderr
    assert "short" not in result.stderr.replace("at least", "")  # the secret is not echoed
