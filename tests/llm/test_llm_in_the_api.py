"""The LLM layer seen through the API: interpretation in the summary, failures marked, accounting."""

from __future__ import annotations

import socket

import httpx

from app.main import create_app
from tests.conftest import PLAIN_KEY, open_client
from tests.llm.standins import ANSWER, Script

AUTH = {"X-API-Key": PLAIN_KEY}


def task(port: int) -> dict[str, object]:
    return {"task": f"check connectivity to 127.0.0.1 on port {port}", "context": {"checks": ["tcp"]}}


async def test_bedrock_interpretation_is_in_the_summary_with_usage(  # type: ignore[no-untyped-def]
    make_settings, bedrock_url: str, bedrock_script: Script, listener: int
) -> None:
    settings = make_settings(
        llm_provider="bedrock", bedrock_endpoint_url=bedrock_url, aws_access_key_id="AKIDEXAMPLETEST",
        aws_secret_access_key="test-secret-key", network_allow_targets=["127.0.0.0/8"], admin_key_labels=["ops"],
    )  # fmt: skip
    async for client in open_client(create_app(settings)):
        body = (await client.post("/api/v1/orchestrate", json=task(listener), headers=AUTH)).json()
        result = body["results"][0]
        assert result["summary_source"] == "llm"
        assert result["summary"].startswith(ANSWER)
        assert "interpretation by bedrock/anthropic.claude-3-5-haiku" in result["summary"]
        assert result["rule_summary"] == "127.0.0.1: no problems found (tcp)."
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
        assert result["summary"] == "127.0.0.1: no problems found (tcp)."
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
