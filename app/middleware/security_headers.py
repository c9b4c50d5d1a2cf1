"""Security headers on every response, and the rate-limit headers an endpoint left in scope state."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.middleware.root_path import route_path

_ALWAYS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
_JSON_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
# The Swagger UI and ReDoc pages load their assets from a CDN; everything else is locked down.
_DOCS_CSP = (
    b"content-security-policy",
    b"default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    b"style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    b"font-src https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com; "
    b"connect-src 'self'; worker-src blob:; frame-ancestors 'none'",
)
_HTML_PATHS = ("/docs", "/redoc")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = _DOCS_CSP if route_path(scope).startswith(_HTML_PATHS) else _JSON_CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {key.lower() for key, _ in headers}
                headers.extend(h for h in _ALWAYS if h[0] not in present)
                if csp[0] not in present:
                    headers.append(csp)
                limit = scope.get("state", {}).get("rate_limit")
                if limit is not None and b"x-ratelimit-limit" not in present:
                    headers.extend(limit.header_pairs())
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
