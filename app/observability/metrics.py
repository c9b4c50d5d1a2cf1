"""Prometheus metrics of the service. Metric objects are module-level, as prometheus-client
expects; under several uvicorn workers set PROMETHEUS_MULTIPROC_DIR and /metrics aggregates
every worker's values (multiprocess mode)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector

M = TypeVar("M", Counter, Gauge, Histogram)
_CHILDREN: dict[tuple[object, tuple[str, ...]], Any] = {}


def labelled(metric: M, *values: str) -> M:
    """`metric.labels(*values)`, remembered: `labels()` stringifies, validates and takes a lock
    on every call (about 1.5 us), a dictionary hit costs a tenth of that, and the request path
    makes some fifteen such calls. Label values are bounded sets (route templates, statuses,
    agents, providers), as Prometheus requires anyway, so the cache stays small."""
    key = (metric, values)  # the metric itself, not its id: a freed metric's id can be reused
    child = _CHILDREN.get(key)
    if child is None:
        child = _CHILDREN[key] = metric.labels(*values)
    return child


LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

HTTP_REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests by method, route template and status.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency by method and route template.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
HTTP_IN_FLIGHT = Gauge("http_requests_in_flight", "HTTP requests being served.", multiprocess_mode="livesum")
ORCHESTRATIONS = Counter(
    "orchestrations_total", "Orchestrations by routing strategy and outcome.", ["strategy", "outcome"]
)
ORCHESTRATION_LATENCY = Histogram(
    "orchestration_duration_seconds", "Orchestration duration.", ["strategy"], buckets=LATENCY_BUCKETS
)
AGENT_RUNS = Counter("agent_runs_total", "Agent runs by agent and status.", ["agent", "status"])
AGENT_LATENCY = Histogram("agent_duration_seconds", "Agent run duration.", ["agent"], buckets=LATENCY_BUCKETS)
PROBES = Counter("probes_total", "Network probes by check and outcome.", ["check", "outcome"])
PROBE_LATENCY = Histogram(
    "probe_duration_seconds", "Network probe duration by check.", ["check"], buckets=LATENCY_BUCKETS
)
LLM_CALLS = Counter(
    "llm_calls_total", "LLM calls by provider, model and outcome.", ["provider", "model", "outcome"]
)
LLM_TOKENS = Counter(
    "llm_tokens_total", "LLM tokens by provider, model and direction.", ["provider", "model", "direction"]
)
LLM_COST = Counter("llm_cost_usd_total", "Estimated LLM cost in USD.", ["provider", "model"])
LLM_LATENCY = Histogram(
    "llm_request_duration_seconds", "LLM call latency.", ["provider", "model"], buckets=LATENCY_BUCKETS
)
LLM_RETRIES = Counter("llm_retries_total", "LLM call retries by provider.", ["provider"])
LLM_CIRCUIT = Gauge(
    "llm_circuit_state",
    "Circuit state per provider: 0 closed, 1 half-open, 2 open.",
    ["provider"],
    multiprocess_mode="max",
)
MCP_TOOL_CALLS = Counter("mcp_tool_calls_total", "MCP tool calls by tool and outcome.", ["tool", "outcome"])
RATE_LIMITED = Counter("rate_limit_rejections_total", "Requests refused by the rate limiter.")
WORKFLOW_RUNS = Counter(
    "workflow_runs_total", "Finished workflow runs by workflow and status.", ["workflow", "status"]
)
WORKFLOW_STEP_LATENCY = Histogram(
    "workflow_step_duration_seconds",
    "Workflow step duration.",
    ["workflow", "agent", "status"],
    buckets=LATENCY_BUCKETS,
)
BUS_PUBLISHED = Counter("bus_messages_published_total", "Messages published on the bus.", ["bus"])
BUS_DELIVERED = Counter("bus_messages_delivered_total", "Messages delivered to local subscribers.", ["bus"])
CIRCUIT_VALUES = {"closed": 0.0, "half-opened": 1.0, "opened": 2.0}


class PoolCollector(Collector):
    """Database pool usage, read at scrape time from each registered pool."""

    def __init__(self) -> None:
        self.sources: dict[str, Callable[[], tuple[int, int]]] = {}

    def collect(self) -> Iterable[Metric]:
        size = GaugeMetricFamily("db_pool_size", "Connections the pool keeps.", labels=["pool"])
        used = GaugeMetricFamily("db_pool_checked_out", "Connections in use.", labels=["pool"])
        for name, read in list(self.sources.items()):
            pool_size, checked_out = read()
            size.add_metric([name], pool_size)
            used.add_metric([name], checked_out)
        yield size
        yield used


POOLS = PoolCollector()
REGISTRY.register(POOLS)


def render() -> tuple[bytes, str]:
    """The exposition text: this process's registry, or every worker's in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        registry.register(POOLS)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
