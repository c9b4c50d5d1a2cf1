"""The responses table: conversations of the Responses API, continued by previous_response_id.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.storage.models import JSONType, UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "responses",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("owner", sa.String(64)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("execution_id", sa.String(36)),
        sa.Column("turns", JSONType, nullable=False),
        sa.Column("body", JSONType, nullable=False),
    )
    op.create_index("ix_responses_created", "responses", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_responses_created", table_name="responses")
    op.drop_table("responses")
