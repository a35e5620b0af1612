"""Each consent record keeps the language its script was given in and when it was given.

``consent_records.recorded_at`` is the time of the referral the record was stored with: a
consent given earlier in the conversation and not asked again after /urgent showed the later
referral's time, and nothing said in which language the person heard the script. Two
nullable columns now hold both, as the engine recorded them: ``language`` and ``given_at``.

Existing rows keep both NULL: when and in which language their consent was given was never
stored, and ``recorded_at`` (the referral's creation time, all they showed until now) is
left as it was rather than copied in as if it were known. The downgrade drops the two
columns; every other column and row stays (on SQLite the table is copied with the foreign
keys off, ``storage.migrate``).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("consent_records") as batch:
        batch.add_column(sa.Column("language", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("given_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Back to 0016: the language and time of each consent go; the rest of each record
    (and its referral's ``recorded_at``) stays."""
    with op.batch_alter_table("consent_records") as batch:
        batch.drop_column("given_at")
        batch.drop_column("language")
