"""The LLM layer seen through the API: interpretation in the summary, failures marked, accounting."""

from __future__ import annotations

import json
import socket
from typing import Any

import httpx

from app.main import create_app
from tests.conftest import PLAIN_KEY, open_client
from tests.llm.standins import ANSWER, Script

AUTH = {"X-API-Key": PLAIN_KEY}
# The semantic router is unsure about these (well under LLM_ROUTER_THRESHOLD's 0.7) and finds no host.
UNSURE = "payments-db is acting weird since this morning, 5432 maybe?"
PASTED = (
    "the api is acting weird since the deploy, can you look?\n"
    "2024-05-01 12:00:01 ERROR pool: connect to db-internal-9.corp:5432 refused (password=hunter2-secret)\n"
    "2024-05-01 12:00:02 ERROR pool: giving up after 3 attempts"
)


def task(port: int) -> dict[str, object]:
    return {"task": f"check connectivity to 127.0.0.1 on port {port}", "context": {"checks": ["tcp"]}}


async def test_bedrock_interpretation_is_in_the_summary_with_usage(  # type: ignore[no-untyped-def]
    make_settings, bedrock_url: str, bedrock_script: Script, listener: int
) -> None:
    settings = make_settings(
        llm_provider="bedrock", bedrock_endpoint_url=bedrock_url, aws_access_key_id="AKIDEXAMPLETEST",
        aws_secret_access_key="test-secret-key", network_allow_targets=["127.0.0.0/8"], admin_key_labels=["ops"],
        llm_router_threshold=0.05,  # one call, the interpretation's, whatever the random port does to routing
    )  # fmt: skip
    async for client in open_client(create_app(settings)):
        body = (await client.post("/api/v1/orchestrate", json=task(listener), headers=AUTH)).json()
        result = body["results"][0]
        assert result["summary_source"] == "llm"
        assert result["summary"].startswith(ANSWER)
        assert "interpretation by bedrock/anthropic.claude-3-5-haiku" in result["summary"]
        assert result["rule_summary"].startswith(
            "127.0.0.1: no problems found: 127.0.0.1 accepts TCP on port"
        )
        assert result["rule_summary"].endswith(": open (checks run: tcp).")
        assert result["llm"]["used"] is True
        assert (result["llm"]["input_tokens"], result["llm"]["output_tokens"]) == (120, 18)
        assert result["llm"]["cost_usd"] > 0
        # The check output reached the model as a delimited data block.
        prompt = bedrock_script.calls[-1]["body"]["messages"][0]["content"][0]["text"]
        assert "<<<CHECK_DATA" in prompt and str(listener) in prompt
        usage = (await client.get("/api/v1/usage", headers=AUTH)).json()["usage"]
        assert usage["ops"]["calls"] == 1 and usage["ops"]["input_tokens"] == 120
        health = (await client.get("/api/v1/health")).json()["checks"]["llm"]
        assert health["provider"] == "bedrock" and health["circuits"] == {"bedrock": "closed"}


async def test_every_provider_down_keeps_the_rule_based_result_marked(make_settings, listener: int) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    settings = make_settings(
        llm_provider="openai", openai_base_url=f"http://127.0.0.1:{dead}/v1", openai_api_key="sk-test",
        llm_fallbacks=["ollama"], ollama_base_url=f"http://127.0.0.1:{dead}", llm_max_retries=0,
        network_allow_targets=["127.0.0.0/8"],
    )  # fmt: skip
    async for client in open_client(create_app(settings)):
        response = await client.post("/api/v1/orchestrate", json=task(listener), headers=AUTH)
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "completed"
        result = body["results"][0]
        assert result["summary_source"] == "rules"
        assert result["summary"].startswith("127.0.0.1: no problems found: 127.0.0.1 accepts TCP on port")
        assert result["summary"].endswith(": open (checks run: tcp).")
        assert result["llm"]["used"] is False
        assert "every LLM provider failed" in result["llm"]["detail"]
        assert "rule-based summary stands" in result["llm"]["detail"]
        assert result["output"]["checks"]["tcp"][0]["open"] is True


async def test_offline_default_marks_results_as_rule_based(client: httpx.AsyncClient) -> None:
    body = (
        await client.post(
            "/api/v1/orchestrate",
            json={"task": "ping 10.0.0.1", "dry_run": True},
            headers=AUTH,
        )
    ).json()
    assert body["dry_run"] is True
    health = (await client.get("/api/v1/health")).json()["checks"]["llm"]
    assert health["provider"] == "offline" and health["status"] == "ok"


async def test_non_admin_sees_only_its_own_usage(make_settings) -> None:  # type: ignore[no-untyped-def]
    async for client in open_client(create_app(make_settings())):
        assert (await client.get("/api/v1/usage", headers=AUTH)).json() == {"usage": {}}


def classifier_answer(targets: dict[str, Any] | None = None) -> str:
    body: dict[str, Any] = {"agents": ["network_diagnostics"], "confidence": 0.9, "reason": "a database port"}
    if targets is not None:
        body["targets"] = targets
    return json.dumps(body)


async def dry_run(client: httpx.AsyncClient, task: str) -> dict[str, Any]:
    response = await client.post("/api/v1/orchestrate", json={"task": task, "dry_run": True}, headers=AUTH)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_bedrock_classifier_targets_make_the_dry_run_plan(  # type: ignore[no-untyped-def]
    make_settings, bedrock_url: str, bedrock_script: Script
) -> None:
    settings = make_settings(
        llm_provider="bedrock", bedrock_endpoint_url=bedrock_url, aws_access_key_id="AKIDEXAMPLETEST",
        aws_secret_access_key="test-secret-key",
    )  # fmt: skip
    async for client in open_client(create_app(settings)):
        bedrock_script.answer = classifier_answer({"host": "payments-db", "ports": [5432]})
        body = await dry_run(client, UNSURE)
        assert body["routing"]["agents"] == ["network_diagnostics"]
        assert body["routing"]["reason"].startswith("LLM classifier (bedrock)")
        assert body["targets"] == [
            {"agent": "network_diagnostics", "host": "payments-db", "ports": [5432], "url": None}
        ]
        assert body["needs_input"] is None
        assert len(bedrock_script.calls) == 1  # the classifier; a dry run interprets nothing
        prompt = bedrock_script.calls[0]["body"]["messages"][0]["content"][0]["text"]
        assert "<<<CHECK_DATA" in prompt and "payments-db" in prompt
        # Without proposed targets the same request still lacks a host: the targets made the plan.
        bedrock_script.answer = classifier_answer()
        body = await dry_run(client, UNSURE)
        assert body["routing"]["agents"] == ["network_diagnostics"] and body["targets"] == []
        assert body["needs_input"]["agent"] == "network_diagnostics"


async def test_openai_classifier_host_from_pasted_logs_is_not_a_target(  # type: ignore[no-untyped-def]
    make_settings, openai_url: str, openai_script: Script
) -> None:
    settings = make_settings(llm_provider="openai", openai_base_url=openai_url, openai_api_key="sk-test")
    async for client in open_client(create_app(settings)):
        openai_script.answer = classifier_answer({"host": "db-internal-9.corp", "ports": [5432]})
        body = await dry_run(client, PASTED)
        assert body["routing"]["agents"] == ["network_diagnostics"]
        assert body["routing"]["reason"].startswith("LLM classifier (openai)")
        assert body["targets"] == [] and body["needs_input"]["agent"] == "network_diagnostics"
        sent = json.dumps(openai_script.calls[0]["body"])
        assert "hunter2" not in sent and "db-internal-9" not in sent


async def test_openai_classifier_host_the_policy_denies_is_not_a_target(  # type: ignore[no-untyped-def]
    make_settings, openai_url: str, openai_script: Script
) -> None:
    settings = make_settings(
        llm_provider="openai", openai_base_url=openai_url, openai_api_key="sk-test",
        network_deny_targets=["payments-db"],
    )  # fmt: skip
    async for client in open_client(create_app(settings)):
        openai_script.answer = classifier_answer({"host": "payments-db", "ports": [5432]})
        body = await dry_run(client, UNSURE)
        assert len(openai_script.calls) == 1 and body["routing"]["agents"] == ["network_diagnostics"]
        assert body["targets"] == [] and body["needs_input"]["agent"] == "network_diagnostics"


async def test_confident_request_does_not_call_the_model(  # type: ignore[no-untyped-def]
    make_settings, openai_url: str, openai_script: Script
) -> None:
    settings = make_settings(llm_provider="openai", openai_base_url=openai_url, openai_api_key="sk-test")
    async for client in open_client(create_app(settings)):
        openai_script.answer = classifier_answer({"host": "example.com", "ports": [8443]})
        body = await dry_run(client, "Check connectivity to example.com on port 443")
        assert openai_script.calls == []
        assert body["targets"] == [
            {"agent": "network_diagnostics", "host": "example.com", "ports": [443], "url": None}
        ]
