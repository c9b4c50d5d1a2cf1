"""Container files say what the docs promise: slim, non-root, health-checked, with its dependencies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_dockerfile_is_multistage_nonroot_and_health_checked() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.count("FROM ") >= 2
    assert "-slim" in dockerfile
    user_lines = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("USER ")]
    assert user_lines and user_lines[-1] not in {"root", "0"}
    assert "HEALTHCHECK" in dockerfile and "/api/v1/health/live" in dockerfile
    # The service alone decides whose X-Forwarded-For is believed (TRUSTED_PROXIES).
    assert "--no-proxy-headers" in dockerfile and "FORWARDED_ALLOW_IPS" not in dockerfile
    assert '"app.main:app"' in dockerfile


def test_compose_runs_app_with_postgres_and_redis_health_checked() -> None:
    compose: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) >= {"app", "postgres", "redis"}
    for name in ("postgres", "redis"):
        assert "healthcheck" in services[name]
        assert services["app"]["depends_on"][name]["condition"] == "service_healthy"
    env = services["app"]["environment"]
    assert env["DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert env["REDIS_URL"].startswith("redis://")
    named_volumes = set(compose["volumes"])
    for name in ("postgres", "redis"):
        mounts = [v.split(":")[0] for v in services[name]["volumes"]]
        assert set(mounts) & named_volumes, f"{name} keeps its data in a named volume"
