"""The service mapping names the case types each service answers.

With them a referrer whose intake ends without a referral (not eligible, consent refused,
low risk with information only), or who sends /services, is shown the hub's entry points
for the person's needs. Existing rows map to no case type until the directory is loaded
again.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("services") as batch:
        batch.add_column(sa.Column("case_types", sa.JSON(), nullable=False,
                                   server_default="[]"))


def downgrade() -> None:
    """Back to 0007: services no longer name their case types."""
    with op.batch_alter_table("services") as batch:
        batch.drop_column("case_types")
