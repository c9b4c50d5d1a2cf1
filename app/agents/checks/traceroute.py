"""Traceroute with icmplib: raw ICMP needs root or CAP_NET_RAW, and says so when it is missing."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

from icmplib import traceroute
from icmplib.exceptions import ICMPLibError, SocketPermissionError

from app import blocking
from app.agents.base import Severity
from app.agents.checks.outcome import CheckOutcome
from app.security.target_policy import IPAddress

MAX_HOPS = 20


async def check_traceroute(ip: IPAddress, host: str, timeout: float, gate: asyncio.Semaphore) -> CheckOutcome:
    """`gate` bounds concurrent traces: each holds a thread and a raw socket for seconds."""
    per_hop = max(0.2, min(1.0, timeout / MAX_HOPS))
    async with gate:
        try:
            hops = await blocking.run(
                "traceroute",
                partial(traceroute, count=1, interval=0.05, timeout=per_hop, max_hops=MAX_HOPS, fast=True),
                str(ip),
            )
        except SocketPermissionError:
            outcome = CheckOutcome(
                {
                    "available": False,
                    "address": str(ip),
                    "hops": [],
                    "reason": "needs CAP_NET_RAW (or root) to send raw ICMP",
                }
            )
            outcome.add(
                Severity.INFO,
                "traceroute_unavailable",
                "Traceroute needs CAP_NET_RAW, which this process does not have.",
            )
            return outcome
        except ICMPLibError as exc:
            outcome = CheckOutcome({"available": True, "address": str(ip), "hops": [], "error": str(exc)})
            outcome.add(Severity.WARNING, "traceroute_failed", f"Traceroute to {host} failed: {exc}.")
            return outcome
    rows: list[dict[str, Any]] = [
        {"distance": hop.distance, "address": hop.address, "avg_rtt_ms": round(hop.avg_rtt, 2)}
        for hop in hops
    ]
    reached = bool(rows) and rows[-1]["address"] == str(ip)
    outcome = CheckOutcome({"available": True, "address": str(ip), "hops": rows, "reached": reached})
    if reached:
        outcome.add(Severity.INFO, "traceroute_complete", f"{host} is {len(rows)} hop(s) away.")
    else:
        last = rows[-1]["address"] if rows else "the first hop"
        outcome.add(
            Severity.WARNING,
            "traceroute_incomplete",
            f"Traceroute to {host} stopped at {last} within {MAX_HOPS} hops.",
        )
    return outcome
