"""/metrics after real requests: each family present with the right labels and counts."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from app.main import create_app
from tests.conftest import PLAIN_KEY, open_client

AUTH = {"X-API-Key": PLAIN_KEY}


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(data: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return data.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_metric_families_count_real_requests(make_settings, listener: int) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_settings(network_allow_targets=["127.0.0.0/8"], rate_limit="3/minute"))
    async for client in open_client(app):
        before = samples((await client.get("/metrics")).text)
        body = {"task": f"is port {listener} open on 127.0.0.1", "context": {"checks": ["tcp"]}}
        assert (await client.post("/api/v1/orchestrate", json=body, headers=AUTH)).status_code == 200
        await client.get("/api/v1/me", headers=AUTH)
        await client.get("/api/v1/me", headers=AUTH)
        assert (await client.get("/api/v1/me", headers=AUTH)).status_code == 429
        await client.post("/api/v1/workflows", json={"definition": {"id": "m", "steps": [{"id": "s", "agent": "summary"}]}},
                          headers={"X-API-Key": "hashed-secret-key-5678"})  # fmt: skip
        after = samples((await client.get("/metrics")).text)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("http_requests_total", method="POST", route="/api/v1/orchestrate", status="200") == 1
    assert delta("http_requests_total", method="GET", route="/api/v1/me", status="429") == 1
    assert delta("http_request_duration_seconds_count", method="POST", route="/api/v1/orchestrate") == 1
    assert delta("orchestrations_total", strategy="single", outcome="completed") == 1
    assert delta("agent_runs_total", agent="network_diagnostics", status="completed") == 1
    assert delta("probes_total", check="tcp", outcome="info") == 1
    assert delta("probe_duration_seconds_count", check="tcp") == 1
    assert delta("rate_limit_rejections_total") == 1
    assert delta("workflow_runs_total", workflow="m", status="completed") == 1
    assert (
        delta("workflow_step_duration_seconds_count", workflow="m", agent="summary", status="completed") == 1
    )
    assert delta("bus_messages_published_total", bus="memory") >= 4
    assert ("http_requests_in_flight", ()) in after  # served, and back where it was: none leaked
    assert delta("http_requests_in_flight") == 0
    assert ("db_pool_size", (("pool", "main"),)) in after or (
        "db_pool_checked_out",
        (("pool", "main"),),
    ) in after


async def test_llm_families(make_settings, listener: int, bedrock_url: str) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(
        llm_provider="bedrock", bedrock_endpoint_url=bedrock_url, aws_access_key_id="AKIDEXAMPLETEST",
        aws_secret_access_key="test-secret-key", network_allow_targets=["127.0.0.0/8"],
        # The one call counted is the interpretation's: the router's confidence depends on the
        # listener's random port number, and below the threshold it would ask the model too.
        llm_router_threshold=0.05,
    )  # fmt: skip
    async for client in open_client(create_app(settings)):
        before = samples((await client.get("/metrics")).text)
        body = {"task": f"is port {listener} open on 127.0.0.1", "context": {"checks": ["tcp"]}}
        await client.post("/api/v1/orchestrate", json=body, headers=AUTH)
        await client.get("/api/v1/health")
        after = samples((await client.get("/metrics")).text)
    model = "anthropic.claude-3-5-haiku-20241022-v1:0"
    assert (
        value(after, "llm_calls_total", provider="bedrock", model=model, outcome="ok")
        - value(before, "llm_calls_total", provider="bedrock", model=model, outcome="ok")
        == 1
    )
    assert value(after, "llm_tokens_total", provider="bedrock", model=model, direction="input") >= 120
    assert value(after, "llm_cost_usd_total", provider="bedrock", model=model) > 0
    assert value(after, "llm_circuit_state", provider="bedrock") == 0


async def test_metrics_can_require_a_key_or_be_off(make_settings) -> None:  # type: ignore[no-untyped-def]
    async for client in open_client(create_app(make_settings(metrics_require_key=True))):
        assert (await client.get("/metrics")).status_code == 401
        assert (await client.get("/metrics", headers=AUTH)).status_code == 200
    async for client in open_client(create_app(make_settings(metrics_enabled=False))):
        assert (await client.get("/metrics")).status_code == 404


async def test_metrics_endpoint_is_not_rate_limited(make_settings) -> None:  # type: ignore[no-untyped-def]
    async for client in open_client(create_app(make_settings(rate_limit="1/minute"))):
        codes = {(await client.get("/metrics")).status_code for _ in range(5)}
        assert codes == {200}


async def test_unknown_methods_share_one_series(make_settings) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_settings())
    async for client in open_client(app):
        before = samples((await client.get("/metrics")).text)
        for method in ("FOO", "BAR", "PROPFIND"):
            assert (await client.request(method, "/api/v1/me", headers=AUTH)).status_code == 405
        after = samples((await client.get("/metrics")).text)
    others = value(after, "http_requests_total", method="OTHER", route="/api/v1/me", status="405")
    assert (
        others - value(before, "http_requests_total", method="OTHER", route="/api/v1/me", status="405") == 3
    )
    assert not any(dict(labels).get("method") in {"FOO", "BAR", "PROPFIND"} for _, labels in after)


def test_labelled_children_are_remembered_and_count() -> None:
    from prometheus_client import CollectorRegistry, Counter

    from app.observability.metrics import labelled

    counter = Counter("cache_probe", "test", ["kind"], registry=CollectorRegistry())
    first = labelled(counter, "a")
    assert labelled(counter, "a") is first
    assert labelled(counter, "b") is not first
    first.inc()
    labelled(counter, "a").inc(2)
    assert counter.labels("a")._value.get() == 3
    assert counter.labels("b")._value.get() == 0
