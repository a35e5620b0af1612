"""Due reminders, escalations and notices (``bot.ports.ReminderQueue``).

Several worker processes may poll at once. A claim marks rows with the worker's name in
the same transaction that selects them; on PostgreSQL the select takes row locks with
``FOR UPDATE SKIP LOCKED``, so a second worker skips rows the first is claiming instead of
waiting for them or taking them too. On SQLite every transaction begins with
``BEGIN IMMEDIATE`` (``storage.database``), so claims simply take turns.

A claim that was never marked sent (the worker died) may be claimed again once its lease
has run out: a reminder may then go out twice, but is never lost. A bot process that starts
frees at once the claims of processes gone from its machine (:meth:`SqlReminderQueue.release`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session as DbSession

from bot.casecode import parse
from bot.ports import NotFound, Reminder
from storage.models import Referral
from storage.models import Reminder as ReminderRow
from storage.referral_facts import outcome_notified
from storage.sql import Context, rowcount
from storage.statement import Statement

#: How long a claim holds before another worker may take the reminder over.
LEASE = timedelta(minutes=10)
#: On the driver's cursor: scheduling runs inside every referral's submission.
_SCHEDULE = Statement.insert(ReminderRow.__table__, returning="id")
_REFERRAL_ID = Statement("SELECT id FROM referrals WHERE code = :code")


class SqlReminderQueue:
    def __init__(self, context: Context, lease: timedelta = LEASE) -> None:
        self._context = context
        self._lease = lease

    def schedule(self, kind: str, due_at: datetime, *, code: str | None = None,
                 agency: str | None = None) -> int:
        with self._context.writing() as db:
            referral_id = _referral_id(db, code) if code is not None else None
            return int(_SCHEDULE.run(db, {
                "kind": kind, "due_at": due_at, "referral_id": referral_id, "agency": agency,
                "claimed_by": None, "claimed_at": None, "sent_at": None})[0][0])

    def claim_due(self, worker: str, now: datetime, limit: int = 50) -> list[Reminder]:
        with self._context.writing() as db:
            return claim(db, worker, now, limit, self._lease)

    def mark_sent(self, reminder_id: int, at: datetime) -> None:
        with self._context.writing() as db:
            db.execute(update(ReminderRow).where(ReminderRow.id == reminder_id)
                       .values(sent_at=at))
            outcome_notified(db, reminder_id, at)

    def cancel(self, code: str, kinds: Sequence[str] | None = None) -> int:
        with self._context.writing() as db:
            return cancel(db, _referral_id(db, code), kinds)

    def claimers(self) -> list[str]:
        """The workers holding claims on unsent reminders now."""
        with self._context.reading() as db:
            return [str(name) for name in db.scalars(
                select(ReminderRow.claimed_by).distinct().where(
                    ReminderRow.sent_at.is_(None), ReminderRow.claimed_by.is_not(None)))]

    def release(self, workers: Sequence[str]) -> int:
        """Free the unsent claims of ``workers`` (processes known to be gone), so they go
        out now rather than after the lease; returns how many."""
        if not workers:
            return 0
        with self._context.writing() as db:
            return rowcount(db.execute(
                update(ReminderRow).where(ReminderRow.sent_at.is_(None),
                                          ReminderRow.claimed_by.in_(workers))
                .values(claimed_by=None, claimed_at=None)))

    def pending(self, code: str | None = None) -> list[Reminder]:
        """Unsent reminders, claimed or not, soonest first (for operators and tests)."""
        query = (select(ReminderRow, Referral.code)
                 .outerjoin(Referral, Referral.id == ReminderRow.referral_id)
                 .where(ReminderRow.sent_at.is_(None))
                 .order_by(ReminderRow.due_at, ReminderRow.id))
        if code is not None:
            query = query.where(Referral.code == parse(code))
        with self._context.reading() as db:
            return [_reminder(row, found) for row, found in db.execute(query)]


def claim(db: DbSession, worker: str, now: datetime, limit: int,
          lease: timedelta = LEASE) -> list[Reminder]:
    """Claim up to ``limit`` due reminders inside the caller's transaction.

    Exposed so a test can hold two transactions open at once and show that the second
    skips the rows the first has locked.
    """
    due = (select(ReminderRow.id)
           .where(ReminderRow.sent_at.is_(None), ReminderRow.due_at <= now,
                  or_(ReminderRow.claimed_at.is_(None), ReminderRow.claimed_at < now - lease))
           .order_by(ReminderRow.due_at, ReminderRow.id)
           .limit(limit)
           .with_for_update(skip_locked=True))
    ids = list(db.scalars(due))
    if not ids:
        return []
    db.execute(update(ReminderRow).where(ReminderRow.id.in_(ids))
               .values(claimed_by=worker, claimed_at=now))
    rows = db.execute(select(ReminderRow, Referral.code)
                      .outerjoin(Referral, Referral.id == ReminderRow.referral_id)
                      .where(ReminderRow.id.in_(ids))
                      .order_by(ReminderRow.due_at, ReminderRow.id))
    return [_reminder(row, code) for row, code in rows]


def cancel(db: DbSession, referral_id: int, kinds: Sequence[str] | None = None) -> int:
    query = delete(ReminderRow).where(ReminderRow.referral_id == referral_id,
                                      ReminderRow.sent_at.is_(None))
    if kinds is not None:
        query = query.where(ReminderRow.kind.in_(list(kinds)))
    return rowcount(db.execute(query))


def _referral_id(db: DbSession, code: str) -> int:
    canonical = parse(code)
    found = _REFERRAL_ID.run(db, {"code": canonical})
    if not found:
        raise NotFound(f"no referral with case code {canonical}")
    return int(found[0][0])


def _reminder(row: ReminderRow, code: str | None) -> Reminder:
    return Reminder(row.id, row.kind, row.due_at, code, row.agency)
