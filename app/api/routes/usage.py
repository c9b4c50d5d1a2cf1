"""`GET /api/v1/usage`: LLM calls, tokens and estimated cost per API key, from the database.

A key sees its own usage; admin labels (`ADMIN_KEY_LABELS`) see every key's."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from app.api import API_PREFIX
from app.api.deps import CallerDep, ContainerDep, GuardedRoute
from app.storage.audit import AuditEvent

router = APIRouter(prefix=API_PREFIX, tags=["usage"], route_class=GuardedRoute)


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
    owner = None if caller.admin else caller.key_label
    totals = await container.executions.usage_by_owner(owner)
    if caller.admin:
        await container.audit.record(
            AuditEvent("admin_read", caller.key_label, caller.client_ip, None, "usage", {"resource": "usage"})
        )
    return UsageReport(usage={label: UsageOut(**entry) for label, entry in totals.items()})
