"""Every setting of the service, read once from the environment and an optional `.env`."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal
from urllib.parse import unquote, urlsplit

from limits import parse_many
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.security.api_keys import parse_api_keys

CommaList = Annotated[list[str], NoDecode]
ProviderName = Literal["offline", "bedrock", "openai", "ollama"]


class InvalidSettings(ValueError):
    """Raised when the configuration cannot start the service; the message names each bad variable."""


def _split_commas(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    """The service's configuration; field names are the environment variables, case-insensitive."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True)

    # Security
    api_keys: CommaList = Field(default_factory=list, repr=False)
    auth_enabled: bool = True
    admin_key_labels: CommaList = Field(default_factory=list)
    rate_limit: str = "60/minute"
    rate_limit_fail_mode: Literal["open", "closed"] = "open"
    trusted_proxies: CommaList = Field(default_factory=list)
    max_request_bytes: int = Field(default=1_048_576, gt=0)
    cors_origins: CommaList = Field(default_factory=list)
    docs_enabled: bool = True
    console_enabled: bool = True
    mcp_enabled: bool = True  # the Model Context Protocol endpoint at /mcp
    # The path prefix a proxy serves the app under ("/ops"): links the app makes carry it.
    root_path: str = Field(default="", max_length=200, pattern=r"^(/[A-Za-z0-9._~-]+)*$")

    # Storage and shared state
    database_url: str = "sqlite+aiosqlite:///./data/orchestrator.db"
    db_migrate_on_start: bool = True
    execution_retention_days: float = Field(default=30.0, gt=0, le=3650)
    lease_seconds: float = Field(default=15.0, ge=1, le=600)
    redis_url: str | None = Field(default=None, repr=False)
    redis_timeout_seconds: float = Field(default=0.25, gt=0, le=10)

    # LLM providers
    llm_provider: ProviderName = "offline"
    llm_fallbacks: CommaList = Field(default_factory=list)
    bedrock_model_id: str = "anthropic.claude-3-5-haiku-20241022-v1:0"
    aws_region: str = "us-east-1"
    bedrock_endpoint_url: str | None = None
    # Normally supplied by the AWS credential chain (botocore's); read here only to keep them out of logs.
    aws_access_key_id: str | None = Field(default=None, repr=False)
    aws_secret_access_key: str | None = Field(default=None, repr=False)
    aws_session_token: str | None = Field(default=None, repr=False)
    openai_api_key: str | None = Field(default=None, repr=False)
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    ollama_base_url: str = "http://localhost:11434"
    ollama_model: str = "llama3.2:3b"
    llm_call_timeout_seconds: float = Field(default=20.0, gt=0, le=300)
    llm_deadline_seconds: float = Field(default=30.0, gt=0, le=600)
    llm_max_retries: int = Field(default=2, ge=0, le=10)
    llm_concurrency: int = Field(default=256, ge=1, le=4096)
    llm_max_tokens: int = Field(default=512, ge=16, le=32768)
    llm_circuit_threshold: int = Field(default=5, ge=1, le=1000)
    llm_circuit_ttl_seconds: float = Field(default=30.0, gt=0, le=3600)
    llm_router_threshold: float = Field(default=0.7, gt=0, le=1)
    llm_price_input_per_mtok: float | None = Field(default=None, ge=0)
    llm_price_output_per_mtok: float | None = Field(default=None, ge=0)

    # Network diagnostics target policy
    network_allow_targets: CommaList = Field(default_factory=list)
    network_deny_targets: CommaList = Field(default_factory=list)
    # `deny`: only what NETWORK_ALLOW_TARGETS names can be probed (the safe way to try the
    # service on a laptop: NETWORK_ALLOW_TARGETS=127.0.0.0/8,localhost).
    network_default_policy: Literal["allow", "deny"] = "allow"

    # Network diagnostics
    dns_nameservers: CommaList = Field(default_factory=list)
    network_check_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    network_max_ports: int = Field(default=1024, ge=1, le=65535)
    network_probe_concurrency: int = Field(default=256, ge=1, le=4096)
    tls_ca_file: str | None = None

    # Log analysis and system monitoring
    log_roots: CommaList = Field(default_factory=lambda: ["/var/log"])
    log_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024, le=512 * 1024 * 1024)
    cpu_warning_percent: float = Field(default=85.0, gt=0, le=100)
    cpu_critical_percent: float = Field(default=95.0, gt=0, le=100)
    memory_warning_percent: float = Field(default=85.0, gt=0, le=100)
    memory_critical_percent: float = Field(default=95.0, gt=0, le=100)
    disk_warning_percent: float = Field(default=85.0, gt=0, le=100)
    disk_critical_percent: float = Field(default=95.0, gt=0, le=100)

    # Agents and orchestration
    agent_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    agent_max_timeout_seconds: float = Field(default=120.0, gt=0, le=3600)
    routing_min_confidence: float = Field(default=0.5, gt=0, lt=1)
    workflow_max_steps: int = Field(default=50, ge=1, le=500)
    # Workflows one API key may have running at once (across replicas); more is 429.
    max_running_workflows_per_key: int = Field(default=20, ge=1, le=10_000)
    workflow_resume: bool = True
    agent_plugins_enabled: bool = True

    # Observability
    metrics_enabled: bool = True
    metrics_require_key: bool = False

    # Health and logging
    health_check_timeout_seconds: float = Field(default=1.0, gt=0, le=30)
    health_cache_seconds: float = Field(default=2.0, ge=0, le=60)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["json", "console"] = "json"

    @field_validator(
        "api_keys",
        "admin_key_labels",
        "trusted_proxies",
        "cors_origins",
        "llm_fallbacks",
        "network_allow_targets",
        "network_deny_targets",
        "dns_nameservers",
        "log_roots",
        mode="before",
    )
    @classmethod
    def _split(cls, value: object) -> object:
        return _split_commas(value)

    @field_validator("api_keys")
    @classmethod
    def _valid_keys(cls, value: list[str]) -> list[str]:
        parse_api_keys(value)
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("rate_limit")
    @classmethod
    def _valid_rate_limit(cls, value: str) -> str:
        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(f"not a rate limit such as '60/minute': {exc}") from None
        return value

    @field_validator("llm_fallbacks")
    @classmethod
    def _known_providers(cls, value: list[str]) -> list[str]:
        known = {"offline", "bedrock", "openai", "ollama"}
        unknown = [name for name in value if name not in known]
        if unknown:
            raise ValueError(f"unknown provider(s) {unknown}; choose from {sorted(known)}")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_networks(cls, value: list[str]) -> list[str]:
        networks = []
        for entry in value:
            try:
                networks.append(str(ipaddress.ip_network(entry, strict=False)))  # 10.0.0.7 -> 10.0.0.7/32
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or CIDR") from None
        return networks

    @field_validator("network_allow_targets", "network_deny_targets")
    @classmethod
    def _valid_targets(cls, value: list[str]) -> list[str]:
        from app.errors import InvalidTarget
        from app.security.target_policy import TargetPolicy

        try:
            TargetPolicy(value)
        except InvalidTarget as exc:
            raise ValueError(exc.message) from None
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "use an async SQLAlchemy URL: sqlite+aiosqlite:///path or postgresql+asyncpg://..."
            )
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value or None

    @property
    def secret_values(self) -> list[str]:
        """Every configured secret, so the log redactor can scrub it wherever it appears."""
        plain = [
            entry.partition(":")[2]
            for entry in self.api_keys
            if not entry.partition(":")[2].startswith("sha256=")
        ]
        others = [
            self.openai_api_key,
            self.aws_secret_access_key,
            self.aws_session_token,
            _url_password(self.redis_url),
            _url_password(self.database_url),
        ]
        found = plain + [value for value in others if value]
        # A URL's password is percent-encoded in the URL and plain once decoded: scrub both.
        return list(dict.fromkeys([*found, *(unquote(value) for value in found)]))

    @property
    def llm_price_override(self) -> tuple[float, float] | None:
        if self.llm_price_input_per_mtok is None or self.llm_price_output_per_mtok is None:
            return None
        return (self.llm_price_input_per_mtok, self.llm_price_output_per_mtok)


def _url_password(url: str | None) -> str | None:
    if not url:
        return None
    return urlsplit(url).password


def load_settings() -> Settings:
    """Read settings from the environment, turning validation errors into one readable message."""
    try:
        return Settings()
    except ValidationError as exc:
        raise InvalidSettings(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    lines = ["invalid configuration:"]
    for error in exc.errors():
        variable = ".".join(str(part) for part in error["loc"]).upper() or "SETTINGS"
        lines.append(f"  {variable}: {error['msg']}")
    return "\n".join(lines)
