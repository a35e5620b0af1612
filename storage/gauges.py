"""The figures ``/metrics`` reads from the database when it is scraped: the state of the
service now, each from one cheap aggregate query.

Only counts, times and directory codes (hubs, agencies) come out of here: no case code, no
name, no chat id, nothing decrypted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from bot.routing.lifecycle import OPEN
from bot.service.outbox import CARD
from storage.models import Conversation, Referral, Reminder, ScheduledJob, StaffMember
from storage.retention import PURGE_JOB
from storage.sql import Context

#: The staff role that receives referral cards for an agency.
FOCAL_POINT = "focal_point"


@dataclass(frozen=True)
class Gauges:
    #: Conversations in progress (an intake started and not yet ended or erased).
    open_conversations: int
    #: Open referrals whose running clock has passed, per hub (None: no hub).
    overdue: Mapping[str | None, int]
    #: Referral cards queued for an agency and not sent yet.
    unsent_cards: int
    #: Active focal points enrolled, per agency that has any.
    focal_points: Mapping[str, int]
    #: When the bot's own retention purge last ran to completion; None: never.
    last_purge: datetime | None


class SqlGauges:
    def __init__(self, context: Context) -> None:
        self._context = context

    def read(self, now: datetime) -> Gauges:
        r = Referral
        overdue = (select(r.hub, func.count())
                   .where(r.status.in_(OPEN), r.closed_at.is_(None), r.erased_at.is_(None),
                          r.due_at.is_not(None), r.due_at <= now)
                   .group_by(r.hub))
        focal = (select(StaffMember.agency, func.count())
                 .where(StaffMember.role == FOCAL_POINT, StaffMember.active.is_(True),
                        StaffMember.agency.is_not(None))
                 .group_by(StaffMember.agency))
        with self._context.reading() as db:
            conversations = db.scalar(select(func.count()).select_from(Conversation))
            late = {hub: int(count) for hub, count in db.execute(overdue)}
            cards = db.scalar(select(func.count()).select_from(Reminder).where(
                Reminder.kind == CARD, Reminder.sent_at.is_(None)))
            enrolled = {str(agency): int(count) for agency, count in db.execute(focal)}
            purged = db.scalar(select(ScheduledJob.last_run_at)
                               .where(ScheduledJob.name == PURGE_JOB))
        return Gauges(int(conversations or 0), late, int(cards or 0), enrolled, purged)
