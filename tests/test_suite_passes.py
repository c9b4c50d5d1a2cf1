"""The suite's two passes (.ci/run): the PostgreSQL one leaves out what touches no database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.database_free  # what it checks is the same whichever pass runs it

ROOT = Path(__file__).resolve().parent.parent


def test_the_postgres_pass_leaves_out_the_database_free_modules() -> None:
    """(The SQLite pass, running this, collected every module.)"""
    env = {**os.environ, "TEST_DB": "postgres"}
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
               "tests/agents/test_entities.py", "tests/test_settings.py"]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True)  # noqa: S603
    assert "test_settings.py::" in done.stdout and "test_entities.py::" not in done.stdout
    assert "deselected" in done.stdout
