"""The audit trail (``bot.ports.AuditLog``): actor, action, case code, time. Nothing else.

The shape of each value is checked before it is written, so a caller cannot slip a name or
a phone number into the trail by mistake: an actor is a component name or ``kind:id``, an
action a lower-case verb, a code a valid case code.

Bounded: what anyone can cause without being known (a stranger writing to the bot, a guessed
invitation code) is counted, one row per actor, action and hour with a ``count``, so a
flood adds a row an hour, not a row a message. Kept as long as what it explains
(:func:`purge_audit`, run by the retention purge): a referral's rows stay while its
personal data is stored and one retention period after it was erased or purged, so an
access can still be explained after the data is gone; rows about no referral stay one
retention period.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, delete, or_, select, update
from sqlalchemy.orm import Session as DbSession

from bot.casecode import parse
from storage.models import AuditEntry, Referral
from storage.sql import Context, rowcount
from storage.statement import Statement

ACTOR = re.compile(r"[a-z][a-z_]{0,31}(:[A-Za-z0-9_-]{1,31})?")
ACTION = re.compile(r"[a-z][a-z_]{0,31}")
_RECORD = Statement.insert(AuditEntry.__table__)  # written on every action
#: Actions anyone can cause, without being enrolled: counted per actor and hour.
COUNTED = frozenset({"refused_stranger", "refused_invite"})
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class AuditRow:
    """One row of the trail as ``intake audit`` shows it."""

    id: int
    at: datetime
    actor: str
    action: str
    code: str | None
    subject: str | None
    #: How many times it happened in the row's hour (counted actions); 1 otherwise.
    count: int = 1


class SqlAuditLog:
    def __init__(self, context: Context) -> None:
        self._context = context

    def record(self, actor: str, action: str, code: str | None, at: datetime,
               subject: str | None = None) -> None:
        """``subject`` names what the action was done to when that is not a referral
        (``staff:12``, ``invite:3``); it has the shape of an actor, so it cannot hold a name
        either."""
        if not ACTOR.fullmatch(actor):
            raise ValueError("audit actor must be a component name or kind:id, "
                             "such as staff:12 or worker")
        if subject is not None and not ACTOR.fullmatch(subject):
            raise ValueError("audit subject must be kind:id, such as staff:12")
        if not ACTION.fullmatch(action):
            raise ValueError("audit action must be a lower-case verb such as view or reveal")
        canonical = parse(code) if code is not None else None
        with self._context.writing() as db:
            if action in COUNTED and _count_again(db, actor, action, canonical, subject, at):
                return
            _RECORD.run(db, {"at": at, "actor": actor, "action": action,
                             "referral_code": canonical, "subject": subject, "count": 1})

    def entries(self, code: str | None = None) -> list[tuple[datetime, str, str, str | None]]:
        """The trail, oldest first, of one case code or of everything."""
        query = select(AuditEntry).order_by(AuditEntry.at, AuditEntry.id)
        if code is not None:
            query = query.where(AuditEntry.referral_code == parse(code))
        with self._context.reading() as db:
            return [(e.at, e.actor, e.action, e.referral_code) for e in db.scalars(query)]

    def search(self, *, code: str | None = None, actor: str | None = None,
               action: str | None = None, since: datetime | None = None,
               limit: int | None = None) -> list[AuditRow]:
        """The rows matching every filter given, oldest first; with ``limit``, the newest
        ``limit`` of them. An actor without ``:id`` matches every actor of that kind
        (``staff`` finds ``staff:12``); a subject counts as the actor it names, so
        ``staff:12`` also finds what was done to that member."""
        query = _filtered(select(AuditEntry), code, actor, action, since)
        query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        if limit is not None:
            query = query.limit(limit)
        with self._context.reading() as db:
            rows = [AuditRow(e.id, e.at, e.actor, e.action, e.referral_code, e.subject,
                             e.count) for e in db.scalars(query)]
        return rows[::-1]


    def page(self, *, code: str | None = None, actor: str | None = None,
             action: str | None = None, since: datetime | None = None,
             until: datetime | None = None, before: tuple[datetime, int] | None = None,
             limit: int = 50, hub: str | None = None,
             hub_actors: Collection[str] = ()) -> list[AuditRow]:
        """One page of the trail, newest first: the rows matching every filter (as
        :meth:`search`; ``until`` excluded) that come after ``before`` (the time and id of
        the last row of the previous page), at most ``limit``. With ``hub``, only rows
        about that hub: its referrals' codes, or an actor or subject in ``hub_actors``."""
        query = _filtered(select(AuditEntry), code, actor, action, since)
        if until is not None:
            query = query.where(AuditEntry.at < until)
        if hub is not None:
            hub_codes = select(Referral.code).where(Referral.hub == hub)
            people = sorted(hub_actors)
            query = query.where(or_(AuditEntry.referral_code.in_(hub_codes),
                                    AuditEntry.actor.in_(people),
                                    AuditEntry.subject.in_(people)))
        if before is not None:
            at, row_id = before
            query = query.where(or_(AuditEntry.at < at,
                                    and_(AuditEntry.at == at, AuditEntry.id < row_id)))
        query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
        with self._context.reading() as db:
            return [AuditRow(e.id, e.at, e.actor, e.action, e.referral_code, e.subject,
                             e.count) for e in db.scalars(query)]


def _filtered(query: Select[Any], code: str | None, actor: str | None,
              action: str | None, since: datetime | None) -> Select[Any]:
    """``query`` narrowed by the filters :meth:`SqlAuditLog.search` describes."""
    if code is not None:
        query = query.where(AuditEntry.referral_code == parse(code))
    if actor is not None:
        if ":" in actor:
            query = query.where((AuditEntry.actor == actor) | (AuditEntry.subject == actor))
        else:
            query = query.where((AuditEntry.actor == actor)
                                | AuditEntry.actor.startswith(f"{actor}:", autoescape=True))
    if action is not None:
        query = query.where(AuditEntry.action == action)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    return query


def _count_again(db: DbSession, actor: str, action: str, code: str | None,
                 subject: str | None, at: datetime) -> bool:
    """Add one to the row of the same actor, action, code and subject in ``at``'s hour;
    False when there is none yet. Two processes starting the same hour's row at once may
    make two rows of it: still a bound, of rows per hour and process."""
    start = at.replace(minute=0, second=0, microsecond=0)
    same = [AuditEntry.actor == actor, AuditEntry.action == action,
            AuditEntry.at >= start, AuditEntry.at < start + HOUR,
            AuditEntry.referral_code.is_(None) if code is None
            else AuditEntry.referral_code == code,
            AuditEntry.subject.is_(None) if subject is None else AuditEntry.subject == subject]
    first = db.scalar(select(AuditEntry.id).where(*same).order_by(AuditEntry.id).limit(1))
    if first is None:
        return False
    db.execute(update(AuditEntry).where(AuditEntry.id == first)
               .values(count=AuditEntry.count + 1))
    return True


def purge_audit(db: DbSession, now: datetime, retention: timedelta) -> int:
    """Delete the rows that outlived what they explain (see the module text); returns how
    many. Never a row of a referral whose personal data is still stored."""
    cutoff = now - retention
    gone = select(Referral.code).where(Referral.erased_at.is_not(None),
                                       Referral.erased_at < cutoff)
    kept = select(Referral.code)
    done = db.execute(delete(AuditEntry).where(AuditEntry.at < cutoff, or_(
        AuditEntry.referral_code.is_(None),
        AuditEntry.referral_code.in_(gone),
        AuditEntry.referral_code.not_in(kept))).execution_options(
            synchronize_session=False))
    return rowcount(done)
