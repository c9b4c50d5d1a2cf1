"""Request id, client address, log context, and the one observation per request: the access-log
line and the HTTP metrics (one wrapper instead of two keeps the hot path short)."""

from __future__ import annotations

import re
import time
import uuid

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.observability.metrics import HTTP_IN_FLIGHT, HTTP_LATENCY, HTTP_REQUESTS, labelled

_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
access_log = structlog.get_logger("app.access")


def sane_request_id(value: str | None) -> str:
    """Echo a client's id when it is a short plain token, else mint a UUID."""
    if value and _SANE_REQUEST_ID.match(value):
        return value
    return str(uuid.uuid4())


KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        incoming = None
        for key, value in scope["headers"]:
            if key == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        request_id = sane_request_id(incoming)
        # The TCP peer, or what a trusted proxy said it was (uvicorn's ProxyHeadersMiddleware,
        # configured from TRUSTED_PROXIES in create_app, has already rewritten it).
        peer = scope.get("client")
        client = peer[0] if peer else "unknown"
        # A per-request copy: servers and test transports may hand every request the same dict.
        state = scope["state"] = dict(scope.get("state") or {})
        state["request_id"] = request_id
        state["client_ip"] = client
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)

        status = 500
        started = time.perf_counter()
        header_value = request_id.encode()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
                headers.append((b"x-request-id", header_value))
                message["headers"] = headers
            await send(message)

        HTTP_IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            HTTP_IN_FLIGHT.dec()
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "<unmatched>"
            # Any token is a method to the HTTP parser: label only known ones (bounded series).
            method = scope["method"] if scope["method"] in KNOWN_METHODS else "OTHER"
            labelled(HTTP_REQUESTS, method, route, str(status)).inc()
            labelled(HTTP_LATENCY, method, route).observe(elapsed)
            access_log.info(
                "request",
                method=scope["method"],
                path=route,
                status=status,
                duration_ms=round(elapsed * 1000, 2),
                client=client,
                key_label=state.get("key_label"),
            )
            structlog.contextvars.clear_contextvars()
