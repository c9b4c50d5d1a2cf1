"""Another host through its Prometheus node exporter: two scrapes `window` seconds apart, turned
into the figures the local sampler gives (CPU, load, memory, swap, filesystems, disk and network
rates), so the same thresholds and findings apply. The URL is checked by the target policy and
fetched from the checked address (no second DNS lookup), bounded in time and size."""

from __future__ import annotations

import asyncio
import ssl
import statistics
import time
from collections import defaultdict
from typing import Any
from urllib.parse import urlsplit

import h11
from prometheus_client.parser import text_string_to_metric_families

from app.agents.checks.http import ResponseTooLarge, failure_reason, fetch_status
from app.agents.system.sampling import PSEUDO_FILESYSTEMS
from app.security.target_policy import TargetPolicy

MAX_BYTES = 8 * 2**20  # a node exporter page is typically 50-300 KB
IDLE_MODES = frozenset({"idle", "iowait"})

Samples = dict[str, list[tuple[dict[str, str], float]]]


class ScrapeFailed(Exception):
    """The exporter could not be read; the message says why, fit for a finding."""


async def scrape(
    url: str, policy: TargetPolicy, timeout: float, trust: ssl.SSLContext
) -> tuple[Samples, bool]:
    """One scrape: the samples by metric name, and whether TLS was verified (True for http)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    resolved = await policy.resolve(host)  # refuses what the policy does not allow
    if resolved.primary is None:
        raise ScrapeFailed(f"{host} does not resolve: {resolved.resolution_error}")
    port = parts.port or (443 if scheme == "https" else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        response = await fetch_status(
            resolved.primary, host, port, scheme, target, timeout, trust, body_limit=MAX_BYTES
        )
    except ResponseTooLarge as exc:
        raise ScrapeFailed(str(exc)) from None
    except (OSError, ssl.SSLError, h11.ProtocolError) as exc:  # TimeoutError is an OSError
        raise ScrapeFailed(failure_reason(exc, url, timeout)) from None
    if response["status_code"] != 200:
        raise ScrapeFailed(f"it answered {response['status_code']} {response['reason']}".rstrip())
    try:
        samples = parse(response["body"].decode("utf-8", "replace"))
    except ValueError as exc:
        raise ScrapeFailed(f"the answer is not Prometheus text format ({exc})") from None
    if "node_memory_MemTotal_bytes" not in samples and "node_cpu_seconds_total" not in samples:
        raise ScrapeFailed("the answer has no node exporter metrics (node_cpu_seconds_total, node_memory_*)")
    return samples, response["tls_verified"] is not False


def parse(text: str) -> Samples:
    found: Samples = defaultdict(list)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[sample.name].append((sample.labels, float(sample.value)))
    return dict(found)


async def sample_remote(
    url: str, policy: TargetPolicy, window: float, timeout: float, trust: ssl.SSLContext
) -> dict[str, Any]:
    """Two scrapes `window` seconds apart, summarised like the local sampler's output."""
    first, verified = await scrape(url, policy, timeout, trust)
    started = time.monotonic()
    await asyncio.sleep(window)
    last, _ = await scrape(url, policy, timeout, trust)
    output = summarise(first, last, max(time.monotonic() - started, 1e-6))
    output["source"] = {"node_exporter": url, "tls_verified": verified}
    return output


def _value(samples: Samples, name: str, **labels: str) -> float | None:
    for sample_labels, value in samples.get(name, ()):
        if all(sample_labels.get(k) == v for k, v in labels.items()):
            return value
    return None


def _by(samples: Samples, name: str, label: str) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for labels, value in samples.get(name, ()):
        totals[labels.get(label, "")] += value
    return dict(totals)


def _cpu_busy(first: Samples, last: Samples) -> list[float]:
    """Busy percentage per CPU between the two scrapes (idle and iowait count as not busy)."""
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])  # total0, idle0, total1, idle1
    for offset, samples in ((0, first), (2, last)):
        for labels, value in samples.get("node_cpu_seconds_total", ()):
            entry = totals[labels.get("cpu", "")]
            entry[offset] += value
            if labels.get("mode") in IDLE_MODES:
                entry[offset + 1] += value
    busy = []
    for cpu in sorted(totals, key=lambda c: (len(c), c)):
        total0, idle0, total1, idle1 = totals[cpu]
        elapsed = total1 - total0
        if elapsed > 0:
            busy.append(round(max(0.0, min(100.0, 100.0 * (1 - (idle1 - idle0) / elapsed))), 1))
    return busy


def _rates(first: Samples, last: Samples, name: str, label: str, elapsed: float) -> dict[str, float]:
    """Per-second increase of a counter between the two scrapes, by `label`; a series that only
    the second scrape has counts as no increase, a counter reset as none either."""
    before, after = _by(first, name, label), _by(last, name, label)
    return {k: max(0.0, value - before.get(k, value)) / elapsed for k, value in after.items()}


def _disks(last: Samples) -> list[dict[str, Any]]:
    """Each real filesystem's use, from the last scrape (pseudo filesystems left out)."""
    disks = []
    sizes = {
        (labels.get("mountpoint", ""), labels.get("fstype", "")): value
        for labels, value in last.get("node_filesystem_size_bytes", ())
    }
    for labels, avail in last.get("node_filesystem_avail_bytes", ()):
        mount, fstype = labels.get("mountpoint", ""), labels.get("fstype", "")
        size = sizes.get((mount, fstype), 0.0)
        if fstype in PSEUDO_FILESYSTEMS or size <= 0:
            continue
        disks.append(
            {
                "mount": mount,
                "device": labels.get("device", ""),
                "fstype": fstype,
                "percent": round(100.0 * (size - avail) / size, 1),
                "free_gb": round(avail / 2**30, 2),
                "total_gb": round(size / 2**30, 2),
            }
        )
    return disks


def _network(first: Samples, last: Samples, elapsed: float) -> dict[str, dict[str, float]]:
    """Bytes per second received and sent per interface between the scrapes (loopback left out)."""
    rx = _rates(first, last, "node_network_receive_bytes_total", "device", elapsed)
    tx = _rates(first, last, "node_network_transmit_bytes_total", "device", elapsed)
    return {
        device: {"rx_bytes_per_s": round(rate, 1), "tx_bytes_per_s": round(tx.get(device, 0.0), 1)}
        for device, rate in rx.items()
        if device != "lo"
    }


def summarise(first: Samples, last: Samples, elapsed: float) -> dict[str, Any]:
    per_core = _cpu_busy(first, last)
    cpu = round(statistics.fmean(per_core), 1) if per_core else 0.0
    total = _value(last, "node_memory_MemTotal_bytes") or 0.0
    available = _value(last, "node_memory_MemAvailable_bytes") or 0.0
    swap_total = _value(last, "node_memory_SwapTotal_bytes") or 0.0
    swap_free = _value(last, "node_memory_SwapFree_bytes") or 0.0
    disks = _disks(last)
    network = _network(first, last, elapsed)
    reads = _rates(first, last, "node_disk_read_bytes_total", "device", elapsed)
    writes = _rates(first, last, "node_disk_written_bytes_total", "device", elapsed)
    return {
        "samples": 2,
        "window_seconds": round(elapsed, 2),
        "cores": len(per_core) or 1,
        "cpu": {
            "average": cpu,
            "max": max(per_core, default=0.0),
            "per_core_average": per_core,
            "trend": None,  # two scrapes give a rate, not a direction
        },
        "load": {
            "1m": _value(last, "node_load1") or 0.0,
            "5m": _value(last, "node_load5") or 0.0,
            "15m": _value(last, "node_load15") or 0.0,
        },
        "memory": {
            "percent": round(100.0 * (total - available) / total, 1) if total else 0.0,
            "available_mb": round(available / 2**20),
            "total_mb": round(total / 2**20),
            "trend": None,  # two scrapes give a rate, not a direction
        },
        "swap": {"percent": round(100.0 * (swap_total - swap_free) / swap_total, 1) if swap_total else 0.0},
        "disks": sorted(disks, key=lambda d: -d["percent"]),
        "disk_io": {
            "read_bytes_per_s": round(sum(reads.values()), 1),
            "write_bytes_per_s": round(sum(writes.values()), 1),
        },
        "network": network,
        "processes": {"by_cpu": [], "by_memory": []},  # the node exporter has no per-process figures
    }
