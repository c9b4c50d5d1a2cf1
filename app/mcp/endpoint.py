"""`/mcp`: the Streamable HTTP endpoint of the Model Context Protocol, in the same app as the API.

A pure ASGI wrapper authenticates the key (`X-API-Key` or `Authorization: Bearer`) and spends its
rate-limit budget before the SDK reads the body, exactly as the API's routes do; then the SDK's
session manager serves the message. The manager runs stateless: every POST stands alone (the
2026-07-28 protocol's single exchange; older clients' handshakes are answered without a session
kept), so any replica behind a load balancer can serve any message."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from app.api.deps import guard
from app.mcp import MCP_PATH
from app.mcp.server import build_server
from app.settings import Settings


class McpEndpoint:
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        await guard(request)  # 401 / 429 in the error envelope, the body unread
        manager: StreamableHTTPSessionManager = request.app.state.mcp
        await manager.handle_request(scope, receive, send)


def mount_mcp(app: FastAPI) -> None:
    app.router.routes.append(Route(MCP_PATH, endpoint=McpEndpoint(), methods=["GET", "POST", "DELETE"]))


@asynccontextmanager
async def serving_mcp(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    """The session manager for the app's lifetime (one per start: the SDK's managers run once)."""
    manager = StreamableHTTPSessionManager(
        app=build_server(), stateless=True, max_request_body_size=settings.max_request_bytes
    )
    app.state.mcp = manager
    async with manager.run():
        yield
