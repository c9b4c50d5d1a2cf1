"""Run history as a caller may read it, for every surface (the REST API and MCP): a key sees its
own runs, admin labels see everyone's and those reads are audited; someone else's run is "not
found", so ids cannot be probed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Any

from app.container import Container
from app.errors import AppError, NotFound
from app.security.api_keys import Caller
from app.storage.audit import AuditEvent
from app.storage.events import TERMINAL, topic
from app.storage.executions import ExecutionFilter, ExecutionRecord

POLL_SECONDS = 2.0


class InvalidCursor(AppError):
    code = "invalid_cursor"
    status = 422
    message = "The cursor is not one this service issued; start again without it."


async def owned_execution(
    container: Container, caller: Caller, execution_id: str, *, audited: bool = True
) -> ExecutionRecord:
    record = await container.executions.get(execution_id[:64])
    if record is None or not caller.can_see(record.owner):
        raise NotFound(f"No execution {execution_id[:64]!r} for this key.")
    if audited:
        details = {"execution_id": record.execution_id}
        await audit_admin_read(container, caller, record.owner, "execution", details)
    return record


async def audit_admin_read(
    container: Container, caller: Caller, owner: str | None, resource: str, details: dict[str, Any]
) -> None:
    """An admin reading what another key owns leaves an audit entry."""
    if caller.admin and owner != caller.key_label:
        details = {**details, "owner": owner}
        await container.audit.record(
            AuditEvent("admin_read", caller.key_label, caller.client_ip, None, resource, details)
        )


async def executions_page(
    container: Container, caller: Caller, filters: ExecutionFilter, *, limit: int, cursor: str | None
) -> tuple[list[ExecutionRecord], str | None]:
    """A page of runs, newest first: the caller's own, or (admins) `filters.owner`'s or everyone's."""
    scope = filters.owner if caller.admin else caller.key_label
    try:
        page = await container.executions.page(replace(filters, owner=scope), limit=limit, cursor=cursor)
    except ValueError:
        raise InvalidCursor() from None
    await audit_admin_read(container, caller, scope, "executions", {})
    return page


async def follow_events(
    container: Container,
    execution_id: str,
    after: int,
    gone: Callable[[], Awaitable[bool]],
) -> AsyncIterator[dict[str, Any]]:
    """A run's events after `after`: what happened so far, then live until exactly one terminal
    event, or until `gone()` says the reader left. The database fills any gap in the bus."""
    subscription = await container.bus.subscribe(topic(execution_id))
    last = after
    try:
        for event in await container.events.replay(execution_id, after):
            last = event["seq"]
            yield event
            if event["type"] == TERMINAL:
                return
        while not await gone():
            message = await subscription.get(timeout=POLL_SECONDS)
            if message is None:
                # Nothing live for a while: catch up from the database (a missed publish, or the
                # run finished on a replica whose bus message we did not see).
                for event in await container.events.replay(execution_id, last):
                    last = event["seq"]
                    yield event
                    if event["type"] == TERMINAL:
                        return
                continue
            if message.get("seq", 0) <= last:
                continue
            if message["seq"] > last + 1:  # a gap: fill it from the database first
                for event in await container.events.replay(execution_id, last):
                    if event["seq"] >= message["seq"]:
                        break
                    last = event["seq"]
                    yield event
            last = message["seq"]
            yield message
            if message["type"] == TERMINAL:
                return
    finally:
        await subscription.close()
