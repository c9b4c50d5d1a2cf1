"""Health, liveness and readiness: never authenticated, never rate limited."""

from __future__ import annotations

from fastapi import APIRouter, Response

from app import __version__
from app.api import API_PREFIX
from app.api.deps import ContainerDep
from app.api.schemas import HealthOut, ProbeOut

router = APIRouter(prefix=f"{API_PREFIX}/health", tags=["health"])


@router.get(
    "",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "A critical dependency is down."}},
)
async def health(container: ContainerDep, response: Response) -> HealthOut:
    report = await container.health.report()
    if report.status == "unhealthy":
        response.status_code = 503
    return HealthOut(status=report.status, version=__version__, checks=report.checks)


@router.get("/live", response_model=ProbeOut)
async def live() -> ProbeOut:
    """The process is up and serving; says nothing about dependencies."""
    return ProbeOut(status="ok")


@router.get(
    "/ready",
    response_model=ProbeOut,
    responses={503: {"model": ProbeOut, "description": "Not ready: draining or a dependency down."}},
)
async def ready(container: ContainerDep, response: Response) -> ProbeOut:
    report = await container.health.report()
    if report.ready:
        return ProbeOut(status="ok")
    response.status_code = 503
    down = [name for name, check in report.checks.items() if check["status"] == "down"]
    detail = "shutting down" if container.health.draining else f"down: {', '.join(down)}"
    return ProbeOut(status="unavailable", detail=detail)
