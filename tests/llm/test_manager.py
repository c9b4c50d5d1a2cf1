"""The manager: retries only what may succeed, fails over, opens circuits, keeps a deadline."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid

import pytest

from app.llm.base import AllProvidersFailed, CircuitOpen, Message
from app.llm.bedrock import BedrockProvider
from app.llm.breakers import ProviderBreakers
from app.llm.manager import LLMManager
from app.llm.offline import OfflineProvider
from app.llm.ollama import OllamaProvider
from app.llm.openai import OpenAIProvider
from tests.llm.standins import ANSWER, Script
from tests.llm.test_providers import CREDENTIALS, MODEL

MESSAGES = [Message("user", "explain")]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def manager(*providers, breakers: ProviderBreakers | None = None, **kwargs) -> LLMManager:  # type: ignore[no-untyped-def]
    options = {
        "max_retries": 2,
        "call_timeout": 5.0,
        "deadline": 10.0,
        "backoff_initial": 0.01,
        "backoff_max": 0.05,
    }
    options.update(kwargs)
    return LLMManager(list(providers), breakers or ProviderBreakers(threshold=5, ttl_seconds=30), **options)


def bedrock(url: str) -> BedrockProvider:
    return BedrockProvider(MODEL, "us-east-1", url, timeout=5.0, concurrency=8, credentials=CREDENTIALS)


async def test_throttled_bedrock_call_is_retried_and_succeeds(
    bedrock_url: str, bedrock_script: Script
) -> None:
    bedrock_script.fates = ["throttle", "throttle"]
    llm = manager(bedrock(bedrock_url))
    try:
        response = await llm.generate_with_metadata(MESSAGES)
    finally:
        await llm.close()
    assert response.text == ANSWER and response.usage.provider == "bedrock"
    assert len(bedrock_script.calls) == 3


async def test_retry_after_is_honoured(openai_url: str, openai_script: Script) -> None:
    openai_script.fates = ["throttle"]
    openai_script.retry_after = "1"
    llm = manager(OpenAIProvider("gpt-4o-mini", "sk-test", openai_url))
    started = time.perf_counter()
    try:
        assert await llm.generate(MESSAGES) == ANSWER
    finally:
        await llm.close()
    assert time.perf_counter() - started >= 0.95  # the backoff alone would be ~0.02 s
    assert len(openai_script.calls) == 2


async def test_auth_error_is_not_retried(bedrock_url: str, bedrock_script: Script) -> None:
    bedrock_script.fates = ["deny"]
    llm = manager(bedrock(bedrock_url))
    try:
        with pytest.raises(AllProvidersFailed, match="AccessDeniedException"):
            await llm.generate(MESSAGES)
    finally:
        await llm.close()
    assert len(bedrock_script.calls) == 1


async def test_retries_stop_after_the_configured_count(openai_url: str, openai_script: Script) -> None:
    openai_script.fates = ["error500"] * 10
    llm = manager(OpenAIProvider("gpt-4o-mini", "sk-test", openai_url), max_retries=1)
    try:
        with pytest.raises(AllProvidersFailed, match="HTTP 500"):
            await llm.generate(MESSAGES)
    finally:
        await llm.close()
    assert len(openai_script.calls) == 2


async def test_dead_primary_fails_over_to_the_fallback(ollama_url: str) -> None:
    dead = OpenAIProvider("gpt-4o-mini", "sk-test", f"http://127.0.0.1:{closed_port()}/v1", timeout=1.0)
    llm = manager(dead, OllamaProvider("llama3.2:3b", ollama_url), max_retries=0)
    try:
        response = await llm.generate_with_metadata(MESSAGES)
    finally:
        await llm.close()
    assert response.usage.provider == "ollama" and response.text == ANSWER
    assert "openai" in llm.last_error


async def test_open_circuit_skips_the_provider_without_waiting(
    openai_url: str, openai_script: Script
) -> None:
    openai_script.fates = ["error500"] * 3
    breakers = ProviderBreakers(threshold=1, ttl_seconds=60)
    llm = manager(OpenAIProvider("gpt-4o-mini", "sk-test", openai_url), OfflineProvider(),
                  breakers=breakers, max_retries=0)  # fmt: skip
    try:
        first = await llm.generate_with_metadata(MESSAGES)
        assert first.usage.provider == "offline"
        assert await breakers.state("openai") == "opened"
        openai_script.delay = 5.0  # were it asked, the next call would hang
        started = time.perf_counter()
        second = await llm.generate_with_metadata(MESSAGES)
        assert time.perf_counter() - started < 0.5
    finally:
        await llm.close()
    assert second.usage.provider == "offline"
    assert len(openai_script.calls) == 1
    health = await llm.health()
    assert health["circuits"] == {"openai": "opened", "offline": "closed"}
    assert "HTTP 500" in (health["last_error"] or "")


async def test_guard_raises_circuit_open() -> None:
    breakers = ProviderBreakers(threshold=1, ttl_seconds=60)
    with pytest.raises(RuntimeError):
        async with breakers.guard("x"):
            raise RuntimeError("fail")
    with pytest.raises(CircuitOpen):
        async with breakers.guard("x"):
            pass


async def test_overall_deadline_bounds_a_slow_chain(openai_url: str, openai_script: Script) -> None:
    openai_script.delay = 3.0
    llm = manager(OpenAIProvider("gpt-4o-mini", "sk-test", openai_url), deadline=0.5, max_retries=3)
    started = time.perf_counter()
    try:
        with pytest.raises(AllProvidersFailed):
            await llm.generate(MESSAGES)
    finally:
        await llm.close()
    assert time.perf_counter() - started < 1.5


async def test_streaming_falls_back_before_any_text(ollama_url: str) -> None:
    dead = OpenAIProvider("gpt-4o-mini", "sk-test", f"http://127.0.0.1:{closed_port()}/v1", timeout=1.0)
    llm = manager(dead, OllamaProvider("llama3.2:3b", ollama_url))
    try:
        pieces = [piece async for piece in llm.stream(MESSAGES)]
    finally:
        await llm.close()
    assert "".join(pieces) == ANSWER and len(pieces) > 5


@pytest.mark.redis
async def test_circuit_state_is_shared_through_redis(
    redis_url: str, openai_url: str, openai_script: Script
) -> None:
    name = f"openai-{uuid.uuid4().hex[:8]}"
    provider = OpenAIProvider("gpt-4o-mini", "sk-test", openai_url)
    provider.name = name  # a fresh circuit for this run on the shared Redis
    openai_script.fates = ["error500"]
    first = manager(
        provider, OfflineProvider(), breakers=ProviderBreakers(1, 60, redis_url=redis_url), max_retries=0
    )
    second = manager(
        provider, OfflineProvider(), breakers=ProviderBreakers(1, 60, redis_url=redis_url), max_retries=0
    )
    try:
        await first.generate(MESSAGES)
        assert await second.breakers.state(name) == "opened"
        await second.generate(MESSAGES)
    finally:
        await first.close()
        await second.breakers.close()
    assert len(openai_script.calls) == 1  # the second replica skipped it


async def test_dead_circuit_store_does_not_block_calls(ollama_url: str) -> None:
    # A real provider goes through the breakers (the offline one does not): the store is asked,
    # fails, and this replica's own breakers take over.
    breakers = ProviderBreakers(2, 60, redis_url=f"redis://127.0.0.1:{closed_port()}/0", redis_timeout=0.2)
    llm = manager(OllamaProvider("llama3.2:3b", ollama_url), breakers=breakers)
    started = time.perf_counter()
    try:
        assert (await llm.generate_with_metadata(MESSAGES)).usage.provider == "ollama"
    finally:
        await llm.close()
    assert time.perf_counter() - started < 1.5
    assert breakers._shared_down_until > 0  # the shared store was tried and found dead


async def test_a_hanging_primary_leaves_the_fallback_its_share_of_the_deadline(
    openai_url: str, openai_script: Script, ollama_url: str
) -> None:
    openai_script.delay = 3.5  # does not answer within the deadline
    llm = manager(
        OpenAIProvider("gpt-4o-mini", "sk-test", openai_url), OllamaProvider("llama3.2:3b", ollama_url),
        deadline=3.0, call_timeout=20.0, max_retries=0,
    )  # fmt: skip
    started = time.perf_counter()
    try:
        response = await llm.generate_with_metadata(MESSAGES)
    finally:
        await llm.close()
    assert response.usage.provider == "ollama" and response.text == ANSWER
    assert time.perf_counter() - started < 3.0
    assert "share" in llm.last_error["openai"]


async def test_a_malformed_answer_is_a_provider_failure_and_the_fallback_answers(
    openai_url: str, openai_script: Script
) -> None:
    openai_script.fates = ["garbage"]
    llm = manager(OpenAIProvider("gpt-4o-mini", "sk-test", openai_url), OfflineProvider(), max_retries=0)
    try:
        response = await llm.generate_with_metadata(MESSAGES)
    finally:
        await llm.close()
    assert response.usage.provider == "offline"
    assert "unusable answer" in llm.last_error["openai"]


async def test_client_errors_and_cancellations_do_not_open_the_circuit(
    openai_url: str, openai_script: Script
) -> None:
    breakers = ProviderBreakers(threshold=1, ttl_seconds=60)
    openai_script.fates = ["deny", "deny"]
    llm = manager(OpenAIProvider("gpt-4o-mini", "sk-test", openai_url), OfflineProvider(),
                  breakers=breakers, max_retries=0)  # fmt: skip
    try:
        for _ in range(2):  # a bad key is ours to fix: the provider is up
            assert (await llm.generate_with_metadata(MESSAGES)).usage.provider == "offline"
        assert await breakers.state("openai") == "closed"
        openai_script.delay = 1.5
        call = asyncio.create_task(llm.generate_with_metadata(MESSAGES))
        await asyncio.sleep(0.3)
        call.cancel()  # the caller went away
        with pytest.raises(asyncio.CancelledError):
            await call
        assert await breakers.state("openai") == "closed"
        openai_script.delay = 0.0
        openai_script.fates = ["error500"]  # a real failure still opens it
        await llm.generate_with_metadata(MESSAGES)
        assert await breakers.state("openai") == "opened"
    finally:
        await llm.close()
