"""`GET /metrics`: Prometheus text format. Open by default (serve it on an internal network), or
behind an API key with METRICS_REQUIRE_KEY=true. Never rate limited."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI, Response

from app.api.deps import authenticate
from app.observability.metrics import render
from app.settings import Settings


def metrics_router(settings: Settings) -> APIRouter:
    dependencies = [Depends(authenticate)] if settings.metrics_require_key else []
    router = APIRouter(tags=["observability"], dependencies=dependencies)

    @router.get(
        "/metrics",
        response_class=Response,
        include_in_schema=True,
        responses={200: {"content": {"text/plain": {}}, "description": "Prometheus exposition format"}},
    )
    async def metrics() -> Response:
        body, content_type = render()
        return Response(body, media_type=content_type)

    return router


def mount_metrics(app: FastAPI, settings: Settings) -> None:
    if settings.metrics_enabled:
        app.include_router(metrics_router(settings))
