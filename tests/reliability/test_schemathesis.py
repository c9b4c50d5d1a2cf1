"""Schemathesis against the live app's OpenAPI schema with a valid key: no 5xx, responses match
the schema (error responses included), schema-violating requests are rejected."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.integration.uvicorn_process import clean_env, start, stop

KEY = "fuzz-key-12345678"


def test_the_api_holds_up_to_schemathesis(tmp_path: Path) -> None:
    env = clean_env(API_KEYS=f"fuzz:{KEY}", RATE_LIMIT="1000000/minute", LOG_LEVEL="ERROR",
                    DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'fuzz.db'}")  # fmt: skip
    process, base = start(tmp_path, ["app.main:app"], env)
    try:
        result = subprocess.run(  # noqa: S603 - our own interpreter's schemathesis
            [
                str(Path(sys.executable).parent / "schemathesis"), "run", f"{base}/openapi.json",
                "-H", f"X-API-Key: {KEY}",
                "--checks", "all",
                # Semantic rules the schema cannot state (a workflow's own inputs, registered agent
                # ids, a conversation needing a user message) make some schema-valid requests 422.
                "--exclude-checks", "positive_data_acceptance",
                # The coverage phase trips an internal error of hypothesis' lambda-source parser
                # ("AST constructor recursion depth mismatch") on this Python, intermittently.
                "--phases", "examples,fuzzing,stateful",
                "--max-examples", "15", "--seed", "1", "--workers", "2",
            ],
            capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path,
        )  # fmt: skip
    finally:
        stop(process)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "passed" in result.stdout
