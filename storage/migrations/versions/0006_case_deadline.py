"""The case deadline: set once, when the person is identified, from their risk.

A referral has had one pair of clocks, restarted at every forward and escalation, so a
referral passed on twice showed a due time days later than the person's risk allows. The
new column keeps the deadline the risk set at identification; ``acknowledge_by`` and
``respond_by`` stay the clocks of the agency that holds the referral now.

Existing referrals that were never passed on get their response time as the case deadline
(that is what it was). For those already forwarded or escalated the original deadline is
unknown, and the column stays empty: cards show it as not recorded.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("referrals") as batch:
        batch.add_column(sa.Column("case_due_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE referrals SET case_due_at = respond_by "
               "WHERE escalation_level = 0 AND (via IS NULL OR via <> 'forwarded')")


def downgrade() -> None:
    """Back to 0005: the case deadline is dropped; the agency's clocks remain. On SQLite
    this rebuilds ``referrals``: ``storage.migrate`` runs it with foreign keys off, or the
    old table's drop would delete every trail, consent record and reminder by cascade."""
    with op.batch_alter_table("referrals") as batch:
        batch.drop_column("case_due_at")
