"""Domain errors: every failure a client may see, with its contract code and HTTP status."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


class AppError(Exception):
    """Base of every error the API turns into the contract's error envelope."""

    code = "internal_error"
    status = 500
    message = "The service failed to handle the request."

    def __init__(
        self,
        message: str | None = None,
        *,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or type(self).message
        self.details = details
        self.headers = headers or {}
        super().__init__(self.message)


class AuthenticationRequired(AppError):
    code = "unauthorized"
    status = 401
    message = "A valid API key is required: send it as X-API-Key or Authorization: Bearer."


class Forbidden(AppError):
    code = "forbidden"
    status = 403
    message = "This API key may not do that."


class NotFound(AppError):
    code = "not_found"
    status = 404
    message = "No such resource."


class RateLimited(AppError):
    code = "rate_limited"
    status = 429
    message = "Too many requests for this key; retry after the number of seconds in Retry-After."


class PayloadTooLarge(AppError):
    code = "payload_too_large"
    status = 413
    message = "The request body is larger than this service accepts."


class ServiceUnavailable(AppError):
    code = "service_unavailable"
    status = 503
    message = "A dependency the service needs is unavailable; retry shortly."


def error_envelope(
    code: str, message: str, details: Any = None, request_id: str | None = None
) -> dict[str, Any]:
    """The contract's one error shape, used by the API handlers and the ASGI middleware alike."""
    return {"error": {"code": code, "message": message, "details": details, "request_id": request_id}}


class InvalidRequest(AppError):
    """Input that does not fit its schema, told field by field as pydantic found it."""

    code = "validation_error"
    status = 422
    message = "The request is invalid."

    @classmethod
    def from_errors(cls, errors: Iterable[Mapping[str, Any]], prefix: tuple[str, ...] = ()) -> InvalidRequest:
        details = [
            {"loc": [*prefix, *e.get("loc", ())], "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in errors
        ]
        problems = "; ".join(f"{'.'.join(map(str, d['loc']))}: {d['msg']}" for d in details[:5])
        return cls(f"The request is invalid: {problems}." if problems else None, details=details)


class TargetNotAllowed(AppError):
    code = "target_not_allowed"
    status = 403
    message = "The diagnostics may not probe this target."


class InvalidTarget(AppError):
    code = "invalid_target"
    status = 422
    message = "The target is not a valid host name, IP address or URL."


class NoMatchingAgent(AppError):
    code = "no_matching_agent"
    status = 422
    message = "No agent can take this task; rephrase it."


class MissingInput(AppError):
    """The right agent was found but the task lacks what it needs; `details` holds the question."""

    code = "missing_input"
    status = 422
    message = "The agent for this task needs more input."


class UnknownAgent(AppError):
    code = "unknown_agent"
    status = 422
    message = "No agent is registered under this id."


class InvalidAgentInput(AppError):
    code = "validation_error"
    status = 422
    message = "The context does not fit the agent's input."
