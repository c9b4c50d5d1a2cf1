"""The installed `orchestrator` console script against a live app on loopback: output and exit
codes for success, a critical finding, a bad key and bad usage; global options on either side of
the command; workflow inputs read by their declared types; the task column of `runs list`."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.cli.errors import UsageError
from app.cli.inputs import coerce_inputs, group_inputs
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


def cli(
    server: str, *args: str, key: str = KEY, url: str | None = None, columns: int = 120
) -> subprocess.CompletedProcess[str]:
    """Run the script with ORCHESTRATOR_URL (the server unless `url`) and ORCHESTRATOR_API_KEY set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORCHESTRATOR_")}
    env.update(
        ORCHESTRATOR_URL=url or server,
        ORCHESTRATOR_API_KEY=key,
        HOME=str(Path(server).anchor or "/nonexistent"),
        COLUMNS=str(columns),
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


def test_usage_errors_of_our_own_exit_2_with_one_line(server: str) -> None:
    for args in (["workflows", "run"], ["runs", "show"], ["ask", "x", "--context", "[1]"]):
        result = cli(server, *args)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.startswith("orchestrator: ") and "Traceback" not in result.stderr


def _agent_ids(result: subprocess.CompletedProcess[str]) -> set[str]:
    assert result.returncode == 0, result.stderr
    return {agent["id"] for agent in json.loads(result.stdout)}


def test_global_options_work_after_the_command(server: str, ports: tuple[int, int]) -> None:
    nowhere = f"http://127.0.0.1:{ports[1]}"  # the environment points at a closed port, with a bad key
    after = cli(
        server, "agents", "--url", server, "--api-key", KEY, "--json", url=nowhere, key="wrong-key-000000"
    )
    assert "network_diagnostics" in _agent_ids(after)
    before = cli(
        server, "--url", server, "--api-key", KEY, "--json", "agents", url=nowhere, key="wrong-key-000000"
    )
    assert _agent_ids(before) == _agent_ids(after)
    # The command's own copy of --json must not reset the one given before the command.
    assert json.loads(cli(server, "--json", "runs", "list").stdout) == json.loads(
        cli(server, "runs", "list", "--json").stdout
    )
    # Without the options the environment still decides: a closed port, then the bad key.
    assert cli(server, "agents", url=nowhere).returncode == 1
    assert "401 unauthorized" in cli(server, "agents", "--json", key="wrong-key-000000").stderr


def _run_inputs(server: str, workflow: str, *inputs: str) -> dict[str, Any]:
    """Run `workflow` with `--input` items and return the input_data the service stored."""
    args = [arg for item in inputs for arg in ("--input", item)]
    result = cli(server, "workflows", "run", workflow, *args, "--json")
    assert result.returncode in (0, 3), result.stderr
    stored: dict[str, Any] = json.loads(result.stdout)["input"]["input_data"]
    return stored


@pytest.mark.parametrize(
    "inputs",
    [
        ["endpoints=127.0.0.1:{closed}", "endpoints=127.0.0.2:{closed}"],  # repeated
        ["endpoints=127.0.0.1:{closed}, 127.0.0.2:{closed}"],  # a comma list, for a list input
        ['endpoints=["127.0.0.1:{closed}", "127.0.0.2:{closed}"]'],  # JSON still works
    ],
    ids=["repeated", "comma", "json"],
)
def test_list_inputs_from_repeats_commas_or_json(
    server: str, ports: tuple[int, int], inputs: list[str]
) -> None:
    closed = ports[1]
    stored = _run_inputs(server, "certificate_audit", *[item.format(closed=closed) for item in inputs])
    assert stored == {"endpoints": [f"127.0.0.1:{closed}", f"127.0.0.2:{closed}"]}


def test_numbers_become_numbers_and_strings_stay_strings(server: str, ports: tuple[int, int]) -> None:
    stored = _run_inputs(server, "incident_triage", "target=127.0.0.1", f"port={ports[1]}", "logs=404")
    assert stored["port"] == ports[1] and stored["logs"] == "404"


@pytest.mark.parametrize(
    ("workflow", "inputs", "message"),
    [
        (
            "network_diagnostics_workflow",
            ["target=127.0.0.1", "port=abc"],
            "input 'port' wants an integer, not 'abc'",
        ),
        (
            "network_diagnostics_workflow",
            ["target=127.0.0.1", "port=1", "port=2"],
            "input 'port' takes one integer",
        ),
        ("network_diagnostics_workflow", ["target"], "--input takes KEY=VALUE, not 'target'"),
        ("certificate_audit", ["endpoints=[127.0.0.1:443"], "input 'endpoints' is not valid JSON"),
    ],
    ids=["not-a-number", "twice", "no-equals", "broken-json"],
)
def test_bad_input_exits_2_with_a_message_and_runs_nothing(
    server: str, workflow: str, inputs: list[str], message: str
) -> None:
    before = json.loads(cli(server, "runs", "list", "--json").stdout)
    result = cli(server, "workflows", "run", workflow, *[a for i in inputs for a in ("--input", i)])
    assert result.returncode == 2
    assert result.stderr.startswith("orchestrator: ") and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert json.loads(cli(server, "runs", "list", "--json").stdout) == before


def test_workflows_help_explains_inputs_with_an_example(server: str) -> None:
    result = cli(server, "workflows", "--help")
    assert result.returncode == 0
    assert "comma list" in result.stdout and "--input endpoints=a.example:443,b.example:443" in result.stdout
    assert "orchestrator workflows run certificate_audit --input endpoints=" in result.stdout
    listed = cli(server, "workflows", "list")
    assert "endpoints:list" in listed.stdout and "port:integer" in listed.stdout


def test_runs_list_has_a_task_column_shortened_to_fit(server: str, ports: tuple[int, int]) -> None:
    task = f"check connectivity to 127.0.0.1 on port {ports[0]} " + "because the nightly job timed out " * 4
    asked = cli(server, "--json", "ask", task, "--agent", "network_diagnostics")
    assert asked.returncode == 0, asked.stderr
    execution_id = json.loads(asked.stdout)["execution_id"]
    cli(server, "workflows", "run", "certificate_audit", "--input", f"endpoints=127.0.0.1:{ports[1]}")

    fitted = cli(server, "runs", "list", columns=220)
    header, *rows = fitted.stdout.splitlines()
    assert header.split() == ["EXECUTION", "KIND", "STATUS", "AGENTS", "CREATED", "TASK"]
    assert rows[0].split()[1] == "workflow" and rows[0].endswith("  Certificate audit")  # a workflow's name
    row = next(line for line in rows if line.startswith(execution_id))
    assert row.split()[1:4] == ["orchestration", "completed", "network_diagnostics"]
    assert len(row) == 219 and row.endswith("…")  # cut to the terminal's width...
    assert f"  check connectivity to 127.0.0.1 on port {ports[0]} because" in row  # ...from the task's start

    wide = cli(server, "runs", "list", columns=500)
    assert " ".join(task.split()) in next(
        line for line in wide.stdout.splitlines() if line.startswith(execution_id)
    )


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ("8443", "integer", 8443),
        ("1.5", "number", 1.5),
        ("2", "number", 2),
        ("Yes", "boolean", True),
        ("off", "boolean", False),
        ('{"team": "db"}', "object", {"team": "db"}),
        ("0042", "string", "0042"),
        ('"quoted"', "string", "quoted"),
        ("a,b", None, "a,b"),  # an undeclared input: a comma list stays text...
        ("[1, 2]", None, [1, 2]),  # ...unless it parses as JSON
        ("", "list", []),
    ],
)
def test_inputs_follow_the_declared_type(value: str, kind: str | None, expected: Any) -> None:
    types = {"x": kind} if kind else {}
    assert coerce_inputs(group_inputs([f"x={value}"]), types) == {"x": expected}


@pytest.mark.parametrize(
    ("value", "kind"),
    [("4.0", "integer"), ("true", "integer"), ("NaN", "number"), ("1e999", "number"), ("maybe", "boolean"),
     ("[1]", "object"), ('["a"', "list")],
)  # fmt: skip
def test_inputs_that_do_not_fit_their_type_are_usage_errors(value: str, kind: str) -> None:
    with pytest.raises(UsageError, match="input 'x'"):
        coerce_inputs(group_inputs([f"x={value}"]), {"x": kind})
