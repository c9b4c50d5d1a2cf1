"""Verdicts on log text remembered per distinct text: the same lines come back analysis after
analysis, and the patterns behind them are long alternations (tens of microseconds a search).
Only short texts are kept, a bounded number of them: no cache may hold pasted logs in bulk."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

T = TypeVar("T")
CACHED_TEXT = 2048  # characters: a longer text is worked out every time


def remember_short(maxsize: int) -> Callable[[Callable[[str], T]], Callable[[str], T]]:
    def wrap(verdict: Callable[[str], T]) -> Callable[[str], T]:
        cached = lru_cache(maxsize=maxsize)(verdict)
        return lambda text: cached(text) if len(text) <= CACHED_TEXT else verdict(text)

    return wrap
