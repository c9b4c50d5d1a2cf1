"""AWS Bedrock through botocore's Converse and ConverseStream APIs, asynchronously (aiobotocore).

aiobotocore is botocore, the core boto3 is built on, with its HTTP on asyncio: the same
credential chain, SigV4 signing, endpoint resolution (`BEDROCK_ENDPOINT_URL` for VPC endpoints
and tests) and error shapes, and no thread held per call in flight. One client is opened on first
use and kept; its connection pool is sized by the configured concurrency. botocore's own retries
are off: the manager owns retries.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
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
    from aiobotocore.config import AioConfig
    from aiobotocore.session import get_session
    from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, ReadTimeoutError
except ImportError as exc:  # pragma: no cover - the dependency is declared
    raise ImportError("the bedrock provider needs aiobotocore: pip install aiobotocore") from exc

_RETRYABLE_CODES = {
    "ThrottlingException",
    "TooManyRequestsException",
    "ServiceUnavailableException",
    "InternalServerException",
    "ModelNotReadyException",
    "ModelTimeoutException",
    "RequestTimeout",
}


class BedrockProvider:
    name = "bedrock"

    def __init__(
        self,
        model: str,
        region: str,
        endpoint_url: str | None = None,
        *,
        timeout: float = 30.0,
        concurrency: int = 256,
        credentials: dict[str, str] | None = None,
        price: tuple[float, float] | None = None,
    ) -> None:
        self.model = model
        self.region = region
        self.endpoint_url = endpoint_url
        self.price = price
        self._credentials = dict(credentials or {})
        self._config = AioConfig(
            retries={"total_max_attempts": 1, "mode": "standard"},
            connect_timeout=min(timeout, 10.0),
            read_timeout=timeout,
            max_pool_connections=concurrency,
            tcp_keepalive=True,
        )
        self._session = get_session()
        self._client: Any = None
        self._opening = asyncio.Lock()
        self._resources = AsyncExitStack()

    async def _bedrock(self) -> Any:
        """The client, opened on first use (it needs the running loop) and kept until close(). A
        configuration it cannot be built from (a malformed endpoint, partial credentials) is a
        provider error that retrying cannot help."""
        if self._client is None:
            async with self._opening:
                if self._client is None:
                    try:
                        self._client = await self._resources.enter_async_context(
                            self._session.create_client(
                                "bedrock-runtime",
                                region_name=self.region,
                                endpoint_url=self.endpoint_url,
                                config=self._config,
                                **self._credentials,
                            )
                        )
                    except (BotoCoreError, ValueError) as exc:
                        reason = f"cannot build the client: {exc}"[:300]
                        raise NonRetryableLLMError(self.name, reason) from exc
        return self._client

    def _request(self, messages: list[Message], options: GenerationOptions) -> dict[str, Any]:
        system = [{"text": m.content} for m in messages if m.role == "system"]
        turns = [{"role": m.role, "content": [{"text": m.content}]} for m in messages if m.role != "system"]
        request: dict[str, Any] = {
            "modelId": self.model,
            "messages": turns,
            "inferenceConfig": {"maxTokens": options.max_tokens, "temperature": options.temperature},
        }
        if system:
            request["system"] = system
        return request

    async def generate_with_metadata(
        self, messages: list[Message], options: GenerationOptions
    ) -> LLMResponse:
        started = time.perf_counter()
        client = await self._bedrock()
        try:
            response = await client.converse(**self._request(messages, options))
        except (ClientError, BotoCoreError) as exc:
            raise _map_error(exc) from exc
        content = response.get("output", {}).get("message", {}).get("content", [])
        text = "".join(block.get("text", "") for block in content)
        usage = response.get("usage", {})
        tokens_in, tokens_out = int(usage.get("inputTokens", 0)), int(usage.get("outputTokens", 0))
        return LLMResponse(
            text=text,
            usage=Usage(
                provider=self.name,
                model=self.model,
                input_tokens=tokens_in,
                output_tokens=tokens_out,
                latency_ms=ms_since(started),
                cost_usd=estimate_cost(self.model, tokens_in, tokens_out, self.price),
            ),
        )

    async def stream(self, messages: list[Message], options: GenerationOptions) -> AsyncIterator[str]:
        client = await self._bedrock()
        events: Any = None
        try:
            response = await client.converse_stream(**self._request(messages, options))
            events = response["stream"]
            async for event in events:
                for key in (
                    "throttlingException",
                    "serviceUnavailableException",
                    "internalServerException",
                    "modelStreamErrorException",
                    "validationException",
                ):
                    if key in event:
                        message = str(event[key].get("message", key))[:200]
                        if key == "validationException":
                            raise NonRetryableLLMError(self.name, message)
                        raise RetryableLLMError(self.name, message)
                delta = event.get("contentBlockDelta", {}).get("delta", {})
                if delta.get("text"):
                    yield delta["text"]
        except (ClientError, BotoCoreError) as exc:
            raise _map_error(exc) from exc
        finally:
            if events is not None:  # a reader that stopped early hands the connection back now
                events.close()

    async def health(self) -> dict[str, Any]:
        return {"provider": self.name, "model": self.model, "region": self.region}

    async def close(self) -> None:
        async with self._opening:  # not while a first call is still opening the client
            await self._resources.aclose()
            self._client = None


def _map_error(exc: Exception) -> LLMError:
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", "Unknown"))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        headers = exc.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
        retry_after = headers.get("retry-after")
        after = float(retry_after) if retry_after and retry_after.replace(".", "", 1).isdigit() else None
        if code in _RETRYABLE_CODES or status == 429 or status >= 500:
            return RetryableLLMError("bedrock", f"{code} (HTTP {status})", retry_after=after)
        return NonRetryableLLMError("bedrock", f"{code} (HTTP {status})", status=status or None)
    if isinstance(exc, ReadTimeoutError | ConnectionError):
        return RetryableLLMError("bedrock", type(exc).__name__)
    return NonRetryableLLMError("bedrock", type(exc).__name__)
