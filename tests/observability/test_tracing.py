"""Tracing: with an in-memory exporter, one orchestration yields the expected span tree, and the
trace id reaches log lines and error bodies."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from structlog.testing import capture_logs

from app.main import create_app
from app.observability.tracing import add_trace_id
from tests.conftest import PLAIN_KEY, open_client

EXPORTER = InMemorySpanExporter()
PROVIDER = TracerProvider()
PROVIDER.add_span_processor(SimpleSpanProcessor(EXPORTER))


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        trace.set_tracer_provider(PROVIDER)
    EXPORTER.clear()
    yield EXPORTER
    EXPORTER.clear()


async def test_one_orchestration_yields_the_expected_span_tree(
    make_settings, spans, listener: int, bedrock_url: str
) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(
        network_allow_targets=["127.0.0.0/8"], llm_provider="bedrock", bedrock_endpoint_url=bedrock_url,
        aws_access_key_id="AKIDEXAMPLETEST", aws_secret_access_key="test-secret-key",
        llm_router_threshold=0.05,  # no classification call, whatever the random port does to the score
    )  # fmt: skip
    app = create_app(settings, tracer_provider=PROVIDER)
    async for client in open_client(app):
        body = {"task": f"check connectivity to 127.0.0.1 on port {listener}", "context": {"checks": ["tcp"]}}
        response = await client.post("/api/v1/orchestrate", json=body, headers={"X-API-Key": PLAIN_KEY})
        assert response.status_code == 200
    finished = spans.get_finished_spans()
    by_name = {span.name: span for span in finished}
    root = by_name["POST /api/v1/orchestrate"]
    names = (
        "route_task",
        "agent network_diagnostics",
        "probe tcp",
        "interpret network_diagnostics",
        "llm bedrock",
    )
    route, agent, probe, interpret, llm = (by_name[n] for n in names)
    assert route.parent is not None and route.parent.span_id == root.context.span_id
    assert agent.parent is not None and agent.parent.span_id == root.context.span_id
    assert probe.parent is not None and probe.parent.span_id == agent.context.span_id
    assert interpret.parent is not None and interpret.parent.span_id == root.context.span_id
    assert llm.parent is not None and llm.parent.span_id == interpret.context.span_id
    assert {s.context.trace_id for s in (root, route, agent, probe, llm)} == {root.context.trace_id}
    assert route.attributes["routing.agents"] == ("network_diagnostics",)
    assert llm.attributes["llm.input_tokens"] == 120


async def test_trace_id_in_log_lines_and_error_bodies(make_settings, spans) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_settings(), tracer_provider=PROVIDER)
    async for client in open_client(app):
        with capture_logs(processors=[add_trace_id]) as logs:
            response = await client.get("/api/v1/agents/nope", headers={"X-API-Key": PLAIN_KEY})
    trace_id = format(
        next(s for s in spans.get_finished_spans() if s.name.startswith("GET")).context.trace_id, "032x"
    )
    assert response.json()["error"]["details"] == {"trace_id": trace_id}
    access = [line for line in logs if line["event"] == "request"]
    assert access and access[0]["trace_id"] == trace_id
