"""An app factory for tests that run real uvicorn: the service plus a body-reading test route."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI, Request

from app.api.deps import enforce_rate_limit
from app.main import create_app


def build() -> FastAPI:
    app = create_app()
    router = APIRouter(prefix="/api/v1/test")

    @router.post("/upload")
    async def upload(request: Request) -> dict[str, int]:
        return {"received": len(await request.body())}

    app.include_router(router, dependencies=[Depends(enforce_rate_limit)])
    return app
