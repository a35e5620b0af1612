"""Scheduled jobs: the bot runs the retention purge itself, once per period.

One small table, one row per periodic job, saying when it last ran and in which process.
The row is the claim several bot processes contend for (``storage.jobs``), so the purge
runs once per ``INTAKE_PURGE_HOURS`` across all of them. The row is created by the first
claim, not here: a database emptied by hand (or a test truncating every table) still works.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scheduled_jobs",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_run_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduled_jobs")))


def downgrade() -> None:
    """Back to 0003: the bot's own purge schedule is forgotten; run ``intake purge`` by
    cron again with the older code."""
    op.drop_table("scheduled_jobs")
