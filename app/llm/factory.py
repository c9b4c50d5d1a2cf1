"""Builds the provider chain from settings: `LLM_PROVIDER` first, then `LLM_FALLBACKS`."""

from __future__ import annotations

from app.llm.base import Provider
from app.llm.breakers import ProviderBreakers
from app.llm.manager import LLMManager
from app.security.redaction import SecretRedactor
from app.settings import Settings


def build_provider(name: str, settings: Settings) -> Provider:
    timeout = settings.llm_call_timeout_seconds
    if name == "offline":
        from app.llm.offline import OfflineProvider

        return OfflineProvider()
    if name == "bedrock":
        from app.llm.bedrock import BedrockProvider

        credentials = {
            key: value
            for key, value in (
                ("aws_access_key_id", settings.aws_access_key_id),
                ("aws_secret_access_key", settings.aws_secret_access_key),
                ("aws_session_token", settings.aws_session_token),
            )
            if value
        }
        return BedrockProvider(
            settings.bedrock_model_id,
            settings.aws_region,
            settings.bedrock_endpoint_url,
            timeout=timeout,
            concurrency=settings.llm_concurrency,
            credentials=credentials or None,
            price=settings.llm_price_override,
        )
    if name == "openai":
        from app.llm.openai import OpenAIProvider

        return OpenAIProvider(
            settings.openai_model,
            settings.openai_api_key,
            settings.openai_base_url,
            timeout=timeout,
            price=settings.llm_price_override,
        )
    if name == "ollama":
        from app.llm.ollama import OllamaProvider

        return OllamaProvider(
            settings.ollama_model,
            settings.ollama_base_url,
            timeout=timeout,
            max_connections=settings.llm_concurrency,
        )
    raise ValueError(f"unknown LLM provider {name!r}")


def build_manager(settings: Settings, redactor: SecretRedactor) -> LLMManager:
    names = list(dict.fromkeys([settings.llm_provider, *settings.llm_fallbacks]))
    return LLMManager(
        [build_provider(name, settings) for name in names],
        ProviderBreakers(
            threshold=settings.llm_circuit_threshold,
            ttl_seconds=settings.llm_circuit_ttl_seconds,
            redis_url=settings.redis_url,
            redis_timeout=settings.redis_timeout_seconds,
        ),
        max_retries=settings.llm_max_retries,
        call_timeout=settings.llm_call_timeout_seconds,
        deadline=settings.llm_deadline_seconds,
        max_tokens=settings.llm_max_tokens,
        redactor=redactor,
    )
