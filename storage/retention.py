"""Retention and erasure: personal data goes, the counts stay.

Two ways personal data leaves the database:

* **Purge** (``intake purge``, run daily): the envelope, contact details and free-text
  reasons of referrals closed more than the retention period ago (default 90 days), every
  conversation idle longer than the idle time (default 30 minutes: the person is no longer
  beside the referrer), and Telegram update ids past the retry window.
* **Erasure** (``intake erase CODE``): the person withdrew consent. The referral is marked
  erased at once, whatever its status, its unsent reminders are dropped, and a notice is
  queued for the receiving agency so it erases its own copy too.

What survives is what statistics need and what identifies no one: case code, hub, case
type, risk, status trail with agencies and times, consent scopes and the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.orm import Session as DbSession

from bot.casecode import parse
from bot.ports import ERASED, NotFound
from storage.models import (
    AuditEntry,
    ConsentRecord,
    Conversation,
    ProcessedUpdate,
    Referral,
    ReferralEvent,
    Reminder,
)
from storage.reminders import cancel
from storage.sql import Context

#: Telegram gives up redelivering an update after 24 hours; keep ids a little longer.
UPDATE_ID_RETENTION = timedelta(days=2)
ERASURE_NOTICE = "erasure_notice"
PURGE_ACTOR = "purge"


@dataclass(frozen=True)
class PurgeReport:
    referrals: int
    conversations: int
    update_ids: int
    dry_run: bool


@dataclass(frozen=True)
class Erasure:
    code: str
    already: bool
    notice_to: str | None


def purge(context: Context, now: datetime, *, older_than: timedelta, idle: timedelta,
          dry_run: bool = False) -> PurgeReport:
    expired = _expired_referrals(now - older_than)
    idle_conversations = Conversation.updated_at < now - idle
    old_updates = ProcessedUpdate.at < now - UPDATE_ID_RETENTION
    with context.writing() as db:
        codes = list(db.scalars(select(Referral.code).where(*expired)))
        conversations = _count(db, Conversation, idle_conversations)
        updates = _count(db, ProcessedUpdate, old_updates)
        if not dry_run:
            ids = select(Referral.id).where(*expired).scalar_subquery()
            db.execute(update(ReferralEvent).where(ReferralEvent.referral_id.in_(ids))
                       .values(reason=None))
            db.execute(update(Referral).where(*expired)
                       .values(card=None, contact=None, erased_at=now))
            db.execute(delete(Conversation).where(idle_conversations))
            db.execute(delete(ProcessedUpdate).where(old_updates))
            db.add_all(AuditEntry(at=now, actor=PURGE_ACTOR, action="erase", referral_code=code)
                       for code in codes)
    return PurgeReport(len(codes), conversations, updates, dry_run)


def erase(context: Context, code: str, *, at: datetime, actor: str) -> Erasure:
    """Erase one referral's personal data because consent was withdrawn."""
    canonical = parse(code)
    with context.writing() as db:
        row = db.scalar(select(Referral).where(Referral.code == canonical).with_for_update())
        if row is None:
            raise NotFound(f"no referral with case code {canonical}")
        if row.status == ERASED:
            return Erasure(canonical, True, None)
        row.card = row.contact = None
        row.status = ERASED
        row.erased_at = row.erased_at or at
        db.execute(update(ReferralEvent).where(ReferralEvent.referral_id == row.id)
                   .values(reason=None))
        db.execute(update(ConsentRecord).where(ConsentRecord.referral_id == row.id,
                                               ConsentRecord.withdrawn_at.is_(None))
                   .values(withdrawn_at=at))
        db.add(ReferralEvent(referral_id=row.id, status=ERASED, at=at, actor=actor,
                             agency=row.agency))
        cancel(db, row.id)
        if row.agency is not None:
            db.add(Reminder(referral_id=row.id, kind=ERASURE_NOTICE, agency=row.agency,
                            due_at=at))
        db.add(AuditEntry(at=at, actor=actor, action="erase", referral_code=canonical))
        return Erasure(canonical, False, row.agency)


def _expired_referrals(closed_before: datetime) -> tuple[ColumnElement[bool], ...]:
    return (Referral.closed_at.is_not(None), Referral.closed_at < closed_before,
            Referral.erased_at.is_(None))


def _count(db: DbSession, model: type[Conversation] | type[ProcessedUpdate],
           condition: ColumnElement[bool]) -> int:
    return int(db.scalar(select(func.count()).select_from(model).where(condition)) or 0)
