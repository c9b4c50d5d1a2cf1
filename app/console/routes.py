"""`GET /console` (the page) and `/console/static/*` (its own modules, styles and icon).

The page is a file with the path prefix filled in, so the console works behind a proxy that
serves the app under `ROOT_PATH`. It carries no data and needs no key; everything it shows comes
from the API, fetched by its scripts with the key the user typed."""

from __future__ import annotations

import html
import os
from functools import cache
from os import PathLike
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

HERE = Path(__file__).resolve().parent
# Its own scripts, styles and images, requests to its own origin, nothing inline, no framing.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

router = APIRouter(include_in_schema=False)


@cache
def _page() -> str:
    return (HERE / "index.html").read_text(encoding="utf-8")


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


@router.get("/console", response_class=HTMLResponse)
async def console(request: Request) -> HTMLResponse:
    return HTMLResponse(
        _page().replace("{{root}}", html.escape(_root(request), quote=True)),
        headers={"Content-Security-Policy": CSP, "Cache-Control": "no-store"},
    )


@router.get("/console/")
async def console_slash(request: Request) -> RedirectResponse:
    return RedirectResponse(f"{_root(request)}/console", status_code=308)


class _Revalidated(StaticFiles):
    """The browser asks again on every load (a 304 when nothing changed), so a new release's
    modules are never mixed with an old one's."""

    def file_response(
        self,
        full_path: str | PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = "no-cache"
        return response


def mount_console(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/console/static", _Revalidated(directory=HERE / "static"), name="console-static")
