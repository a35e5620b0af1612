"""A key canary, checked at every start; repeated audit rows counted instead of repeated.

``key_canary`` holds one row: a fixed text encrypted with the keys (``sealed``) and its
blind index (``index``), written at the first start. ``intake run`` refuses to start when
the configured keys do not decrypt it or give another index, before anything is sent or
stored with the wrong keys. ``audit_log.count`` lets one row stand for every refusal of a
stranger or an invitation guess within an hour, so those cannot grow the trail without bound.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "key_canary",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column("index", sa.String(length=64), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_canary")))
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("count", sa.Integer(), server_default="1", nullable=False))


def downgrade() -> None:
    """Back to 0010: the canary goes (the next start after upgrading writes it again) and
    each counted audit row becomes one row (its count is lost)."""
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("count")
    op.drop_table("key_canary")
