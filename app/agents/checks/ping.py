"""Reachability: ICMP echo (unprivileged where the OS allows, raw as root), else TCP connects."""

from __future__ import annotations

import statistics
from typing import Any

from icmplib import async_ping
from icmplib.exceptions import ICMPLibError, SocketPermissionError

from app.agents.base import Severity
from app.agents.checks.outcome import CheckOutcome
from app.agents.checks.tcp import connect_once
from app.security.target_policy import IPAddress

HIGH_LATENCY_MS = 200.0


async def check_ping(
    ip: IPAddress, host: str, count: int, timeout: float, fallback_ports: list[int]
) -> CheckOutcome:
    output: dict[str, Any] | None = None
    for privileged in (False, True):
        try:
            reply = await async_ping(
                str(ip), count=count, interval=0.2, timeout=timeout, privileged=privileged
            )
        except SocketPermissionError:
            continue
        except ICMPLibError as exc:
            output = {
                "method": "icmp",
                "address": str(ip),
                "reachable": False,
                "packets_sent": count,
                "packets_received": 0,
                "packet_loss": 1.0,
                "error": str(exc),
            }
            break
        output = {
            "method": "icmp",
            "address": str(ip),
            "reachable": reply.is_alive,
            "packets_sent": reply.packets_sent,
            "packets_received": reply.packets_received,
            "packet_loss": reply.packet_loss,
            "min_rtt_ms": round(reply.min_rtt, 2),
            "avg_rtt_ms": round(reply.avg_rtt, 2),
            "max_rtt_ms": round(reply.max_rtt, 2),
        }
        break
    if output is None:
        output = await _tcp_ping(ip, count, timeout, fallback_ports)
    return _findings(host, output)


async def _tcp_ping(ip: IPAddress, count: int, timeout: float, ports: list[int]) -> dict[str, Any]:
    """Without ICMP sockets, a TCP connect answers the same question: a refusal is a reply too."""
    port = ports[0] if ports else 443
    rtts: list[float] = []
    for _ in range(count):
        result = await connect_once(ip, port, timeout)
        if result["state"] in ("open", "refused") and result["latency_ms"] is not None:
            rtts.append(result["latency_ms"])
    output: dict[str, Any] = {
        "method": "tcp_connect",
        "port": port,
        "note": "ICMP sockets are not permitted here; reachability measured with TCP connects",
        "address": str(ip),
        "reachable": bool(rtts),
        "packets_sent": count,
        "packets_received": len(rtts),
        "packet_loss": round(1 - len(rtts) / count, 3),
    }
    if rtts:
        output.update(min_rtt_ms=min(rtts), avg_rtt_ms=round(statistics.fmean(rtts), 2), max_rtt_ms=max(rtts))
    return output


def _findings(host: str, output: dict[str, Any]) -> CheckOutcome:
    outcome = CheckOutcome(output=output)
    how = "ICMP" if output["method"] == "icmp" else f"TCP connects to port {output.get('port')}"
    if not output["reachable"]:
        outcome.add(
            Severity.CRITICAL,
            "host_unreachable",
            f"{host} did not answer {how} ({output['packets_sent']} tries).",
        )
        return outcome
    loss = output["packet_loss"]
    if loss > 0:
        outcome.add(Severity.WARNING, "packet_loss", f"{host} lost {loss:.0%} of {how} probes.")
    avg = output.get("avg_rtt_ms", 0.0)
    if avg > HIGH_LATENCY_MS:
        outcome.add(
            Severity.WARNING,
            "high_latency",
            f"{host} answers {how} in {avg:.0f} ms on average (over {HIGH_LATENCY_MS:.0f} ms).",
        )
    else:
        outcome.add(Severity.INFO, "host_reachable", f"{host} answers {how} in {avg:.1f} ms.")
    return outcome
