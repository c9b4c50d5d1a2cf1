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


def test_every_file_the_app_reads_at_run_time_is_package_data() -> None:
    """An installed wheel (the container image) must carry the console's page and assets, the
    prompts, migrations' template and the shipped workflows, not only the Python modules."""
    import tomllib
    from fnmatch import fnmatch

    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    for package in ("app.console", "app.llm.prompts", "app.orchestration.definitions"):
        folder = ROOT / package.replace(".", "/")
        files = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()]
        runtime = [f for f in files if not f.endswith((".py", ".pyc")) and "__pycache__" not in f]
        assert runtime, package
        missing = [f for f in runtime if not any(fnmatch(f, pattern) for pattern in data.get(package, []))]
        assert missing == [], f"{package}: {missing} would not be installed"
