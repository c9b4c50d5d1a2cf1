"""OpenAI-compatible chat completions through the official SDK (its own retries off: the manager
owns retries). Works with any server speaking the API: vLLM, llama.cpp, LM Studio, Ollama."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

from app.llm.base import (
    GenerationOptions,
    LLMError,
    LLMResponse,
    Message,
    NonRetryableLLMError,
    RetryableLLMError,
    Usage,
)
from app.llm.pricing import estimate_cost
from app.observability.timing import ms_since

try:
    import openai
    from openai import AsyncStream
    from openai.types.chat import ChatCompletionChunk
except ImportError as exc:  # pragma: no cover - the dependency is declared
    raise ImportError("the openai provider needs the `openai` package: pip install openai") from exc


class OpenAIProvider:
    name = "openai"

    def __init__(
        self,
        model: str,
        api_key: str | None,
        base_url: str | None,
        *,
        timeout: float = 30.0,
        price: tuple[float, float] | None = None,
    ) -> None:
        self.model = model
        self.price = price
        self.client = openai.AsyncOpenAI(
            api_key=api_key or "not-needed",  # local OpenAI-compatible servers often need none
            base_url=base_url,
            max_retries=0,
            timeout=timeout,
        )

    async def generate_with_metadata(
        self, messages: list[Message], options: GenerationOptions
    ) -> LLMResponse:
        started = time.perf_counter()
        try:
            completion = await self.client.chat.completions.create(
                model=self.model,
                messages=[{"role": m.role, "content": m.content} for m in messages],  # type: ignore[misc]
                max_tokens=options.max_tokens,
                temperature=options.temperature,
                timeout=options.timeout,
            )
        except openai.APIError as exc:
            raise _map_error(exc) from exc
        text = (completion.choices[0].message.content or "") if completion.choices else ""
        usage = completion.usage
        tokens_in = usage.prompt_tokens if usage else 0
        tokens_out = usage.completion_tokens if usage else 0
        return LLMResponse(
            text=text,
            usage=Usage(
                provider=self.name,
                model=completion.model or self.model,
                input_tokens=tokens_in,
                output_tokens=tokens_out,
                latency_ms=ms_since(started),
                cost_usd=estimate_cost(self.model, tokens_in, tokens_out, self.price),
            ),
        )

    async def stream(self, messages: list[Message], options: GenerationOptions) -> AsyncIterator[str]:
        try:
            chunks: AsyncStream[ChatCompletionChunk] = await self.client.chat.completions.create(
                model=self.model,
                messages=[{"role": m.role, "content": m.content} for m in messages],  # type: ignore[misc]
                max_tokens=options.max_tokens,
                temperature=options.temperature,
                timeout=options.timeout,
                stream=True,
            )  # type: ignore[assignment]
            async for chunk in chunks:
                if chunk.choices and chunk.choices[0].delta.content:
                    yield chunk.choices[0].delta.content
        except openai.APIError as exc:
            raise _map_error(exc) from exc

    async def health(self) -> dict[str, Any]:
        return {"provider": self.name, "model": self.model, "base_url": str(self.client.base_url)}

    async def close(self) -> None:
        await self.client.close()


def _map_error(exc: openai.APIError) -> LLMError:
    if isinstance(exc, openai.APITimeoutError | openai.APIConnectionError):
        return RetryableLLMError("openai", type(exc).__name__)
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        if status == 429 or status >= 500 or status == 408:
            return RetryableLLMError("openai", f"HTTP {status}", retry_after=_retry_after(exc))
        return NonRetryableLLMError("openai", f"HTTP {status}: {type(exc).__name__}", status=status)
    return NonRetryableLLMError("openai", type(exc).__name__)


def _retry_after(exc: openai.APIStatusError) -> float | None:
    value = exc.response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
