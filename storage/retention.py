"""Retention and erasure: personal data goes, the counts stay.

Two ways personal data leaves the database:

* **Purge** (daily, by the bot or ``intake purge``): the envelope, contact details and
  free-text reasons of referrals closed more than the retention period ago (default 90
  days), every conversation idle longer than the idle time (default 30 minutes: the person
  is no longer beside the referrer), and Telegram update ids past the retry window.
* **Erasure** (``intake erase CODE``): the person withdrew consent. The referral is marked
  erased at once, whatever its status, its unsent reminders are dropped, and a notice is
  queued for every agency that held it (the one holding it now and those it was forwarded
  or escalated from) so each erases its own copy too, and one for the referrer. If the
  referrer's conversation is still open and still holds answers the referral shared, it
  goes too (see :func:`erase` for the rule).

Both take the referral's cards and contact reveals back out of every focal point's chat
that received them (``storage.agency_messages``) and notify as above (the purge with its
own wording). Neither talks to Telegram: they write the work down, in the transaction that
erases, and the running bot's worker carries it out (``bot.telegram.worker``).

On SQLite both end with :func:`storage.database.scrub`: ``secure_delete`` (set on every
connection) has zeroed the erased values in the database pages, and a truncating
checkpoint empties the ``-wal`` file, which still held the pages as they were before.

The bot runs the purge itself (:class:`SqlRetention`, from the worker loop), once per
``INTAKE_PURGE_HOURS`` across all its processes; ``intake purge`` stays for cron.

What survives is what statistics need and what identifies no one: case code, hub, case
type, risk, status trail with agencies and times, consent scopes and the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.orm import Session as DbSession

from bot.casecode import parse
from bot.ports import ERASED, ERASED_REASON, NotFound, PurgeReport
from storage import jobs
from storage.agency_messages import take_back
from storage.audit import purge_audit
from storage.database import scrub
from storage.models import (
    AgencyMessage,
    AuditEntry,
    ConsentRecord,
    Conversation,
    ProcessedUpdate,
    Referral,
    ReferralEvent,
    Reminder,
)
from storage.reminders import cancel
from storage.sessions import SqlSessionStore
from storage.sql import Context
from storage.staff import SqlStaffStore

#: Telegram gives up redelivering an update after 24 hours; keep ids a little longer.
UPDATE_ID_RETENTION = timedelta(days=2)
#: The notices an erasure queues (``bot.service.outbox`` names the same kinds): to each
#: agency that held the referral, and to the referrer; the purge's say why in other words.
ERASURE_NOTICE, ERASURE_REFERRER = "erasure_notice", "erasure_referrer"
PURGE_NOTICE, PURGE_REFERRER = "purge_notice", "purge_referrer"
PURGE_ACTOR = "purge"
#: The row of ``scheduled_jobs`` that the bot's processes claim to purge.
PURGE_JOB = "retention_purge"


@dataclass(frozen=True)
class Erasure:
    code: str
    already: bool
    #: The agencies an erasure notice was queued for: every one that held the referral.
    notices: tuple[str, ...] = ()
    #: The referrer's open conversation still held answers this referral shared: deleted.
    conversation: bool = False
    #: A notice was queued for the referrer too.
    referrer: bool = False
    #: Cards and reveals in focal points' chats handed to the worker to take back.
    messages: int = 0


class SqlRetention:
    """``bot.ports.Retention``: the purge, run by one process per period (``storage.jobs``).

    The claim and the purge are one transaction. A process that finds the job not due pays
    one read; one that finds another purging skips the locked row and goes on.
    """

    def __init__(self, context: Context) -> None:
        self._context = context

    def purge_due(self, worker: str, now: datetime, *, every: timedelta,
                  older_than: timedelta, idle: timedelta) -> PurgeReport | None:
        if not jobs.due(self._context, PURGE_JOB, now, every):
            return None
        with self._context.unit() as db:
            if not jobs.claim(db, PURGE_JOB, worker, now, every):
                return None
            report = purge(self._context, now, older_than=older_than, idle=idle)
        scrub(self._context.engine)
        return report


def purge(context: Context, now: datetime, *, older_than: timedelta, idle: timedelta,
          dry_run: bool = False) -> PurgeReport:
    expired = _expired_referrals(now - older_than)
    idle_conversations = Conversation.updated_at < now - idle
    old_updates = ProcessedUpdate.at < now - UPDATE_ID_RETENTION
    with context.writing() as db:
        found = db.execute(select(Referral.id, Referral.code, Referral.agency,
                                  Referral.referrer_id).where(*expired)).all()
        # A subquery, not a list of ids: a large purge would pass the database's limit of
        # bound parameters. Everything keyed on it runs before the referrals are marked
        # erased, which takes them out of ``expired``.
        ids = select(Referral.id).where(*expired)
        conversations = _count(db, Conversation, idle_conversations)
        updates = _count(db, ProcessedUpdate, old_updates)
        messages = int(db.scalar(select(func.count()).select_from(AgencyMessage).where(
            AgencyMessage.referral_id.in_(ids), AgencyMessage.done_at.is_(None))) or 0)
        if not dry_run:
            db.execute(update(ReferralEvent).where(ReferralEvent.referral_id.in_(ids))
                       .values(reason=None))
            take_back(db, now, ERASED_REASON, referrals=ids)
            db.execute(update(Referral).where(*expired)
                       .values(card=None, contact=None, erased_at=now))
            db.execute(delete(Conversation).where(idle_conversations))
            db.execute(delete(ProcessedUpdate).where(old_updates))
            db.add_all(AuditEntry(at=now, actor=PURGE_ACTOR, action="erase",
                                  referral_code=row.code) for row in found)
            purge_audit(db, now, older_than)  # rows that outlived what they explain
            for row in found:
                _notify(db, row.id, row.agency, row.referrer_id, now,
                        PURGE_NOTICE, PURGE_REFERRER)
    if not dry_run and not context.in_unit:
        scrub(context.engine)
    return PurgeReport(len(found), conversations, updates, dry_run, messages)


def erase(context: Context, code: str, *, at: datetime, actor: str) -> Erasure:
    """Erase one referral's personal data because consent was withdrawn.

    **The open conversation.** The shipped flows end the conversation at the refer node, and
    an ended conversation is deleted in the transaction that stores the referral. But flows
    are coordinators' data, and the checker lets a flow go on after a refer node: an urgent
    screen that refers, then returns to the intake. That conversation, still open, holds the
    answers the referral shared (and more), so erasing the referral must erase it too.

    The rule: the referrer's open conversation is the one of their private chat (chat id =
    their Telegram id; the bot serves staff only in private chats, one conversation per
    chat). Each refer node the conversation passed counted one in ``Session.referred``, and
    each made one referral, in the same transaction. A chat holds one conversation at a
    time and its updates are handled one after another, so a conversation's referrals are
    exactly the referrer's last ``referred`` referrals (by id, which grows with insertion).
    The conversation is deleted, and the deletion audited as ``erase_conversation``, if and
    only if the erased referral is among them. A conversation that made no referral, or
    one started after this referral's (``/new`` begins again at zero), is left alone.
    """
    canonical = parse(code)
    with context.unit() as db:  # a unit: the session and staff stores below join it
        row = db.scalar(select(Referral).where(Referral.code == canonical).with_for_update())
        if row is None:
            raise NotFound(f"no referral with case code {canonical}")
        if row.status == ERASED:
            return Erasure(canonical, True)
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
        agencies = _notify(db, row.id, row.agency, row.referrer_id, at,
                           ERASURE_NOTICE, ERASURE_REFERRER)
        messages = take_back(db, at, ERASED_REASON, referrals=[row.id])
        db.add(AuditEntry(at=at, actor=actor, action="erase", referral_code=canonical))
        sessions = SqlSessionStore(context)
        chat_id = _open_conversation(context, db, sessions, row)
        if chat_id is not None:
            sessions.delete(chat_id)
            db.add(AuditEntry(at=at, actor=actor, action="erase_conversation",
                              referral_code=canonical))
        done = Erasure(canonical, False, agencies, chat_id is not None,
                       row.referrer_id is not None, messages)
    if not context.in_unit:
        scrub(context.engine)
    return done


def _notify(db: DbSession, referral_id: int, agency: str | None, referrer_id: int | None,
            at: datetime, agency_kind: str, referrer_kind: str) -> tuple[str, ...]:
    """Queue the notices of an erasure: one for every agency that held the referral (the
    trail's agencies, in the order they got it, and the one holding it now), one for the
    referrer. Returns the agencies."""
    trail = db.scalars(select(ReferralEvent.agency).where(
        ReferralEvent.referral_id == referral_id, ReferralEvent.agency.is_not(None))
        .order_by(ReferralEvent.at, ReferralEvent.id))
    agencies = tuple(dict.fromkeys([*(a for a in trail if a), *([agency] if agency else [])]))
    db.add_all(Reminder(referral_id=referral_id, kind=agency_kind, agency=name, due_at=at)
               for name in agencies)
    if referrer_id is not None:
        db.add(Reminder(referral_id=referral_id, kind=referrer_kind, due_at=at))
    return agencies


def _open_conversation(context: Context, db: DbSession, sessions: SqlSessionStore,
                       referral: Referral) -> int | None:
    """The chat id of the referrer's open conversation if it made ``referral`` (the rule is
    in :func:`erase`); else None. Loaded inside the erasure's unit, the conversation stays
    locked until it commits, and a step of that chat in flight is waited for first, so the
    referrals counted below include any it made."""
    if referral.referrer_id is None:  # the staff member was deleted
        return None
    chat_id = SqlStaffStore(context).telegram_id(referral.referrer_id)
    session = sessions.load(chat_id)
    if session is None or session.referred <= 0:
        return None
    latest = db.scalars(select(Referral.id).where(Referral.referrer_id == referral.referrer_id)
                        .order_by(Referral.id.desc()).limit(session.referred))
    return chat_id if referral.id in set(latest) else None


def _expired_referrals(closed_before: datetime) -> tuple[ColumnElement[bool], ...]:
    return (Referral.closed_at.is_not(None), Referral.closed_at < closed_before,
            Referral.erased_at.is_(None))


def _count(db: DbSession, model: type[Conversation] | type[ProcessedUpdate],
           condition: ColumnElement[bool]) -> int:
    return int(db.scalar(select(func.count()).select_from(model).where(condition)) or 0)
