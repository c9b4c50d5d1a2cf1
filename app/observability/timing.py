"""Elapsed time as the service reports it: milliseconds, two decimals."""

from __future__ import annotations

import time


def ms_since(started: float) -> float:
    """Milliseconds since `started`, a `time.perf_counter()` reading."""
    return round((time.perf_counter() - started) * 1000, 2)
