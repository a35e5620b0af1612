"""Each holding of a referral that moved on, kept as a row for the report.

``intake report`` cut the trails of the referrals forwarded at least once into holdings
(one per arrival at an agency) in every pass, with a window function over their events.
``referral_holdings`` keeps those holdings (the agency, its arrival, its first
acknowledgement, whether it accepted or declined), written with each move of such a
referral (``storage.referral_facts``), so the report reads them as they are.

Existing referrals get theirs from their trails, cut as the report cut them: in the trail's
order (time, then id), each arrival (``sent`` or ``forwarded`` with an agency) starts a
holding, and what happens before the next arrival belongs to it. The downgrade drops the
table: the trails it was made from remain.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ARRIVAL = "e.status IN ('sent', 'forwarded') AND e.agency IS NOT NULL"
BACKFILL = f"""
INSERT INTO referral_holdings
    (referral_id, number, agency, arrived_at, acknowledged_at, accepted, declined)
SELECT rid, holding,
       max(CASE WHEN arrival = 1 THEN agency END),
       min(CASE WHEN arrival = 1 THEN at END),
       min(CASE WHEN status = 'acknowledged' THEN at END),
       max(CASE WHEN status = 'accepted' THEN 1 ELSE 0 END) = 1,
       max(CASE WHEN status = 'declined' THEN 1 ELSE 0 END) = 1
FROM (SELECT e.referral_id AS rid, e.status, e.at, e.agency,
             CASE WHEN {ARRIVAL} THEN 1 ELSE 0 END AS arrival,
             sum(CASE WHEN {ARRIVAL} THEN 1 ELSE 0 END) OVER (
                 PARTITION BY e.referral_id ORDER BY e.at, e.id
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS holding
      FROM referral_events e JOIN referrals r ON r.id = e.referral_id
      WHERE r.forwarded_at IS NOT NULL) AS ev
WHERE holding > 0
GROUP BY rid, holding
"""


def upgrade() -> None:
    op.create_table(
        "referral_holdings",
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("declined", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"],
                                name=op.f("fk_referral_holdings_referral_id_referrals"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("referral_id", "number", name=op.f("pk_referral_holdings")))
    op.execute(BACKFILL)


def downgrade() -> None:
    """Back to 0015: the holdings are dropped; the trails they were cut from remain."""
    op.drop_table("referral_holdings")
