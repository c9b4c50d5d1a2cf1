"""psutil sampling of the host this service runs on: CPU, load, memory, swap, disks, network,
processes. Blocking calls; the agent runs them in a thread."""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import psutil

from app import blocking

# Filesystems that are not disks: full by design or meaningless for "is the disk filling"
# (local samples and node_exporter's alike).
PSEUDO_FILESYSTEMS = frozenset(
    {"tmpfs", "devtmpfs", "ramfs", "squashfs", "overlay", "proc", "sysfs", "cgroup", "cgroup2",
     "autofs", "nsfs", "tracefs", "fusectl", "debugfs", "securityfs", "pstore", "bpf", "iso9660"}
)  # fmt: skip


def snapshot() -> dict[str, Any]:
    memory = psutil.virtual_memory()
    swap = psutil.swap_memory()
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    disk_io = psutil.disk_io_counters()
    net_io = psutil.net_io_counters(pernic=True)
    return {
        "at": time.monotonic(),
        "cpu_percent": psutil.cpu_percent(interval=None),
        "cpu_per_core": psutil.cpu_percent(interval=None, percpu=True),
        "load": list(load),
        "memory_percent": memory.percent,
        "memory_available_mb": round(memory.available / 2**20, 1),
        "memory_total_mb": round(memory.total / 2**20, 1),
        "swap_percent": swap.percent,
        "disk_read_bytes": disk_io.read_bytes if disk_io else 0,
        "disk_write_bytes": disk_io.write_bytes if disk_io else 0,
        "net": {nic: (c.bytes_recv, c.bytes_sent) for nic, c in net_io.items()},
    }


def disks() -> list[dict[str, Any]]:
    found = []
    for part in psutil.disk_partitions(all=False):
        if part.fstype in PSEUDO_FILESYSTEMS:
            continue
        try:
            usage = psutil.disk_usage(part.mountpoint)
        except OSError:
            continue
        found.append(
            {
                "mount": part.mountpoint,
                "fstype": part.fstype,
                "percent": usage.percent,
                "free_gb": round(usage.free / 2**30, 2),
                "total_gb": round(usage.total / 2**30, 2),
            }
        )
    return found


def prime_processes() -> None:
    for process in psutil.process_iter():
        try:
            process.cpu_percent(None)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue


def top_processes(count: int) -> dict[str, list[dict[str, Any]]]:
    rows = []
    for process in psutil.process_iter(["pid", "name", "username", "memory_percent"]):
        try:
            rows.append(
                {
                    "pid": process.info["pid"],
                    "name": process.info["name"],
                    "user": process.info["username"],
                    "cpu_percent": process.cpu_percent(None),
                    "memory_percent": round(process.info["memory_percent"] or 0.0, 2),
                }
            )
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return {
        "by_cpu": sorted(rows, key=lambda r: -r["cpu_percent"])[:count],
        "by_memory": sorted(rows, key=lambda r: -r["memory_percent"])[:count],
    }


def _prime() -> dict[str, Any]:
    psutil.cpu_percent(interval=None, percpu=True)
    psutil.cpu_percent(interval=None)
    prime_processes()
    return snapshot()


def _finish(top: int) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]], int]:
    return disks(), top_processes(top), psutil.cpu_count() or 1


async def sample(duration: float, interval: float, top: int) -> dict[str, Any]:
    """A baseline, then one sample every `interval` seconds until `duration` has passed (one
    short sample when `duration` is 0). CPU figures need the time between two readings, so
    the baseline only serves rates. The waits are on the event loop; only the readings take a
    thread, from the sampling pool, for milliseconds: a minute-long sample holds none."""
    baseline = await blocking.run("sampling", _prime)
    count = max(1, int(duration // interval)) if duration else 1
    wait = interval if duration else 0.2
    samples = []
    for _ in range(count):
        await asyncio.sleep(wait)
        samples.append(await blocking.run("sampling", snapshot))
    found_disks, processes, cores = await blocking.run("sampling", _finish, top)
    return {
        "baseline": baseline,
        "samples": samples,
        "disks": found_disks,
        "processes": processes,
        "cores": cores,
    }
