"""Operator commands: `python -m app.admin migrate|downgrade|verify-audit|cleanup`.

They read the same settings as the service (environment and `.env`)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from app.settings import InvalidSettings, load_settings
from app.storage import migrate
from app.storage.audit import verify_chain
from app.storage.db import Database
from app.storage.executions import ExecutionStore
from app.storage.models import utcnow


async def _run(command: str, args: argparse.Namespace) -> int:
    settings = load_settings()
    database = Database(settings.database_url)
    try:
        if command == "migrate":
            await migrate.upgrade(database.engine, args.revision)
            print(f"database at {database.safe_url} upgraded to {args.revision}")
        elif command == "downgrade":
            await migrate.downgrade(database.engine, args.revision)
            print(f"database at {database.safe_url} downgraded to {args.revision}")
        elif command == "verify-audit":
            report = await verify_chain(database.sessions)
            if not report.ok:
                print(
                    f"audit chain BROKEN at entry id {report.first_bad_id}: {report.problem} "
                    f"({report.entries} entries read)",
                    file=sys.stderr,
                )
                return 1
            print(f"audit chain intact: {report.entries} entries")
        elif command == "cleanup":
            import datetime as dt

            cutoff = utcnow() - dt.timedelta(days=args.days or settings.execution_retention_days)
            deleted = await ExecutionStore(database.sessions).delete_older_than(cutoff)
            print(f"deleted {deleted} finished runs created before {cutoff.isoformat()}")
    finally:
        await database.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.admin", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("migrate", help="apply database migrations")
    up.add_argument("revision", nargs="?", default="head")
    down = commands.add_parser("downgrade", help="revert database migrations")
    down.add_argument("revision", nargs="?", default="-1")
    commands.add_parser("verify-audit", help="recompute the audit log's hash chain; exit 1 if broken")
    clean = commands.add_parser("cleanup", help="delete finished runs past retention now")
    clean.add_argument("--days", type=float, default=None, help="override EXECUTION_RETENTION_DAYS")
    args = parser.parse_args(argv)
    try:
        return asyncio.run(_run(args.command, args))
    except InvalidSettings as exc:
        print(f"ops-agent-orchestrator: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
