"""The LLM manager: primary provider then fallbacks, retries with backoff on retryable errors
only, a circuit breaker per provider, an overall deadline, and usage accounting."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import structlog
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from app.llm.base import (
    AllProvidersFailed,
    CircuitOpen,
    GenerationOptions,
    LLMError,
    LLMResponse,
    Message,
    NonRetryableLLMError,
    Provider,
    RetryableLLMError,
)
from app.llm.breakers import ProviderBreakers
from app.observability.metrics import (
    CIRCUIT_VALUES,
    LLM_CALLS,
    LLM_CIRCUIT,
    LLM_COST,
    LLM_LATENCY,
    LLM_RETRIES,
    LLM_TOKENS,
    labelled,
)
from app.observability.tracing import tracer
from app.security.redaction import SecretRedactor

log = structlog.get_logger("app.llm")
MAX_RETRY_AFTER_SECONDS = 10.0
OFFLINE_RESERVE_SECONDS = 0.5  # what a last, offline fallback needs of the deadline


class LLMManager:
    def __init__(
        self,
        providers: Sequence[Provider],
        breakers: ProviderBreakers,
        *,
        max_retries: int = 2,
        call_timeout: float = 20.0,
        deadline: float = 30.0,
        backoff_initial: float = 0.25,
        backoff_max: float = 4.0,
        max_tokens: int = 512,
        redactor: SecretRedactor | None = None,
    ) -> None:
        if not providers:
            raise ValueError("at least one provider is needed")
        self.providers = list(providers)
        self.breakers = breakers
        self.max_retries = max_retries
        self.call_timeout = call_timeout
        self.deadline = deadline
        self.max_tokens = max_tokens
        # Prompts carry pasted logs and task text: secrets are scrubbed before they leave.
        self.redactor = redactor or SecretRedactor()
        self._backoff = wait_exponential(multiplier=backoff_initial, max=backoff_max) + wait_random(
            0, backoff_initial
        )
        self.last_error: dict[str, str] = {}

    @property
    def primary(self) -> Provider:
        return self.providers[0]

    @property
    def offline_only(self) -> bool:
        return all(provider.name == "offline" for provider in self.providers)

    def _scrubbed(self, messages: list[Message]) -> list[Message]:
        """What remote providers are sent: no secret. The offline provider is in-process and
        gets the messages as they are; so does a chain of offline providers only."""
        if self.offline_only:
            return messages
        return [Message(m.role, self.redactor.scrub(m.content)) for m in messages]

    def _wait(self, state: RetryCallState) -> float:
        delay = float(self._backoff(state))
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, LLMError) and error.retry_after:
            delay = max(delay, min(error.retry_after, MAX_RETRY_AFTER_SECONDS))
        return delay

    async def generate_with_metadata(
        self, messages: list[Message], *, max_tokens: int | None = None, deadline: float | None = None
    ) -> LLMResponse:
        """Try each provider in order within one overall deadline; raise AllProvidersFailed."""
        budget = min(deadline or self.deadline, self.deadline)
        ends_at = time.monotonic() + budget
        errors: list[LLMError] = []
        scrubbed = self._scrubbed(messages)  # once, whichever providers the chain reaches
        for index, provider in enumerate(self.providers):
            remaining = ends_at - time.monotonic()
            if remaining <= 0:
                errors.append(RetryableLLMError(provider.name, "deadline reached before trying it"))
                continue
            # Each provider gets a share of what is left, so a hanging primary cannot spend the
            # fallbacks' time; the offline provider answers at once and needs no share.
            later = [p for p in self.providers[index + 1 :] if p.name != "offline"]
            share = remaining / (len(later) + 1) if later else remaining
            if not later and len(self.providers) > index + 1:
                share = max(remaining - OFFLINE_RESERVE_SECONDS, remaining / 2)
            slice_ends = time.monotonic() + share
            try:
                with tracer.start_as_current_span(f"llm {provider.name}") as span:
                    span.set_attribute("llm.model", provider.model)
                    async with asyncio.timeout(share):
                        response = await self._call(
                            provider,
                            messages if provider.name == "offline" else scrubbed,
                            max_tokens or self.max_tokens,
                            slice_ends,
                        )
                    span.set_attribute("llm.input_tokens", response.usage.input_tokens)
                    span.set_attribute("llm.output_tokens", response.usage.output_tokens)
                _record(response)
                return response
            except TimeoutError:
                error: LLMError = RetryableLLMError(
                    provider.name, f"no answer within its {share:.1f}s share of the {budget:g}s deadline"
                )
            except LLMError as exc:
                error = exc
            except Exception as exc:  # a malformed body, a client library's bug: a failed provider
                log.warning("llm_provider_error", provider=provider.name, error=type(exc).__name__)
                error = NonRetryableLLMError(provider.name, f"unusable answer ({type(exc).__name__})")
            errors.append(error)
            labelled(
                LLM_CALLS,
                provider.name,
                provider.model,
                "circuit_open" if isinstance(error, CircuitOpen) else "error",
            ).inc()
            if isinstance(error, CircuitOpen):
                log.info("llm_provider_skipped", provider=provider.name, reason=str(error))
                continue
            self.last_error[provider.name] = str(error)
            log.warning("llm_provider_failed", provider=provider.name, error=str(error))
        raise AllProvidersFailed(errors)

    async def generate(self, messages: list[Message], **kwargs: Any) -> str:
        return (await self.generate_with_metadata(messages, **kwargs)).text

    async def _call(
        self, provider: Provider, messages: list[Message], max_tokens: int, ends_at: float
    ) -> LLMResponse:
        if provider.name == "offline":  # local and deterministic: nothing to retry or break
            return await provider.generate_with_metadata(messages, GenerationOptions(max_tokens=max_tokens))
        async with self.breakers.guard(provider.name):
            retrying = AsyncRetrying(
                stop=stop_after_attempt(self.max_retries + 1),
                wait=self._wait,
                retry=retry_if_exception(lambda exc: isinstance(exc, LLMError) and exc.retryable),
                reraise=True,
                before_sleep=lambda state: _retried(provider.name, state.attempt_number),
            )
            async for attempt in retrying:
                with attempt:
                    timeout = max(0.1, min(self.call_timeout, ends_at - time.monotonic()))
                    options = GenerationOptions(max_tokens=max_tokens, timeout=timeout)
                    try:
                        async with asyncio.timeout(timeout):
                            return await provider.generate_with_metadata(messages, options)
                    except TimeoutError:
                        raise RetryableLLMError(provider.name, f"no answer within {timeout:.1f}s") from None
        raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover

    async def stream(self, messages: list[Message], *, max_tokens: int | None = None) -> AsyncIterator[str]:
        """Stream from the first provider that starts answering; fall back only before any text
        was sent (a half-streamed answer cannot be retried transparently)."""
        errors: list[LLMError] = []
        options = GenerationOptions(max_tokens=max_tokens or self.max_tokens, timeout=self.call_timeout)
        scrubbed = self._scrubbed(messages)
        for provider in self.providers:
            started = False
            try:
                async with self.breakers.guard(provider.name):
                    outgoing = messages if provider.name == "offline" else scrubbed
                    async for piece in provider.stream(outgoing, options):
                        started = True
                        yield piece
                return
            except Exception as exc:  # any failure of a provider, not only the ones it names
                if started:
                    raise
                error = (
                    exc
                    if isinstance(exc, LLMError)
                    else NonRetryableLLMError(provider.name, f"unusable answer ({type(exc).__name__})")
                )
                errors.append(error)
                self.last_error[provider.name] = str(error)
        raise AllProvidersFailed(errors)

    async def health(self) -> dict[str, Any]:
        circuits = {}
        for provider in self.providers:
            try:
                circuits[provider.name] = await self.breakers.state(provider.name)
            except Exception as exc:  # health must answer even when the circuit store does not
                circuits[provider.name] = f"unknown ({type(exc).__name__})"
            if circuits[provider.name] in CIRCUIT_VALUES:
                labelled(LLM_CIRCUIT, provider.name).set(CIRCUIT_VALUES[circuits[provider.name]])
        detail: dict[str, Any] = {
            "provider": self.primary.name,
            "model": self.primary.model,
            "fallbacks": [p.name for p in self.providers[1:]],
            "circuits": circuits,
            "last_error": self.last_error.get(self.primary.name),
        }
        if all(state == "opened" for state in circuits.values()):
            raise AllProvidersFailed([LLMError(name, "circuit open") for name in circuits])
        return detail

    async def close(self) -> None:
        for provider in self.providers:
            await provider.close()
        await self.breakers.close()


def _record(response: LLMResponse) -> None:
    usage = response.usage
    labelled(LLM_CALLS, usage.provider, usage.model, "ok").inc()
    labelled(LLM_TOKENS, usage.provider, usage.model, "input").inc(usage.input_tokens)
    labelled(LLM_TOKENS, usage.provider, usage.model, "output").inc(usage.output_tokens)
    labelled(LLM_COST, usage.provider, usage.model).inc(usage.cost_usd)
    labelled(LLM_LATENCY, usage.provider, usage.model).observe(usage.latency_ms / 1000)


def _retried(provider: str, attempt: int) -> None:
    labelled(LLM_RETRIES, provider).inc()
    log.info("llm_retry", provider=provider, attempt=attempt)
