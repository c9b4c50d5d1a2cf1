"""ROOT_PATH: the app answers under a path prefix whether the proxy in front strips it or not.

Every request's scope gets `root_path` set to the prefix, and its `path` made to start with it
(the ASGI spec's form), so routes, mounts and the links the app makes (the console's assets, the
OpenAPI page) all carry the prefix. `/ops/console` and, from a stripping proxy, `/console` both
reach the console."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


class RootPathMiddleware:
    def __init__(self, app: ASGIApp, root_path: str) -> None:
        self.app = app
        self.root_path = root_path.rstrip("/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or not self.root_path:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        prefix = self.root_path
        if not (path == prefix or path.startswith(prefix + "/")):
            path = prefix + path
        await self.app({**scope, "root_path": prefix, "path": path}, receive, send)


def route_path(scope: Scope) -> str:
    """The path without the ROOT_PATH prefix: what the routes are declared as."""
    path: str = scope["path"]
    prefix: str = scope.get("root_path", "")
    if prefix and (path == prefix or path.startswith(prefix + "/")):
        return path[len(prefix) :] or "/"
    return path
