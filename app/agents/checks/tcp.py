"""TCP connect checks: many ports at once, telling refused (nothing listening) from filtered."""

from __future__ import annotations

import asyncio
import errno
import socket
import time
from typing import Any

from app.agents.base import Severity
from app.agents.checks.outcome import CheckOutcome
from app.observability.timing import ms_since
from app.security.target_policy import IPAddress


async def connect_once(ip: IPAddress, port: int, timeout: float) -> dict[str, Any]:
    """One non-blocking connect; returns state open / refused / filtered / unreachable."""
    loop = asyncio.get_running_loop()
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    started = time.perf_counter()
    try:
        sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError as exc:  # EMFILE, ENFILE, ENOBUFS: this process is out of sockets, not the target
        return {
            "port": port,
            "open": False,
            "state": "error",
            "latency_ms": None,
            "error": f"no socket could be opened here ({exc.strerror or exc})",
        }
    sock.setblocking(False)
    try:
        await asyncio.wait_for(loop.sock_connect(sock, (str(ip), port)), timeout)
    except TimeoutError:
        return {
            "port": port,
            "open": False,
            "state": "filtered",
            "latency_ms": None,
            "error": f"no answer within {timeout:g}s",
        }
    except ConnectionRefusedError:
        return {
            "port": port,
            "open": False,
            "state": "refused",
            "latency_ms": ms_since(started),
            "error": "connection refused",
        }
    except OSError as exc:
        state = "unreachable" if exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH) else "error"
        return {
            "port": port,
            "open": False,
            "state": state,
            "latency_ms": None,
            "error": exc.strerror or str(exc),
        }
    finally:
        sock.close()
    return {
        "port": port,
        "open": True,
        "state": "open",
        "latency_ms": ms_since(started),
        "error": None,
    }


async def check_tcp(
    ip: IPAddress, host: str, ports: list[int], timeout: float, gate: asyncio.Semaphore
) -> CheckOutcome:
    """Connect to each port; at most as many at once, process-wide, as `gate` allows."""

    async def bounded(port: int) -> dict[str, Any]:
        async with gate:
            return await connect_once(ip, port, timeout)

    results = list(await asyncio.gather(*(bounded(port) for port in ports)))
    for entry in results:
        entry["address"] = str(ip)
    outcome = CheckOutcome(output=results)
    by_state: dict[str, list[int]] = {}
    for entry in results:
        by_state.setdefault(entry["state"], []).append(entry["port"])
    if by_state.get("open"):
        outcome.add(Severity.INFO, "port_open", f"{host} accepts TCP on {_ports(by_state['open'])}: open.")
    if by_state.get("refused"):
        outcome.add(
            Severity.CRITICAL,
            "port_refused",
            f"{host} refused TCP on {_ports(by_state['refused'])}: the host is up but nothing "
            "listens there (service down, or bound to another address).",
        )
    if by_state.get("filtered"):
        outcome.add(
            Severity.CRITICAL,
            "port_filtered",
            f"{host} did not answer on {_ports(by_state['filtered'])} within {timeout:g}s: a "
            "firewall or security group is probably dropping the traffic.",
        )
    failed = by_state.get("unreachable", []) + by_state.get("error", [])
    if failed:
        outcome.add(
            Severity.CRITICAL,
            "host_unreachable",
            f"{host} could not be reached on {_ports(failed)}: no route to the host.",
        )
    return outcome


def _ports(ports: list[int]) -> str:
    shown = ", ".join(str(p) for p in sorted(ports)[:20])
    more = f" and {len(ports) - 20} more" if len(ports) > 20 else ""
    return f"port{'s' if len(ports) > 1 else ''} {shown}{more}"
