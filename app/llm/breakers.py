"""A circuit breaker per provider (purgatory), shared through Redis when `REDIS_URL` is set.

If Redis itself fails, the breakers fall back to this replica's memory for a while rather than
blocking calls: a dead Redis must not take the LLM layer down with it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlencode, urlsplit, urlunsplit

import structlog
from purgatory import AsyncCircuitBreakerFactory, AsyncInMemoryUnitOfWork, AsyncRedisUnitOfWork
from purgatory.domain.model import ExcludeType, OpenedState

from app.llm.base import CircuitOpen, LLMError

# What says nothing about a provider's health: a call cancelled by its caller, and a request the
# provider refused as ours to fix (a bad key, a bad model name, a prompt too long).
_NOT_FAILURES: ExcludeType = [asyncio.CancelledError, (LLMError, lambda exc: exc.client_error)]

log = structlog.get_logger("app.llm.breakers")
SHARED_RETRY_SECONDS = 5.0


class ProviderBreakers:
    def __init__(
        self,
        threshold: int = 5,
        ttl_seconds: float = 30.0,
        redis_url: str | None = None,
        redis_timeout: float = 0.25,
    ) -> None:
        self.threshold = threshold
        self.ttl_seconds = ttl_seconds
        self.redis_timeout = redis_timeout
        self._local = AsyncCircuitBreakerFactory(threshold, ttl_seconds, uow=AsyncInMemoryUnitOfWork())
        self._shared = (
            AsyncCircuitBreakerFactory(
                threshold, ttl_seconds, uow=AsyncRedisUnitOfWork(_with_timeouts(redis_url, redis_timeout))
            )
            if redis_url
            else None
        )
        self._shared_down_until = 0.0
        self.shared = self._shared is not None

    def _factory(self) -> AsyncCircuitBreakerFactory:
        if self._shared is not None and time.monotonic() >= self._shared_down_until:
            return self._shared
        return self._local

    def _shared_failed(self, exc: BaseException) -> None:
        if time.monotonic() >= self._shared_down_until:
            log.warning("circuit_store_unavailable", error=type(exc).__name__)
        self._shared_down_until = time.monotonic() + SHARED_RETRY_SECONDS

    @asynccontextmanager
    async def guard(self, provider: str) -> AsyncIterator[None]:
        """Raise CircuitOpen at once if the provider's circuit is open; count the block's failures."""
        factory = self._factory()
        try:
            breaker = await asyncio.wait_for(
                factory.get_breaker(f"llm:{provider}", exclude=_NOT_FAILURES), self.redis_timeout * 4
            )
        except Exception as exc:  # the shared store failed: use this replica's breakers
            if factory is self._local:
                raise
            self._shared_failed(exc)
            factory = self._local
            breaker = await factory.get_breaker(f"llm:{provider}", exclude=_NOT_FAILURES)
        try:
            async with breaker:
                yield
        except OpenedState:
            raise CircuitOpen(provider, f"circuit open after {self.threshold} failures") from None

    async def close(self) -> None:
        if self._shared is not None:
            redis = getattr(self._shared.uow.contexts, "redis", None)
            if redis is not None:
                await redis.aclose()

    async def state(self, provider: str) -> str:
        factory = self._factory()
        try:
            breaker = await asyncio.wait_for(factory.get_breaker(f"llm:{provider}"), self.redis_timeout * 4)
        except Exception as exc:
            if factory is self._local:
                raise
            self._shared_failed(exc)
            breaker = await self._local.get_breaker(f"llm:{provider}")
        context = breaker.context
        if context.state == "opened" and context.opened_at and time.time() > context.opened_at + context.ttl:
            return "half-opened"
        return str(context.state)


def _with_timeouts(url: str | None, timeout: float) -> str:
    parts = urlsplit(url or "")
    query = "&".join(
        filter(None, [parts.query, urlencode({"socket_timeout": timeout, "socket_connect_timeout": timeout})])
    )
    return urlunsplit(parts._replace(query=query))
