"""Third-party agents: the worked example of docs/ADDING_AGENTS.md, pip-installed and used."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app.agents.registry import AgentRegistry
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "port-reference-agent"


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pip-install the example into a private directory (the test venv stays untouched)."""
    target = tmp_path_factory.mktemp("plugin-site")
    subprocess.run(  # noqa: S603 - our interpreter, fixed arguments
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(EXAMPLE)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return target


def run_with_plugin(plugin_site: Path, code: str) -> dict[str, object]:
    settings_vars = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in settings_vars}
    env["PYTHONPATH"] = os.pathsep.join([str(plugin_site), str(ROOT)])
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env, capture_output=True, text=True, timeout=120, check=False, cwd=plugin_site,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_installed_plugin_is_listed_routed_and_run(plugin_site: Path) -> None:
    output = run_with_plugin(
        plugin_site,
        """
        import asyncio, json, httpx, logging
        from asgi_lifespan import LifespanManager
        from app.main import create_app
        from app.settings import Settings

        async def main():
            app = create_app(Settings(_env_file=None, api_keys=["ops:plugin-test-key"], log_level="ERROR",
                                      database_url="sqlite+aiosqlite:///./t.db"))
            async with LifespanManager(app) as manager:
                transport = httpx.ASGITransport(app=manager.app)
                async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                    headers = {"X-API-Key": "plugin-test-key"}
                    agents = (await client.get("/api/v1/agents", headers=headers)).json()["agents"]
                    run = (await client.post("/api/v1/orchestrate", headers=headers,
                           json={"task": "what normally listens on port 5432, which software?"})).json()
            print(json.dumps({"agents": [a["id"] for a in agents], "run": run}))

        asyncio.run(main())
        """,
    )
    assert "port_reference" in output["agents"]  # type: ignore[operator]
    run = output["run"]
    assert run["routing"]["agents"] == ["port_reference"]  # type: ignore[index]
    assert "PostgreSQL" in run["results"][0]["summary"]  # type: ignore[index]


def test_a_broken_plugin_is_logged_and_skipped(tmp_path: Path) -> None:
    dist = tmp_path / "broken_agent-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-agent\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[ops_orchestrator.agents]\nbroken = no_such_module:Agent\n")
    sys.path.insert(0, str(tmp_path))
    try:
        registry = AgentRegistry()
        assert registry.load_entry_points() == []
        assert registry.list() == []
    finally:
        sys.path.remove(str(tmp_path))
