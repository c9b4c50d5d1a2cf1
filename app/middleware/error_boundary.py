"""Last line of defence: an unhandled exception becomes the contract's 500 envelope, with the
stack trace logged server-side only. It sits inside the other middleware so the 500 still gets
the request id and security headers."""

from __future__ import annotations

import orjson
import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import AppError, error_envelope

log = structlog.get_logger("app.errors")


class ErrorBoundaryMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        response_started = False

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unhandled_exception", method=scope["method"], path=scope["path"])
            if response_started:
                raise  # the status line is gone; let the server close the connection
            await send_error(send, scope, AppError())


async def send_error(send: Send, scope: Scope, error: AppError, close: bool = False) -> None:
    """`error` as the contract's JSON envelope, straight to the server (for middleware, which has
    no exception handlers around it); `close` asks the client to drop the connection."""
    body = orjson.dumps(
        error_envelope(error.code, error.message, error.details, scope.get("state", {}).get("request_id"))
    )
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
