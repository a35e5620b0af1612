"""Directory loads are numbered, so running processes serve a new directory without a restart.

``directory_loads``: one row per directory load, written in the transaction that replaces
the directory tables (``storage.directory``). Its highest number is the version every
running process polls (``bot.directory.live``); a process that sees a new number reads the
new directory whole. A database whose directory was loaded before this revision has no row:
its processes read that directory at start, as before, and follow every load from now on.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "directory_loads",
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_directory_loads")))


def downgrade() -> None:
    """Back to 0014: loads are no longer numbered; processes read the directory at start."""
    op.drop_table("directory_loads")
