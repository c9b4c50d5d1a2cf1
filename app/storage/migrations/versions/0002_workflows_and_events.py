"""Workflow definitions and cancellation on executions; the execution_events table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.storage.models import JSONType, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("executions") as batch:
        batch.add_column(sa.Column("definition", JSONType))
        batch.add_column(
            sa.Column("cancel_requested", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "execution_events",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
        sa.Column("execution_id", sa.String(36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("data", JSONType, nullable=False),
        sa.UniqueConstraint("execution_id", "seq", name="uq_events_execution_seq"),
    )


def downgrade() -> None:
    op.drop_table("execution_events")
    with op.batch_alter_table("executions") as batch:
        batch.drop_column("cancel_requested")
        batch.drop_column("definition")
