"""The provider interface and the errors every provider maps its SDK's failures onto."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True, slots=True)
class Message:
    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class Usage:
    provider: str
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    latency_ms: float = 0.0
    cost_usd: float = 0.0


@dataclass(frozen=True, slots=True)
class LLMResponse:
    text: str
    usage: Usage


@dataclass(frozen=True, slots=True)
class GenerationOptions:
    max_tokens: int = 512
    temperature: float = 0.2
    timeout: float = 30.0


class LLMError(Exception):
    """A provider call failed. `retryable` says whether trying again may help."""

    retryable = False

    def __init__(
        self, provider: str, message: str, *, retry_after: float | None = None, status: int | None = None
    ) -> None:
        super().__init__(f"{provider}: {message}")
        self.provider = provider
        self.retry_after = retry_after
        self.status = status  # the provider's HTTP status, when it answered with one

    @property
    def client_error(self) -> bool:
        """The request was refused as ours to fix (4xx other than 408/429): the provider is up."""
        return not self.retryable and self.status is not None and 400 <= self.status < 500


class RetryableLLMError(LLMError):
    """Throttling, 5xx, timeouts and dropped connections."""

    retryable = True


class NonRetryableLLMError(LLMError):
    """Authentication, permission, validation and unknown-model errors: retrying cannot help."""


class CircuitOpen(LLMError):
    """The provider's circuit is open: it failed repeatedly and is being left alone for a while."""


@dataclass
class AllProvidersFailed(Exception):
    """Every provider in the chain failed; `errors` holds each one's reason, in order."""

    errors: list[LLMError] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(str(error) for error in self.errors) or "no provider configured"


class Provider(Protocol):
    name: str
    model: str

    async def generate_with_metadata(
        self, messages: list[Message], options: GenerationOptions
    ) -> LLMResponse: ...

    def stream(self, messages: list[Message], options: GenerationOptions) -> AsyncIterator[str]: ...

    async def health(self) -> dict[str, Any]: ...

    async def close(self) -> None: ...
