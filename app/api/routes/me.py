"""`GET /api/v1/me`: which key is calling and how much of its rate budget is left."""

from __future__ import annotations

from fastapi import APIRouter

from app.api import API_PREFIX
from app.api.deps import CallerDep, GuardedRoute, RateLimitDep
from app.api.schemas import CallerOut, RateLimitOut

router = APIRouter(prefix=API_PREFIX, tags=["auth"], route_class=GuardedRoute)


@router.get("/me", response_model=CallerOut)
async def who_am_i(caller: CallerDep, rate_limit: RateLimitDep) -> CallerOut:
    return CallerOut(
        key_label=caller.key_label,
        admin=caller.admin,
        client_ip=caller.client_ip,
        rate_limit=RateLimitOut(
            limit=rate_limit.limit,
            remaining=rate_limit.remaining,
            reset_after_seconds=rate_limit.retry_after,
        ),
    )
