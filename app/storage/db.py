"""The database engine: SQLite (WAL) by default, PostgreSQL in production, one async SQLAlchemy layer.

Writes go through `Database.transaction`, which runs a plain (synchronous) function in one
transaction: on a SQLite file, on a writer thread with its own connection, so a whole batch costs
one hop off the event loop instead of one per statement; elsewhere through the async session
(`run_sync`), which drives asyncpg from the event loop without any thread."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, Select, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session

T = TypeVar("T")

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
)


class Database:
    def __init__(self, url: str, *, connect_timeout: float = 3.0) -> None:
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {"pool_pre_ping": True}
        if self.dialect == "sqlite":
            database = parsed.database
            if database and database != ":memory:":
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": connect_timeout}
        else:
            kwargs.update(
                pool_size=10,
                max_overflow=20,
                pool_timeout=connect_timeout,
                pool_recycle=300,
                connect_args={"timeout": connect_timeout, "command_timeout": 30},
            )
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _apply_sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write_engine: Engine | None = None
        self._write_thread: ThreadPoolExecutor | None = None
        if self.dialect == "sqlite" and parsed.database and parsed.database != ":memory:":
            # One connection, used only by one thread: SQLite takes one writer at a time anyway.
            # No pre-ping: the connection is a local file's, private to one thread, and a
            # `SELECT 1` before every batch would cost more than the batch's inserts.
            self._write_engine = create_engine(
                parsed.set(drivername="sqlite"),
                pool_size=1,
                max_overflow=0,
                connect_args={"timeout": connect_timeout, "check_same_thread": False},
            )
            event.listen(self._write_engine, "connect", _apply_sqlite_pragmas)
            self._write_thread = ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer")

    async def transaction(self, work: Callable[[Session], T]) -> T:
        """Run `work` in one transaction and return its result once committed; an exception
        from `work` rolls everything back and propagates."""
        if self._write_engine is not None and self._write_thread is not None:
            engine = self._write_engine
            return await asyncio.get_running_loop().run_in_executor(
                self._write_thread, _in_transaction, engine, work
            )
        async with self.sessions() as session, session.begin():
            return await session.run_sync(work)

    @property
    def safe_url(self) -> str:
        """The URL with its password hidden, fit for logs and health output."""
        return self.engine.url.render_as_string(hide_password=True)

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def close(self) -> None:
        if self._write_engine is not None and self._write_thread is not None:
            engine, thread = self._write_engine, self._write_thread
            # Later writes (none are expected) go through the async engine instead.
            self._write_engine = self._write_thread = None
            await asyncio.get_running_loop().run_in_executor(thread, engine.dispose)
            thread.shutdown(wait=True)
        await self.engine.dispose()


async def delete_in_batches(
    sessions: async_sessionmaker[AsyncSession],
    ids: Select[str],
    delete: Callable[[AsyncSession, list[str]], Awaitable[None]],
    batch: int = 1000,
) -> int:
    """Delete what `ids` selects, `batch` ids per transaction (`delete` removes one batch's rows from
    every table that holds them); how many ids were deleted."""
    deleted = 0
    while True:
        async with sessions() as session, session.begin():
            found = list((await session.execute(ids.limit(batch))).scalars())
            if not found:
                return deleted
            await delete(session, found)
        deleted += len(found)


def _in_transaction(engine: Engine, work: Callable[[Session], T]) -> T:
    with Session(engine, expire_on_commit=False) as session, session.begin():
        return work(session)


def _apply_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()
