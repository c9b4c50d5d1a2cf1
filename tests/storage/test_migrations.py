"""Migrations: upgrade from empty and downgrade back, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect

from app.settings import Settings
from app.storage import migrate
from app.storage.db import Database
from app.storage.models import Base

ROOT = Path(__file__).resolve().parents[2]
TABLES = {"executions", "audit_log", "llm_usage", "execution_events", "responses"}


async def tables(database: Database) -> set[str]:
    async with database.engine.connect() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


async def test_upgrade_from_empty_and_downgrade_back(test_database_url: str) -> None:
    database = Database(test_database_url)
    try:
        assert not (await tables(database)) & TABLES
        await migrate.upgrade(database.engine)
        assert TABLES <= await tables(database)
        async with database.engine.connect() as connection:
            assert await connection.run_sync(migrate.current_revision) == migrate.head_revision()
        await migrate.upgrade(database.engine)  # idempotent
        await migrate.downgrade(database.engine, "base")
        assert not (await tables(database)) & TABLES
        await migrate.upgrade(database.engine)
        assert TABLES <= await tables(database)
    finally:
        await database.close()


async def test_migrations_match_the_models(test_database_url: str) -> None:
    """The migrated schema has every column the models declare."""
    database = Database(test_database_url)
    try:
        await migrate.upgrade(database.engine)
        async with database.engine.connect() as connection:
            columns = await connection.run_sync(
                lambda sync: {t: {c["name"] for c in inspect(sync).get_columns(t)} for t in TABLES}
            )
    finally:
        await database.close()
    for table in Base.metadata.sorted_tables:
        assert {c.name for c in table.columns} == columns[table.name], table.name


def test_admin_command_migrates_and_downgrades(test_database_url: str) -> None:
    settings_vars = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in settings_vars}
    env.update(DATABASE_URL=test_database_url, PYTHONPATH=str(ROOT))
    for args, expected in ((["migrate"], "upgraded to head"), (["downgrade", "base"], "downgraded to base")):
        result = subprocess.run(  # noqa: S603 - our interpreter, fixed arguments
            [sys.executable, "-m", "app.admin", *args],
            env=env, capture_output=True, text=True, timeout=120, check=False, cwd=ROOT,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert expected in result.stdout
