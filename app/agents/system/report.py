"""Findings and the summary of a host's figures, answering what was asked first: "is the disk
full?" is answered about disks, then anything else alarming follows."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from typing import Any

from app.agents.base import SEVERITY_RANK, Finding, Severity

ALL_OK = "CPU, memory, swap, load and disks are within thresholds."
# A trend needs at least this many samples; fewer say nothing about direction.
MIN_TREND_SAMPLES = 3
_SUBJECTS: dict[str, re.Pattern[str]] = {
    "disk": re.compile(r"\b(disks?|filesystems?|file systems?|space|full|inodes?|mounts?|partitions?|"
                       r"storage|volumes?|df|enospc|no space)\b"
                       r"|(?<![\w/])/(?:var|home|tmp|opt|data|srv|boot)?(?=[\s?,.]|$)"),
    "memory": re.compile(r"\b(memory|mem|ram|oom|out of memory|leak)\b"),
    "swap": re.compile(r"\b(swap\w*)\b"),
    "cpu": re.compile(r"\b(cpu|cores?|processor|hogg?\w*|burn\w*|pinn\w*)\b"),
    "load": re.compile(r"\b(load|uptime|busy|overloaded|sluggish|slow)\b"),
    "processes": re.compile(r"\b(process(es)?|procs?|pid|top|eating|using the most|hogs?)\b"),
    "io": re.compile(r"\b(i/?o|iowait|disk (read|write)s?|throughput of the disk)\b"),
    "network": re.compile(r"\b(nic|network interface|interfaces?|eth\d|ens\d+|rx|tx|bandwidth|throughput)\b"),
}  # fmt: skip


@dataclass(frozen=True)
class Thresholds:
    cpu: tuple[float, float] = (85.0, 95.0)
    memory: tuple[float, float] = (85.0, 95.0)
    disk: tuple[float, float] = (85.0, 95.0)
    swap: tuple[float, float] = (50.0, 80.0)
    load_per_core: tuple[float, float] = (1.5, 3.0)


def subjects(task: str) -> list[str]:
    """What the question is about, in the order of `_SUBJECTS`; empty for "how is this host"."""
    text = task.lower()
    return [name for name, pattern in _SUBJECTS.items() if pattern.search(text)]


def trend(values: list[float]) -> str | None:
    if len(values) < MIN_TREND_SAMPLES:
        return None
    half = len(values) // 2
    before, after = statistics.fmean(values[:half]), statistics.fmean(values[half:])
    if after - before > 5:
        return "rising"
    if before - after > 5:
        return "falling"
    return "steady"


def _level(value: float, limits: tuple[float, float]) -> Severity | None:
    if value >= limits[1]:
        return Severity.CRITICAL
    if value >= limits[0]:
        return Severity.WARNING
    return None


def _trend_note(value: str | None) -> str:
    return f", {value}" if value else ""


def findings(output: dict[str, Any], limits: Thresholds, task: str = "") -> list[Finding]:
    """Threshold findings, most severe first; then the answer to each subject asked about that
    no threshold finding already answers, as an info finding."""
    found = _threshold_findings(output, limits)
    found.sort(key=lambda f: -SEVERITY_RANK[f.severity])
    answered = {_SUBJECT_OF.get(f.code) for f in found}
    answers = [
        answer
        for subject in subjects(task)
        if subject not in answered
        for answer in [_answer(subject, output)]
        if answer is not None
    ]
    if not found and not answers:
        return [Finding(severity=Severity.INFO, code="system_ok", message=ALL_OK)]
    # Problems that concern the question lead; other problems follow; answers close the list.
    asked = set(subjects(task))
    found.sort(key=lambda f: (-SEVERITY_RANK[f.severity], _SUBJECT_OF.get(f.code) not in asked))
    return found + answers


# What each finding is about: threshold findings and the answers alike.
_SUBJECT_OF = {
    "disk_usage": "disk",
    "memory_usage": "memory",
    "swap_usage": "swap",
    "cpu_usage": "cpu",
    "load_average": "load",
    "top_processes": "processes",
    "disk_io": "io",
    "network_rates": "network",
    "high_cpu": "cpu",
    "high_memory": "memory",
    "high_swap": "swap",
    "high_load": "load",
    "disk_filling": "disk",
    "top_process": "processes",
}


def _threshold_findings(output: dict[str, Any], limits: Thresholds) -> list[Finding]:
    found: list[Finding] = []

    def check(value: float, bounds: tuple[float, float], code: str, message: str) -> None:
        severity = _level(value, bounds)
        if severity is not None:
            found.append(Finding(severity=severity, code=code, message=message))

    cpu, memory = output["cpu"], output["memory"]
    check(
        cpu["average"],
        limits.cpu,
        "high_cpu",
        f"CPU averaged {cpu['average']}% (peak {cpu['max']}%{_trend_note(cpu.get('trend'))}).",
    )
    check(
        memory["percent"],
        limits.memory,
        "high_memory",
        f"Memory is {memory['percent']}% used ({memory['available_mb']} MB available"
        f"{_trend_note(memory.get('trend'))}).",
    )
    check(output["swap"]["percent"], limits.swap, "high_swap", f"Swap is {output['swap']['percent']}% used.")
    per_core = output["load"]["1m"] / max(output["cores"], 1)
    check(
        per_core,
        limits.load_per_core,
        "high_load",
        f"Load {output['load']['1m']:.2f} on {output['cores']} cores ({per_core:.2f} per core).",
    )
    for disk in output["disks"]:
        check(
            disk["percent"],
            limits.disk,
            "disk_filling",
            f"{disk['mount']} is {disk['percent']}% full ({disk['free_gb']} GB free).",
        )
    if "rising" in (cpu.get("trend"), memory.get("trend")):
        found.append(
            Finding(
                severity=Severity.INFO,
                code="rising_usage",
                message=f"Usage is rising across {output['samples']} samples (CPU {cpu.get('trend')}, "
                f"memory {memory.get('trend')}).",
            )
        )
    top = output["processes"]["by_cpu"][:1]
    if top and top[0]["cpu_percent"] >= limits.cpu[0]:
        found.append(
            Finding(
                severity=Severity.INFO,
                code="top_process",
                message=f"{top[0]['name']} (pid {top[0]['pid']}) uses {top[0]['cpu_percent']}% CPU.",
            )
        )
    return found


def _answer(subject: str, output: dict[str, Any]) -> Finding | None:
    """An info finding that answers the question about `subject` when nothing is wrong there."""
    cpu, memory = output["cpu"], output["memory"]
    if subject == "disk":
        disks = sorted(output["disks"], key=lambda d: -d["percent"])
        if not disks:
            return None
        shown = "; ".join(f"{d['mount']} {d['percent']}% full ({d['free_gb']} GB free)" for d in disks[:6])
        return Finding(severity=Severity.INFO, code="disk_usage", message=f"Disks: {shown}.")
    if subject == "memory":
        message = (
            f"Memory is {memory['percent']}% used: {memory['available_mb']} MB of "
            f"{memory['total_mb']} MB available{_trend_note(memory.get('trend'))}."
        )
        return Finding(severity=Severity.INFO, code="memory_usage", message=message)
    if subject == "swap":
        message = f"Swap is {output['swap']['percent']}% used: the host is not swapping heavily."
        if not output["swap"]["percent"]:
            message = "Swap is not in use: the host is not swapping."
        return Finding(severity=Severity.INFO, code="swap_usage", message=message)
    if subject == "cpu":
        message = f"CPU averaged {cpu['average']}% (peak {cpu['max']}%{_trend_note(cpu.get('trend'))})."
        return Finding(severity=Severity.INFO, code="cpu_usage", message=message)
    if subject == "load":
        load, cores = output["load"], output["cores"]
        message = (
            f"Load average {load['1m']:.2f} / {load['5m']:.2f} / {load['15m']:.2f} (1, 5, 15 min) "
            f"on {cores} cores."
        )
        return Finding(severity=Severity.INFO, code="load_average", message=message)
    if subject == "processes":
        by_cpu, by_memory = output["processes"]["by_cpu"][:3], output["processes"]["by_memory"][:3]
        cpu_text = ", ".join(f"{p['name']} ({p['cpu_percent']}%)" for p in by_cpu)
        memory_text = ", ".join(f"{p['name']} ({p.get('memory_percent', 0)}%)" for p in by_memory)
        message = f"Top by CPU: {cpu_text or 'none'}; top by memory: {memory_text or 'none'}."
        return Finding(severity=Severity.INFO, code="top_processes", message=message)
    if subject == "io":
        io = output.get("disk_io") or {}
        message = (
            f"Disk I/O: {io.get('read_bytes_per_s', 0) / 1e6:.1f} MB/s read, "
            f"{io.get('write_bytes_per_s', 0) / 1e6:.1f} MB/s written."
        )
        return Finding(severity=Severity.INFO, code="disk_io", message=message)
    if subject == "network":
        rates = sorted(
            (output.get("network") or {}).items(),
            key=lambda item: -(item[1]["rx_bytes_per_s"] + item[1]["tx_bytes_per_s"]),
        )
        if not rates:
            return None
        shown = "; ".join(
            f"{nic} rx {r['rx_bytes_per_s'] / 1e6:.2f} MB/s, tx {r['tx_bytes_per_s'] / 1e6:.2f} MB/s"
            for nic, r in rates[:4]
        )
        return Finding(severity=Severity.INFO, code="network_rates", message=f"Interfaces: {shown}.")
    return None


def summary(output: dict[str, Any], found: list[Finding], task: str = "") -> str:
    """The answer to what was asked first, then the worst other problem."""
    asked = subjects(task)
    lead = next((f for f in found if _SUBJECT_OF.get(f.code) in asked), None)
    problems = [f for f in found if f.severity != Severity.INFO]
    head = (
        f"CPU {output['cpu']['average']}%, memory {output['memory']['percent']}%, "
        f"load {output['load']['1m']:.2f} on {output['cores']} cores over {output['samples']} "
        f"sample{'s' if output['samples'] != 1 else ''}"
    )
    if lead is not None:
        other = next((f for f in problems if f is not lead), None)
        return lead.message + (f" Also: {other.message}" if other else "") + f" ({head})."
    return f"{head}. {problems[0].message}" if problems else f"{head}. Within thresholds."
