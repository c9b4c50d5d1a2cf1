"""Bounded thread pools for the blocking work the service cannot avoid, one per kind of work and
shared by the whole process: reading /proc (sampling), the system resolver (DNS), parsing
large inputs (logs, YAML) off the event loop, reading files, and traceroute's raw sockets.

Never asyncio's default pool: a handful of slow callers of one kind (an 8-second sample, a
resolver that times out) would otherwise hold every thread and stall every other kind.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Literal, TypeVar

Kind = Literal["sampling", "dns", "parsing", "files", "traceroute"]
T = TypeVar("T")

# Threads per kind. Sampling and parsing are short bursts of CPU or /proc reads; DNS waits on the
# network, so it gets more. A call beyond the bound queues for its kind only.
SIZES: dict[Kind, int] = {"sampling": 4, "dns": 16, "parsing": 2, "files": 4, "traceroute": 2}

_pools: dict[Kind, ThreadPoolExecutor] = {}
_lock = threading.Lock()


def pool(kind: Kind) -> ThreadPoolExecutor:
    with _lock:
        if kind not in _pools:
            _pools[kind] = ThreadPoolExecutor(max_workers=SIZES[kind], thread_name_prefix=f"blocking-{kind}")
        return _pools[kind]


async def run(kind: Kind, function: Callable[..., T], *args: object) -> T:
    """`function(*args)` on the pool of `kind`, awaited from the event loop."""
    return await asyncio.get_running_loop().run_in_executor(pool(kind), partial(function, *args))
