"""Exception handlers: every error, framework ones included, leaves in the contract's envelope."""

from __future__ import annotations

import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import orjson
import structlog
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import AppError, InvalidRequest, error_envelope
from app.middleware.root_path import route_path
from app.observability.tracing import current_trace_id

log = structlog.get_logger("app.errors")
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "service_unavailable",
}


class ErrorResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def error_response(
    request: Request,
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: Mapping[str, str] | None = None,
) -> ErrorResponse:
    trace_id = current_trace_id()
    if trace_id is not None and details is None:
        details = {"trace_id": trace_id}
    return ErrorResponse(
        error_envelope(code, message, details, _request_id(request)),
        status_code=status,
        headers=headers,
    )


async def app_error_handler(request: Request, exc: Exception) -> ErrorResponse:
    assert isinstance(exc, AppError)  # noqa: S101 - registered for AppError only
    return error_response(request, exc.status, exc.code, exc.message, exc.details, exc.headers)


async def http_error_handler(request: Request, exc: Exception) -> ErrorResponse:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101
    status = exc.status_code
    code = _HTTP_CODES.get(status, "http_error" if status < 500 else "internal_error")
    if status == 404 and exc.detail == "Not Found":
        message = f"No route matches {request.method} {request.url.path}."
    elif status == 405:
        message = f"{request.method} is not allowed on {request.url.path}."
        allowed = allowed_methods(request)
        if allowed:
            headers = {**(exc.headers or {}), "Allow": ", ".join(allowed)}
            return error_response(request, status, code, message, None, headers)
    elif isinstance(exc.detail, str) and exc.detail:
        message = exc.detail
    else:
        message = HTTPStatus(status).phrase
    return error_response(request, status, code, message, None, exc.headers)


async def validation_error_handler(request: Request, exc: Exception) -> ErrorResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101
    invalid = InvalidRequest.from_errors(exc.errors())
    return error_response(request, 422, invalid.code, invalid.message, jsonable_encoder(invalid.details))


async def database_error_handler(request: Request, exc: Exception) -> ErrorResponse:
    """The database failing is a dependency outage: 503 to retry, not a 500 bug."""
    log.warning("database_unavailable", error=type(exc).__name__, path=request.url.path)
    return error_response(
        request,
        503,
        "database_unavailable",
        "The database is unavailable; retry shortly.",
        headers={"Retry-After": "5"},
    )


async def unhandled_error_handler(request: Request, exc: Exception) -> ErrorResponse:
    return error_response(request, 500, AppError.code, AppError.message)


def allowed_methods(request: Request) -> list[str]:
    """Every method of every route whose template matches the path (Starlette reports only the
    first route it finds, so GET and POST on one path would answer `Allow: GET`)."""
    table: list[tuple[re.Pattern[str], set[str]]] | None = getattr(request.app.state, "method_table", None)
    if table is None:
        table = []
        for path, operations in request.app.openapi().get("paths", {}).items():
            pattern = re.compile(
                "^"
                + re.sub(r"\{[^}]+\}", "[^/]+", re.escape(path).replace(r"\{", "{").replace(r"\}", "}"))
                + "$"
            )
            table.append((pattern, {method.upper() for method in operations}))
        request.app.state.method_table = table
    found: set[str] = set()
    for pattern, methods in table:
        if pattern.match(route_path(request.scope)):
            found |= methods
    return sorted(found)


def register_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, app_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(DBAPIError, database_error_handler)
    app.add_exception_handler(SQLAlchemyTimeoutError, database_error_handler)
    # asyncpg's refused or reset connections surface unwrapped from the pool.
    app.add_exception_handler(ConnectionError, database_error_handler)
    # Backstop for errors raised outside the error-boundary middleware.
    app.add_exception_handler(Exception, unhandled_error_handler)
