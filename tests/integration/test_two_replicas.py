"""Two replicas on the machine's real PostgreSQL and Redis: events cross replicas, and a killed
replica's workflow is resumed by the other within the lease time."""

from __future__ import annotations

import json
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import reset_postgres
from tests.integration.uvicorn_process import clean_env, start, stop

KEY = "replica-test-key-1"
HEADERS = {"X-API-Key": KEY}
pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def silent_port() -> Iterator[int]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    yield server.getsockname()[1]
    server.close()


@pytest.fixture
def replicas(tmp_path: Path, database_url: str, redis_url: str) -> Iterator[list[Any]]:
    reset_postgres(database_url)
    env = clean_env(
        API_KEYS=f"ops:{KEY}",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        NETWORK_ALLOW_TARGETS="127.0.0.0/8",
        NETWORK_CHECK_TIMEOUT_SECONDS="2",
        LEASE_SECONDS="1",
        LOG_LEVEL="WARNING",
    )
    started = [start(tmp_path, ["app.main:app"], env), start(tmp_path, ["app.main:app"], env)]
    yield started
    for process, _ in started:
        stop(process)  # also closes its output pipe, whether it was still running or not


def slow_workflow(port: int) -> dict[str, Any]:
    check = {"agent": "network_diagnostics", "task": "is it answering?", "continue_on_failure": True,
             "input": {"url": f"http://127.0.0.1:{port}/", "checks": ["http"]}, "timeout_seconds": 10}  # fmt: skip
    return {
        "definition": {
            "id": "slow_flow",
            "steps": [{"id": "slow", **check}, {"id": "after", **check, "depends_on": ["slow"]}],
        },
        "wait": False,
    }


def wait_for_step(base: str, execution_id: str, step_id: str, timeout: float = 10) -> None:
    """Until the run's step `step_id` is running, as any replica reads it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = httpx.get(f"{base}/api/v1/executions/{execution_id}", headers=HEADERS, timeout=5).json()
        if any(s["id"] == step_id and s["status"] == "running" for s in record["steps"]):
            return
        time.sleep(0.1)
    pytest.fail(f"step {step_id} of {execution_id} never ran")


def read_events(base: str, execution_id: str, timeout: float = 30) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    with httpx.stream(
        "GET", f"{base}/api/v1/executions/{execution_id}/events", headers=HEADERS, timeout=timeout
    ) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line.startswith("data:"):
                events.append(json.loads(line[5:]))
                if events[-1]["type"] == "execution_finished":
                    break
    return events


def test_events_of_a_run_on_one_replica_stream_to_a_client_of_the_other(replicas, silent_port: int) -> None:  # type: ignore[no-untyped-def]
    (_, base_a), (_, base_b) = replicas
    accepted = httpx.post(
        f"{base_a}/api/v1/workflows", json=slow_workflow(silent_port), headers=HEADERS, timeout=10
    )
    assert accepted.status_code == 202
    execution_id = accepted.json()["execution_id"]
    events = read_events(base_b, execution_id)
    kinds = [e["type"] for e in events]
    assert kinds[0] == "execution_started" and kinds[-1] == "execution_finished"
    assert "step_started" in kinds and kinds.count("execution_finished") == 1
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)


def test_killing_the_replica_running_a_workflow_lets_the_other_resume_it(replicas, silent_port: int) -> None:  # type: ignore[no-untyped-def]
    (process_a, base_a), (_, base_b) = replicas
    accepted = httpx.post(
        f"{base_a}/api/v1/workflows", json=slow_workflow(silent_port), headers=HEADERS, timeout=10
    )
    execution_id = accepted.json()["execution_id"]
    wait_for_step(base_b, execution_id, "slow")
    killed_at = time.monotonic()
    stop(process_a, kill=True)
    events = read_events(base_b, execution_id, timeout=40)
    record = httpx.get(f"{base_b}/api/v1/executions/{execution_id}", headers=HEADERS, timeout=5).json()
    assert record["status"] in ("completed", "partial")
    assert "execution_resumed" in [e["type"] for e in events]
    resumed = next(e for e in events if e["type"] == "execution_resumed")
    assert resumed["data"]["instance"]
    assert {s["id"]: s["status"] for s in record["steps"]}["after"] in ("completed", "failed")
    assert time.monotonic() - killed_at < 30


def handover_workflow(port: int) -> dict[str, Any]:
    """A quick TCP check, then a 4-second sample: both succeed wherever they run."""
    return {
        "definition": {
            "id": "handover_flow",
            "steps": [
                {"id": "reach", "agent": "network_diagnostics", "task": "is the port open?",
                 "input": {"host": "127.0.0.1", "ports": [port], "checks": ["tcp"]}},
                {"id": "sample", "agent": "system_monitoring", "task": "sample cpu",
                 "input": {"duration": 4, "interval": 1}, "depends_on": ["reach"]},
            ],
        },
        "wait": False,
    }  # fmt: skip


def test_sigterm_hands_a_running_workflow_to_the_other_replica(replicas, silent_port: int) -> None:  # type: ignore[no-untyped-def]
    (process_a, base_a), (_, base_b) = replicas
    accepted = httpx.post(
        f"{base_a}/api/v1/workflows", json=handover_workflow(silent_port), headers=HEADERS, timeout=10
    )
    assert accepted.status_code == 202, accepted.text
    execution_id = accepted.json()["execution_id"]
    wait_for_step(base_b, execution_id, "sample")
    process_a.send_signal(signal.SIGTERM)  # a rolling deploy stops replica A mid-sample
    process_a.wait(timeout=30)
    events = read_events(base_b, execution_id, timeout=40)
    record = httpx.get(f"{base_b}/api/v1/executions/{execution_id}", headers=HEADERS, timeout=5).json()
    assert record["status"] == "completed", record
    kinds = [e["type"] for e in events]
    assert kinds.count("execution_finished") == 1 and events[-1]["data"]["status"] == "completed"
    assert "execution_resumed" in kinds
    assert {s["id"]: s["status"] for s in record["steps"]} == {"reach": "completed", "sample": "completed"}
