"""Executions, audit log and LLM usage.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.storage.models import JSONType, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "executions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(64)),
        sa.Column("request_id", sa.String(128)),
        sa.Column("task", sa.Text()),
        sa.Column("workflow_id", sa.String(128)),
        sa.Column("agents", sa.String(1024), nullable=False),
        sa.Column("input", JSONType, nullable=False),
        sa.Column("routing", JSONType),
        sa.Column("steps", JSONType, nullable=False),
        sa.Column("results", JSONType, nullable=False),
        sa.Column("summary", sa.Text()),
        sa.Column("error", JSONType),
        sa.Column("warnings", JSONType, nullable=False),
        sa.Column("findings_count", sa.Integer(), nullable=False),
        sa.Column("critical_count", sa.Integer(), nullable=False),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=False),
        sa.Column("duration_ms", sa.Float()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime()),
        sa.Column("finished_at", UTCDateTime()),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("lease_expires_at", UTCDateTime()),
    )
    op.create_index("ix_executions_created", "executions", ["created_at", "id"])
    op.create_index("ix_executions_owner_created", "executions", ["owner", "created_at", "id"])
    op.create_index("ix_executions_status_lease", "executions", ["status", "lease_expires_at"])

    op.create_table(
        "audit_log",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(64)),
        sa.Column("client_ip", sa.String(64)),
        sa.Column("request_id", sa.String(128)),
        sa.Column("outcome", sa.String(64)),
        sa.Column("details", JSONType, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )
    op.create_index("ix_audit_event_at", "audit_log", ["event", "at"])

    op.create_table(
        "llm_usage",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("owner", sa.String(64)),
        sa.Column("execution_id", sa.String(36)),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("model", sa.String(128), nullable=False),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=False),
    )
    op.create_index("ix_usage_owner_at", "llm_usage", ["owner", "at"])


def downgrade() -> None:
    op.drop_index("ix_usage_owner_at", table_name="llm_usage")
    op.drop_table("llm_usage")
    op.drop_index("ix_audit_event_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_executions_status_lease", table_name="executions")
    op.drop_index("ix_executions_owner_created", table_name="executions")
    op.drop_index("ix_executions_created", table_name="executions")
    op.drop_table("executions")
