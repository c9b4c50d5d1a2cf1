"""Response and request bodies of the foundation endpoints."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    code: str = Field(examples=["validation_error"])
    message: str
    details: Any = None
    request_id: str | None = None


class ErrorEnvelope(BaseModel):
    """The one shape of every 4xx and 5xx body."""

    error: ErrorBody


class HealthOut(BaseModel):
    status: Literal["healthy", "degraded", "unhealthy"]
    version: str
    checks: dict[str, dict[str, Any]]


class ProbeOut(BaseModel):
    status: Literal["ok", "unavailable"]
    detail: str | None = None


class RateLimitOut(BaseModel):
    limit: int
    remaining: int
    reset_after_seconds: int


class CallerOut(BaseModel):
    key_label: str | None = Field(description="Label of the API key used; null when auth is off.")
    admin: bool
    client_ip: str
    rate_limit: RateLimitOut


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries documenting the error envelope for each status."""
    return {status: {"model": ErrorEnvelope} for status in statuses}
