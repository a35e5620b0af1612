"""The update inbox: updates are written to the database before Telegram is told they
arrived, and handled from there.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=96), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_inbox")))
    op.create_index("ix_inbox_chat_id_update_id", "inbox", ["chat_id", "update_id"])


def downgrade() -> None:
    """Back to 0006: updates still waiting in the inbox are dropped (stop the bot once the
    inbox is empty: ``SELECT count(*) FROM inbox``)."""
    op.drop_index("ix_inbox_chat_id_update_id", table_name="inbox")
    op.drop_table("inbox")
