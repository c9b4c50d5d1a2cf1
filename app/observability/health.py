"""Dependency health: cheap checks, each bounded in time, results cached briefly and shared."""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import structlog

from app.observability.timing import ms_since

log = structlog.get_logger("app.health")

CheckStatus = Literal["ok", "down", "disabled", "unknown"]
Check = Callable[[], Awaitable[dict[str, Any] | None]]


@dataclass(frozen=True)
class HealthReport:
    status: Literal["healthy", "degraded", "unhealthy"]
    checks: dict[str, dict[str, Any]]
    ready: bool
    checked_at: float = field(default_factory=time.monotonic)


class HealthService:
    """Runs the dependency checks concurrently; `critical` ones make the service unhealthy and unready.

    A check returns extra detail (or None) when the dependency answers, raises when it does not,
    and is cancelled after `timeout` seconds. Concurrent callers share one refresh.
    """

    def __init__(
        self,
        checks: Mapping[str, Check | None],
        *,
        critical: set[str],
        timeout: float,
        cache_seconds: float,
    ) -> None:
        self._checks = dict(checks)
        self._critical = critical
        self._timeout = timeout
        self._cache_seconds = cache_seconds
        self._cached: HealthReport | None = None
        self._lock = asyncio.Lock()
        self.draining = False

    async def report(self) -> HealthReport:
        cached = self._cached
        if cached is not None and time.monotonic() - cached.checked_at < self._cache_seconds:
            return self._with_draining(cached)
        async with self._lock:
            cached = self._cached
            if cached is None or time.monotonic() - cached.checked_at >= self._cache_seconds:
                cached = self._cached = await self._run_checks()
        return self._with_draining(cached)

    def _with_draining(self, report: HealthReport) -> HealthReport:
        if not self.draining:
            return report
        return HealthReport(report.status, report.checks, ready=False, checked_at=report.checked_at)

    async def _run_checks(self) -> HealthReport:
        names = list(self._checks)
        results = await asyncio.gather(*(self._run_one(self._checks[n]) for n in names))
        checks = dict(zip(names, results, strict=True))
        critical_down = any(checks[n]["status"] == "down" for n in names if n in self._critical)
        any_down = any(result["status"] == "down" for result in results)
        status: Literal["healthy", "degraded", "unhealthy"] = (
            "unhealthy" if critical_down else "degraded" if any_down else "healthy"
        )
        return HealthReport(status=status, checks=checks, ready=not critical_down)

    async def _run_one(self, check: Check | None) -> dict[str, Any]:
        if check is None:
            return {"status": "disabled"}
        started = time.perf_counter()
        try:
            detail = await asyncio.wait_for(check(), self._timeout)
        except TimeoutError:
            return {"status": "down", "error": f"no answer within {self._timeout:g}s"}
        except Exception as exc:  # a failing dependency is a finding, not a crash
            log.warning("health_check_failed", error=type(exc).__name__, message=str(exc)[:200])
            return {"status": "down", "error": type(exc).__name__}
        result: dict[str, Any] = {
            "status": "ok",
            "latency_ms": ms_since(started),
        }
        if detail:
            result.update(detail)
        return result


def drain_on_signals(health: HealthService) -> Callable[[], None]:
    """Readiness turns false the moment SIGTERM (or SIGINT) arrives, before the server drains its
    requests, so a balancer stops sending new ones; the server's own handler then runs as before.
    Returns what puts the previous handlers back."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous: dict[int, tuple[Callable[..., Any], Callable[..., Any]]] = {}
    for sig in (signal.SIGTERM, signal.SIGINT):
        handler = signal.getsignal(sig)
        if not callable(handler):  # no server installed one: nothing to drain for
            continue

        def draining(signum: int, frame: Any, _handler: Callable[..., Any] = handler) -> None:
            health.draining = True
            log.info("draining", signal=signal.Signals(signum).name)
            _handler(signum, frame)

        previous[sig] = (handler, draining)
        signal.signal(sig, draining)

    def restore() -> None:
        for sig, (handler, ours) in previous.items():
            if signal.getsignal(sig) is ours:  # unless something else took it over since
                signal.signal(sig, handler)

    return restore
