"""The installed `orchestrator` console script against a live app on loopback: output and exit
codes for success, a critical finding, and a bad key."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.uvicorn_process import clean_env, start, stop

KEY = "cli-test-key-1234"
SCRIPT = Path(sys.executable).parent / "orchestrator"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("cli")
    env = clean_env(API_KEYS=f"ops:{KEY}", NETWORK_ALLOW_TARGETS="127.0.0.0/8", LOG_LEVEL="WARNING",
                    DATABASE_URL=f"sqlite+aiosqlite:///{folder / 'cli.db'}")  # fmt: skip
    process, base = start(folder, ["app.main:app"], env)
    yield base
    stop(process)


def cli(server: str, *args: str, key: str = KEY) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORCHESTRATOR_")}
    env.update(
        ORCHESTRATOR_URL=server, ORCHESTRATOR_API_KEY=key, HOME=str(Path(server).anchor or "/nonexistent")
    )
    return subprocess.run(  # noqa: S603 - our own console script
        [str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.fixture
def ports() -> Iterator[tuple[int, int]]:
    with socket.socket() as listener, socket.socket() as probe:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
        probe.close()
        yield listener.getsockname()[1], closed


def test_script_is_installed() -> None:
    assert SCRIPT.exists(), "pip install -e . installs the orchestrator console script"


def test_ask_success_exits_0(server: str, ports: tuple[int, int]) -> None:
    result = cli(server, "ask", f"check connectivity to 127.0.0.1 on port {ports[0]}")
    assert result.returncode == 0, result.stderr
    assert "accepts TCP" in result.stdout and "network_diagnostics (completed)" in result.stdout


def test_critical_finding_exits_3(server: str, ports: tuple[int, int]) -> None:
    result = cli(server, "--json", "ask", f"is port {ports[1]} open on 127.0.0.1")
    assert result.returncode == 3, result.stderr
    run = json.loads(result.stdout)
    assert run["results"][0]["findings"][0]["code"] == "port_refused"


def test_bad_key_exits_1_with_a_message(server: str) -> None:
    result = cli(server, "agents", key="wrong-key-000000")
    assert result.returncode == 1
    assert "401 unauthorized" in result.stderr


def test_agents_workflows_and_runs(server: str, ports: tuple[int, int]) -> None:
    agents = cli(server, "agents")
    assert agents.returncode == 0 and "network_diagnostics" in agents.stdout and "AGENT" in agents.stdout
    flows = cli(server, "workflows", "list")
    assert "network_diagnostics_workflow" in flows.stdout
    run = cli(server, "--json", "workflows", "run", "network_diagnostics_workflow", "--input", "target=127.0.0.1",
              "--input", f"port={ports[0]}")  # fmt: skip
    # The listener accepts TCP but never answers HTTP: the workflow's http step finds that critical.
    assert run.returncode == 3, run.stderr
    execution_id = json.loads(run.stdout)["execution_id"]
    listed = cli(server, "runs", "list")
    assert execution_id in listed.stdout
    shown = cli(server, "runs", "show", execution_id)
    assert shown.returncode == 3 and "workflow" in shown.stdout and "accepts TCP" in shown.stdout
    followed = cli(server, "runs", "follow", execution_id)
    assert followed.returncode == 0 and "execution_finished" in followed.stdout


def test_usage_errors_exit_2(server: str) -> None:
    assert cli(server, "frobnicate").returncode == 2
