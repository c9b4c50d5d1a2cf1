"""A process killed in the middle of a run: after a restart the run reads `interrupted`."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.uvicorn_process import clean_env, start, stop

KEY = "crash-test-key-123"
HEADERS = {"X-API-Key": KEY}


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts connections and never answers, so an HTTP check against it hangs."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield server.getsockname()[1]
    server.close()


def wait_for(predicate, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def test_killed_process_leaves_the_run_interrupted(
    tmp_path: Path, test_database_url: str, silent_server: int
) -> None:
    env = clean_env(
        API_KEYS=f"ops:{KEY}",
        ADMIN_KEY_LABELS="ops",
        DATABASE_URL=test_database_url,
        NETWORK_ALLOW_TARGETS="127.0.0.0/8",
        NETWORK_CHECK_TIMEOUT_SECONDS="30",
        LEASE_SECONDS="1",
        LOG_LEVEL="WARNING",
    )
    process, base = start(tmp_path, ["app.main:app"], env)
    body = {
        "task": "is this web endpoint answering?",
        "context": {"url": f"http://127.0.0.1:{silent_server}/", "checks": ["http"]},
        "timeout_seconds": 60,
    }

    def send() -> None:
        try:
            httpx.post(f"{base}/api/v1/orchestrate", json=body, headers=HEADERS, timeout=90)
        except httpx.TransportError:
            pass  # the server is killed under it: that is the point

    request = threading.Thread(target=send, daemon=True)
    try:
        request.start()

        def running() -> str | None:
            page = httpx.get(f"{base}/api/v1/executions?status=running", headers=HEADERS, timeout=5).json()
            return page["executions"][0]["execution_id"] if page["executions"] else None

        execution_id = wait_for(running, 10, "the run to start")
    finally:
        stop(process, kill=True)  # SIGKILL: no shutdown hooks, no chance to finish the run

    process, base = start(tmp_path, ["app.main:app"], env)
    try:

        def interrupted() -> dict[str, object] | None:
            record = httpx.get(f"{base}/api/v1/executions/{execution_id}", headers=HEADERS, timeout=5).json()
            return record if record["status"] == "interrupted" else None

        record = wait_for(interrupted, 15, "the run to be marked interrupted")
        assert record["error"]["code"] == "interrupted"  # type: ignore[index]
        assert record["finished_at"]
        audit = httpx.get(f"{base}/api/v1/audit?event=run_interrupted", headers=HEADERS, timeout=5).json()
        assert any(entry["details"]["execution_id"] == execution_id for entry in audit["entries"])
    finally:
        stop(process)
