"""`GET /api/v1/executions` and `GET /api/v1/executions/{id}`: the history of every run.

A key sees its own runs; admin labels see everyone's (and those reads are audited). Someone
else's run answers 404, so ids cannot be probed."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from app.api import API_PREFIX
from app.api.deps import CallerDep, ContainerDep, GuardedRoute
from app.api.history import executions_page, owned_execution
from app.api.schemas import error_responses
from app.errors import AppError
from app.storage.executions import ExecutionFilter, ExecutionRecord, Kind, Status

router = APIRouter(prefix=f"{API_PREFIX}/executions", tags=["executions"], route_class=GuardedRoute)


ISO_TIME = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$"


class InvalidTime(AppError):
    code = "validation_error"
    status = 422
    message = "The time is not valid ISO 8601."


class ExecutionPage(BaseModel):
    executions: list[ExecutionRecord]
    next_cursor: str | None


@router.get("", response_model=ExecutionPage, responses=error_responses(422))
async def list_executions(
    caller: CallerDep,
    container: ContainerDep,
    status: Status | None = None,
    kind: Kind | None = None,
    agent: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z][a-z0-9_]*$")] = None,
    since: Annotated[str | None, Query(pattern=ISO_TIME, description="ISO 8601 time")] = None,
    until: Annotated[str | None, Query(pattern=ISO_TIME, description="ISO 8601 time")] = None,
    owner: Annotated[str | None, Query(max_length=64, description="Admins only: one key's runs.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=512, pattern=r"^[A-Za-z0-9_-]+$")] = None,
) -> ExecutionPage:
    filters = ExecutionFilter(
        owner=owner,
        status=status,
        kind=kind,
        agent=agent,
        since=_parse_time(since),
        until=_parse_time(until),
    )
    records, next_cursor = await executions_page(container, caller, filters, limit=limit, cursor=cursor)
    return ExecutionPage(executions=records, next_cursor=next_cursor)


@router.get("/{execution_id}", response_model=ExecutionRecord, responses=error_responses(404))
async def get_execution(execution_id: str, caller: CallerDep, container: ContainerDep) -> ExecutionRecord:
    return await owned_execution(container, caller, execution_id)


def _parse_time(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidTime(f"{value[:40]!r} is not a valid ISO 8601 time.") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
