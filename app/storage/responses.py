"""Stored answers of the Responses API: what `previous_response_id` continues and
`GET /v1/responses/{id}` returns. Owned by the key that asked, kept as long as run history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from app.storage.db import delete_in_batches
from app.storage.models import ResponseRow
from app.storage.writer import GroupCommitWriter


@dataclass(frozen=True)
class StoredResponse:
    id: str
    owner: str | None
    created_at: dt.datetime
    execution_id: str | None
    turns: list[dict[str, Any]]  # {"role", "text", "context"}, oldest first
    body: dict[str, Any]


class ResponseStore:
    def __init__(self, writer: GroupCommitWriter, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.writer = writer
        self.sessions = sessions

    async def save(self, response: StoredResponse) -> None:
        def op(session: Session) -> None:
            session.add(
                ResponseRow(
                    id=response.id,
                    owner=response.owner,
                    created_at=response.created_at,
                    execution_id=response.execution_id,
                    turns=response.turns,
                    body=response.body,
                )
            )

        await self.writer.submit(op)

    async def get(self, response_id: str) -> StoredResponse | None:
        async with self.sessions() as session:
            row = await session.get(ResponseRow, response_id)
        if row is None:
            return None
        return StoredResponse(row.id, row.owner, row.created_at, row.execution_id, row.turns, row.body)

    async def delete(self, response_id: str) -> bool:
        async with self.sessions() as session, session.begin():
            result = await session.execute(delete(ResponseRow).where(ResponseRow.id == response_id))
        return bool(getattr(result, "rowcount", 0))

    async def delete_older_than(self, cutoff: dt.datetime, batch: int = 1000) -> int:
        """Delete answers created before `cutoff`."""

        async def delete_answers(session: AsyncSession, ids: list[str]) -> None:
            await session.execute(delete(ResponseRow).where(ResponseRow.id.in_(ids)))

        old = select(ResponseRow.id).where(ResponseRow.created_at < cutoff)
        return await delete_in_batches(self.sessions, old, delete_answers, batch)
