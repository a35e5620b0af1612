"""Directory tables that take a whole directory file.

``intake directory load`` writes the rows of ``bot.directory.rows`` into the directory
tables, and three of them did not fit:

* a service may be given to a profile as a plain provider (code 0), not only as an entry
  or funnelling point, so ``services.point`` also allows "provider";
* an agency may list one service per group of hubs, so (agency, service, profile) is not
  unique; the loader checks that no two entries cover the same hub;
* deadlines per case type and risk level, and the reminder fractions, had no table.

Hubs and agencies also keep their order in the file (``position``): it is the order of the
referrer's hub picker.

All ALTERs go through batch mode, which SQLite needs (it copies the table) and PostgreSQL
runs as plain ALTER TABLE statements.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POINTS_BEFORE = "point IN ('entry', 'funnelling')"
POINTS_AFTER = "point IN ('entry', 'funnelling', 'provider')"
LEVELS = "level IN ('high', 'medium', 'low', 'unrated', 'urgent')"


def upgrade() -> None:
    with op.batch_alter_table("services") as batch:
        batch.drop_constraint(op.f("uq_services_agency_id_service_profile"), type_="unique")
        batch.drop_constraint(op.f("ck_services_point"), type_="check")
        batch.create_check_constraint(op.f("ck_services_point"), POINTS_AFTER)
    for table in ("hubs", "agencies"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("position", sa.Integer(), server_default="0",
                                       nullable=False))
    op.create_table(
        "deadlines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_type", sa.String(length=64), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("acknowledge_hours", sa.Float(), nullable=False),
        sa.Column("respond_hours", sa.Float(), nullable=False),
        sa.CheckConstraint(LEVELS, name=op.f("ck_deadlines_level")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadlines")))
    op.create_table(
        "deadline_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reminders_at", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_settings")))


def downgrade() -> None:
    """Back to 0002. Service rows written since may break the older constraints (a
    provider, a service listed per hub), so the services table is emptied: load the
    directory again after downgrading the code."""
    op.drop_table("deadline_settings")
    op.drop_table("deadlines")
    for table in ("agencies", "hubs"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("position")
    op.execute(sa.text("DELETE FROM services"))
    with op.batch_alter_table("services") as batch:
        batch.drop_constraint(op.f("ck_services_point"), type_="check")
        batch.create_check_constraint(op.f("ck_services_point"), POINTS_BEFORE)
        batch.create_unique_constraint(op.f("uq_services_agency_id_service_profile"),
                                       ["agency_id", "service", "profile"])
