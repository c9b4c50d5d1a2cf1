"""`GET /api/v1/audit`: the security audit log, newest first, for admin keys only."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from app.api import API_PREFIX
from app.api.deps import CallerDep, ContainerDep, GuardedRoute
from app.api.schemas import error_responses
from app.errors import Forbidden
from app.storage.audit import AuditEvent

router = APIRouter(prefix=API_PREFIX, tags=["audit"], route_class=GuardedRoute)


class AuditEntry(BaseModel):
    id: int
    at: dt.datetime
    event: str
    actor: str | None
    client_ip: str | None
    request_id: str | None
    outcome: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str


class AuditPage(BaseModel):
    entries: list[AuditEntry]
    next_before_id: int | None


@router.get("/audit", response_model=AuditPage, responses=error_responses(403))
async def read_audit(
    caller: CallerDep,
    container: ContainerDep,
    event: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z_]+$")] = None,
    before_id: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPage:
    if not caller.admin:
        raise Forbidden("Only admin keys (ADMIN_KEY_LABELS) may read the audit log.")
    rows = await container.audit.page(before_id=before_id, limit=limit, event=event)
    await container.audit.record(
        AuditEvent("admin_read", caller.key_label, caller.client_ip, None, "audit", {"event": event})
    )
    entries = [AuditEntry.model_validate(row, from_attributes=True) for row in rows]
    return AuditPage(entries=entries, next_before_id=entries[-1].id if len(entries) == limit else None)
