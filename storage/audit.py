"""The audit trail (``bot.ports.AuditLog``): actor, action, case code, time. Nothing else.

The shape of each value is checked before it is written, so a caller cannot slip a name or
a phone number into the trail by mistake: an actor is a component name or ``kind:id``, an
action a lower-case verb, a code a valid case code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bot.casecode import parse
from storage.models import AuditEntry
from storage.sql import Context
from storage.statement import Statement

ACTOR = re.compile(r"[a-z][a-z_]{0,31}(:[A-Za-z0-9_-]{1,31})?")
ACTION = re.compile(r"[a-z][a-z_]{0,31}")
_RECORD = Statement.insert(AuditEntry.__table__)  # written on every action


@dataclass(frozen=True)
class AuditRow:
    """One row of the trail as ``intake audit`` shows it."""

    id: int
    at: datetime
    actor: str
    action: str
    code: str | None
    subject: str | None


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
            _RECORD.run(db, {"at": at, "actor": actor, "action": action,
                             "referral_code": canonical, "subject": subject})

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
        query = select(AuditEntry)
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
        query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        if limit is not None:
            query = query.limit(limit)
        with self._context.reading() as db:
            rows = [AuditRow(e.id, e.at, e.actor, e.action, e.referral_code, e.subject)
                    for e in db.scalars(query)]
        return rows[::-1]
