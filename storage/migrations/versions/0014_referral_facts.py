"""The report's facts of each referral's trail, kept on the referral's row.

``intake report`` read every referral's trail to know when it first reached an agency, when
it was first acknowledged, how many agencies held it, whether it was accepted, declined,
forwarded or escalated. Those facts are now columns of ``referrals``, written with each move
(``storage.referral_facts``), so the report reads one row per referral.

Existing referrals get them from their trails, as the report computed them before: the
first and last arrival at an agency, the first forward, acknowledgement, acceptance and
decline, the number of holdings, the first outcome notice sent to the referrer. The trail
does not record the role an escalation gave an agency, so earlier escalations are told
apart as the report did: by the backup and coordinator the stored directory names for the
referral's hub and case type.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMES = ("arrived_at", "last_arrived_at", "forwarded_at", "acknowledged_at", "accepted_at",
         "declined_at", "escalated_backup_at", "escalated_coordinator_at",
         "outcome_notified_at")
EVENTS = "FROM referral_events e WHERE e.referral_id = referrals.id"
ARRIVAL = "e.status IN ('sent', 'forwarded') AND e.agency IS NOT NULL"
ESCALATION = "e.status = 'forwarded' AND e.actor = 'system:escalation'"
BACKFILL = {
    "first_agency": f"SELECT max(e.agency) {EVENTS} AND e.status = 'sent' "
                    "AND e.agency IS NOT NULL",
    "holdings": f"SELECT count(*) {EVENTS} AND {ARRIVAL}",
    "arrived_at": f"SELECT min(e.at) {EVENTS} AND {ARRIVAL}",
    "last_arrived_at": f"SELECT max(e.at) {EVENTS} AND {ARRIVAL}",
    "forwarded_at": f"SELECT min(e.at) {EVENTS} AND e.status = 'forwarded' "
                    "AND e.agency IS NOT NULL",
    "acknowledged_at": f"SELECT min(e.at) {EVENTS} AND e.status = 'acknowledged'",
    "accepted_at": f"SELECT min(e.at) {EVENTS} AND e.status = 'accepted'",
    "declined_at": f"SELECT min(e.at) {EVENTS} AND e.status = 'declined'",
    "escalated_backup_at": (
        "SELECT min(e.at) FROM referral_events e JOIN focal_points f "
        "ON f.hub_id = referrals.hub AND f.case_type = referrals.case_type "
        f"WHERE e.referral_id = referrals.id AND {ESCALATION} "
        "AND e.agency = f.backup_agency_id"),
    "escalated_coordinator_at": (
        "SELECT min(e.at) FROM referral_events e JOIN hubs h ON h.id = referrals.hub "
        f"WHERE e.referral_id = referrals.id AND {ESCALATION} AND e.agency = h.coordinator"),
    "outcome_notified_at": (
        "SELECT min(r.sent_at) FROM reminders r WHERE r.referral_id = referrals.id "
        "AND r.kind = 'status:closed' AND r.sent_at IS NOT NULL"),
}


def upgrade() -> None:
    # Plain ALTER TABLE on both databases, never a batch: on SQLite a batch copies the table
    # and drops the old one, and with foreign keys on that drop deletes every row that
    # cascades from a referral (its trail, consent records, reminders).
    op.add_column("referrals", sa.Column("first_agency", sa.String(length=64), nullable=True))
    op.add_column("referrals", sa.Column("holdings", sa.Integer(), server_default="0",
                                         nullable=False))
    for name in TIMES:
        op.add_column("referrals", sa.Column(name, sa.DateTime(timezone=True), nullable=True))
    assignments = ", ".join(f"{name} = ({query})" for name, query in BACKFILL.items())
    op.execute(f"UPDATE referrals SET {assignments}")


def downgrade() -> None:
    """Back to 0013: the facts are dropped; the trails they were folded from remain (an
    ALTER TABLE, which SQLite has had since 3.35, for the reason given in the upgrade)."""
    for name in ("first_agency", "holdings", *TIMES):
        op.execute(f"ALTER TABLE referrals DROP COLUMN {name}")
