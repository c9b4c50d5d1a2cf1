"""Ollama's native chat API (`POST /api/chat`), JSON and NDJSON streaming, over httpx."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx

from app.llm.base import (
    GenerationOptions,
    LLMError,
    LLMResponse,
    Message,
    NonRetryableLLMError,
    RetryableLLMError,
    Usage,
)
from app.observability.timing import ms_since


class OllamaProvider:
    name = "ollama"

    def __init__(
        self, model: str, base_url: str, *, timeout: float = 30.0, max_connections: int = 256
    ) -> None:
        self.model = model
        self.base_url = base_url.rstrip("/")
        self.client = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=timeout,
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=64),
        )

    def _body(self, messages: list[Message], options: GenerationOptions, stream: bool) -> dict[str, Any]:
        return {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "stream": stream,
            "options": {"num_predict": options.max_tokens, "temperature": options.temperature},
        }

    async def generate_with_metadata(
        self, messages: list[Message], options: GenerationOptions
    ) -> LLMResponse:
        started = time.perf_counter()
        try:
            response = await self.client.post(
                "/api/chat", json=self._body(messages, options, False), timeout=options.timeout
            )
        except httpx.TimeoutException as exc:
            raise RetryableLLMError(self.name, "timed out") from exc
        except httpx.TransportError as exc:
            raise RetryableLLMError(self.name, f"connection failed: {type(exc).__name__}") from exc
        _raise_for_status(response)
        data = response.json()
        return LLMResponse(
            text=str(data.get("message", {}).get("content", "")),
            usage=Usage(
                provider=self.name,
                model=str(data.get("model", self.model)),
                input_tokens=int(data.get("prompt_eval_count", 0)),
                output_tokens=int(data.get("eval_count", 0)),
                latency_ms=ms_since(started),
            ),
        )

    async def stream(self, messages: list[Message], options: GenerationOptions) -> AsyncIterator[str]:
        try:
            async with self.client.stream(
                "POST", "/api/chat", json=self._body(messages, options, True), timeout=options.timeout
            ) as response:
                if response.status_code >= 400:
                    await response.aread()
                    _raise_for_status(response)
                async for line in response.aiter_lines():
                    if not line.strip():
                        continue
                    event = json.loads(line)
                    if event.get("error"):
                        raise RetryableLLMError(self.name, str(event["error"])[:200])
                    content = event.get("message", {}).get("content", "")
                    if content:
                        yield content
                    if event.get("done"):
                        return
        except httpx.TimeoutException as exc:
            raise RetryableLLMError(self.name, "timed out") from exc
        except httpx.TransportError as exc:
            raise RetryableLLMError(self.name, f"connection failed: {type(exc).__name__}") from exc

    async def health(self) -> dict[str, Any]:
        return {"provider": self.name, "model": self.model, "base_url": self.base_url}

    async def close(self) -> None:
        await self.client.aclose()


def _raise_for_status(response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    try:
        detail = str(response.json().get("error", ""))[:200]
    except (ValueError, AttributeError):
        detail = ""
    error: LLMError
    if status == 429 or status >= 500:
        retry_after = response.headers.get("retry-after")
        error = RetryableLLMError(
            "ollama",
            f"HTTP {status} {detail}".strip(),
            retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None,
        )
    else:
        error = NonRetryableLLMError("ollama", f"HTTP {status} {detail}".strip(), status=status)
    raise error
