"""Operators' details: a role label on staff and invitations, and whom an audit row is about.

A label describes a role ("MSF clinic nurse, Gaziantep"), never a person, so it is kept in
the clear like the role and agency beside it. ``audit_log.subject`` names what an action was
done to when that is not a referral (``staff:12``, ``invite:3``), so a revoke says whom.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("staff", sa.Column("label", sa.String(length=80), nullable=True))
    op.add_column("invites", sa.Column("label", sa.String(length=80), nullable=True))
    op.add_column("audit_log", sa.Column("subject", sa.String(length=64), nullable=True))


def downgrade() -> None:
    for table, column in (("audit_log", "subject"), ("invites", "label"),
                          ("staff", "label")):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
