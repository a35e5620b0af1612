"""Cards and contact reveals sent to agencies are recorded, so they can be taken back.

The reveal's self-delete is scheduled here instead of in the process that sent it (a
restart no longer leaves the contact details on screen), and erasure, the retention purge
and revoking a focal point take the messages back out of every chat that received them.
Messages sent before this revision were not recorded and stay where they are.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agency_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("chat_id", sa.Text(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remove_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=16), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"],
                                name=op.f("fk_agency_messages_referral_id_referrals"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"],
                                name=op.f("fk_agency_messages_staff_id_staff"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_messages")))
    op.create_index(op.f("ix_agency_messages_referral_id"), "agency_messages",
                    ["referral_id"])
    op.create_index(op.f("ix_agency_messages_staff_id"), "agency_messages", ["staff_id"])
    op.create_index("ix_agency_messages_done_at_remove_at", "agency_messages",
                    ["done_at", "remove_at"])


def downgrade() -> None:
    """Back to 0008: the record of sent cards and reveals is dropped; nothing takes them
    back any more (the older code deletes a reveal with an in-process timer)."""
    op.drop_table("agency_messages")
