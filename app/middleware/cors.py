"""Starlette's CORS middleware, with refused preflights answered in the contract's error envelope."""

from __future__ import annotations

import orjson
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from app.errors import error_envelope


class EnvelopeCORSMiddleware(CORSMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            headers = Headers(scope=scope)
            if "origin" in headers and "access-control-request-method" in headers:
                response = self.preflight_response(request_headers=headers)
                if response.status_code >= 400:
                    response = self._refusal(scope, response)
                await response(scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    @staticmethod
    def _refusal(scope: Scope, refused: Response) -> Response:
        reason = bytes(refused.body).decode("utf-8", "replace") or "CORS preflight refused"
        body = orjson.dumps(
            error_envelope(
                "cors_preflight_refused",
                f"{reason}.",
                None,
                scope.get("state", {}).get("request_id"),
            )
        )
        headers = {k: v for k, v in refused.headers.items() if k.lower() != "content-length"}
        headers["content-type"] = "application/json"
        return Response(body, status_code=refused.status_code, headers=headers)
