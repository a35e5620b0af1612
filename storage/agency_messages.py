"""Cards and contact reveals sent to agencies (``bot.ports.AgencyMessages``).

Every message that shows a referral's personal data in a focal point's chat (its card, a
contact reveal) is recorded when sent: chat, message id, referral, time. A reveal is
recorded with the time it deletes itself; erasure, the retention purge and revoking a
member set that time to now for every message they concern (:func:`take_back`, inside
their own transaction). The bot's worker claims the messages that have come due and takes
them out of the chat; so a restart, or a command run while no bot is running, loses none.

Recording and erasing cannot miss each other: :meth:`SqlAgencyMessages.record` locks the
referral's row (and the member's) before it looks whether it was erased (or revoked), and
erasure holds the same row locked until it commits, so a card sent while its referral is
being erased is either seen by the erasure or recorded as due at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, or_, select, update
from sqlalchemy.orm import Session as DbSession

from bot.casecode import parse
from bot.ports import BLOCKED, NotFound, SentMessage
from bot.ports import ERASED_REASON as ERASED
from bot.ports import EXPIRED_REASON as EXPIRED
from bot.ports import REVOKED_REASON as REVOKED
from storage.models import AgencyMessage, Referral, StaffMember
from storage.sql import Context, rowcount

#: How long a claim holds before another worker may take the message over.
LEASE = timedelta(minutes=2)


class SqlAgencyMessages:
    def __init__(self, context: Context, lease: timedelta = LEASE) -> None:
        self._context = context
        self._lease = lease

    def record(self, code: str, *, staff_id: int, chat_id: int, message_id: int, kind: str,
               at: datetime, remove_at: datetime | None = None) -> None:
        canonical = parse(code)
        with self._context.writing() as db:
            referral = db.execute(select(Referral.id, Referral.erased_at)
                                  .where(Referral.code == canonical).with_for_update()).first()
            if referral is None:
                raise NotFound(f"no referral with case code {canonical}")
            active = db.scalar(select(StaffMember.active).where(StaffMember.id == staff_id)
                               .with_for_update())
            reason = EXPIRED if remove_at is not None else None
            if referral.erased_at is not None:
                remove_at, reason = at, ERASED
            elif active is not True:
                remove_at, reason = at, REVOKED
            known = db.scalar(select(AgencyMessage.id).where(
                AgencyMessage.referral_id == referral.id, AgencyMessage.staff_id == staff_id,
                AgencyMessage.message_id == message_id, AgencyMessage.kind == kind))
            if known is not None:  # a card shown again in the message it already was
                return
            db.add(AgencyMessage(
                referral_id=referral.id, staff_id=staff_id,
                chat_id=self._context.cipher.encrypt(str(chat_id)), message_id=message_id,
                kind=kind, sent_at=at, remove_at=remove_at, reason=reason))

    def claim_due(self, worker: str, now: datetime, limit: int = 50) -> list[SentMessage]:
        with self._context.writing() as db:
            ids = list(db.scalars(
                select(AgencyMessage.id)
                .where(AgencyMessage.done_at.is_(None), AgencyMessage.remove_at <= now,
                       or_(AgencyMessage.claimed_at.is_(None),
                           AgencyMessage.claimed_at < now - self._lease))
                .order_by(AgencyMessage.remove_at, AgencyMessage.id)
                .limit(limit).with_for_update(skip_locked=True)))
            if not ids:
                return []
            db.execute(update(AgencyMessage).where(AgencyMessage.id.in_(ids))
                       .values(claimed_by=worker[:64], claimed_at=now))
            rows = db.execute(_listed().where(AgencyMessage.id.in_(ids))
                              .order_by(AgencyMessage.remove_at, AgencyMessage.id)).all()
        return [self._message(row, code, language) for row, code, language in rows]

    def done(self, row_id: int, outcome: str, at: datetime) -> None:
        with self._context.writing() as db:
            db.execute(update(AgencyMessage).where(AgencyMessage.id == row_id)
                       .values(done_at=at, outcome=outcome))

    def blocked(self, row_id: int, retry_at: datetime) -> tuple[bool, int | None]:
        """The member blocked the bot, so the message could be neither deleted nor edited:
        it is still in their chat. It stays pending, marked ``blocked``, and is tried again
        at ``retry_at`` (should they unblock the bot, it is taken back then). Returns
        whether this was the first time it was found blocked, and the member's staff id."""
        with self._context.writing() as db:
            row = db.get(AgencyMessage, row_id, with_for_update=True)
            if row is None:
                raise NotFound(f"no agency message {row_id}")
            first = row.outcome != BLOCKED
            row.outcome, row.remove_at = BLOCKED, retry_at
            row.claimed_by = row.claimed_at = None
            return first, row.staff_id

    def revoked(self, staff_id: int, at: datetime) -> int:
        """The member was revoked: every card and reveal in their chat is due to be taken
        back now; returns how many."""
        with self._context.writing() as db:
            return take_back(db, at, REVOKED, staff_id=staff_id)

    def pending(self, code: str | None = None) -> list[SentMessage]:
        """Messages still in a chat with a time set to take them back, claimed or not,
        soonest first (for operators and tests); those in the chat of a member who blocked
        the bot among them, with their next try as the time."""
        query = _listed().where(AgencyMessage.done_at.is_(None),
                                AgencyMessage.remove_at.is_not(None))
        if code is not None:
            query = query.where(Referral.code == parse(code))
        with self._context.reading() as db:
            rows = db.execute(query.order_by(AgencyMessage.remove_at, AgencyMessage.id)).all()
        return [self._message(row, found, language) for row, found, language in rows]

    def outcomes(self, code: str) -> list[tuple[str, str | None, str | None]]:
        """(kind, reason, outcome) of every message recorded for a referral, in the order
        sent (for operators and tests)."""
        with self._context.reading() as db:
            return [(str(kind), reason, outcome) for kind, reason, outcome in db.execute(
                select(AgencyMessage.kind, AgencyMessage.reason, AgencyMessage.outcome)
                .join(Referral, Referral.id == AgencyMessage.referral_id)
                .where(Referral.code == parse(code)).order_by(AgencyMessage.id))]

    def _message(self, row: AgencyMessage, code: str, language: str | None) -> SentMessage:
        assert row.remove_at is not None
        return SentMessage(row.id, code, int(self._context.cipher.decrypt(row.chat_id)),
                           int(row.message_id), row.kind, row.reason or EXPIRED, row.sent_at,
                           language or "en")


def take_back(db: DbSession, at: datetime, reason: str, *,
              referrals: Sequence[int] | Select[int] | None = None,
              staff_id: int | None = None) -> int:
    """Inside the caller's transaction: every message of ``referrals`` (ids, or a select of
    them), or in ``staff_id``'s chat, still in a chat, is due to be taken back at ``at``
    for ``reason``. Returns how many."""
    where: list[ColumnElement[bool]] = [AgencyMessage.done_at.is_(None)]
    if referrals is not None:
        where.append(AgencyMessage.referral_id.in_(referrals))
    if staff_id is not None:
        where.append(AgencyMessage.staff_id == staff_id)
    if len(where) == 1:
        raise ValueError("take_back needs referrals or a staff member")
    return rowcount(db.execute(update(AgencyMessage).where(*where)
                               .values(remove_at=at, reason=reason)))


def _listed() -> Select[AgencyMessage, str, str]:
    return (select(AgencyMessage, Referral.code, StaffMember.language)
            .join(Referral, Referral.id == AgencyMessage.referral_id)
            .outerjoin(StaffMember, StaffMember.id == AgencyMessage.staff_id))
