"""`GET /api/v1/usage`: LLM calls, tokens and estimated cost per API key (this replica's counts).

A key sees its own usage; admin labels (`ADMIN_KEY_LABELS`) see every key's."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from app.api import API_PREFIX
from app.api.deps import CallerDep, ContainerDep

router = APIRouter(prefix=API_PREFIX, tags=["usage"])


class UsageOut(BaseModel):
    calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: float
    by_provider: dict[str, int]


class UsageReport(BaseModel):
    usage: dict[str, UsageOut]


@router.get("/usage", response_model=UsageReport)
async def usage(caller: CallerDep, container: ContainerDep) -> UsageReport:
    label = None if caller.admin else (caller.key_label or "anonymous")
    totals = container.usage.totals(label)
    return UsageReport(
        usage={
            key: UsageOut(
                calls=t.calls,
                input_tokens=t.input_tokens,
                output_tokens=t.output_tokens,
                cost_usd=t.cost_usd,
                by_provider=dict(t.by_provider),
            )
            for key, t in totals.items()
        }
    )
