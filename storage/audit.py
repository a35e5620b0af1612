"""The audit trail (``bot.ports.AuditLog``): actor, action, case code, time. Nothing else.

The shape of each value is checked before it is written, so a caller cannot slip a name or
a phone number into the trail by mistake: an actor is a component name or ``kind:id``, an
action a lower-case verb, a code a valid case code.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select

from bot.casecode import parse
from storage.models import AuditEntry
from storage.sql import Context
from storage.statement import Statement

ACTOR = re.compile(r"[a-z][a-z_]{0,31}(:[A-Za-z0-9_-]{1,31})?")
ACTION = re.compile(r"[a-z][a-z_]{0,31}")
_RECORD = Statement.insert(AuditEntry.__table__)  # written on every action


class SqlAuditLog:
    def __init__(self, context: Context) -> None:
        self._context = context

    def record(self, actor: str, action: str, code: str | None, at: datetime) -> None:
        if not ACTOR.fullmatch(actor):
            raise ValueError("audit actor must be a component name or kind:id, "
                             "such as staff:12 or worker")
        if not ACTION.fullmatch(action):
            raise ValueError("audit action must be a lower-case verb such as view or reveal")
        canonical = parse(code) if code is not None else None
        with self._context.writing() as db:
            _RECORD.run(db, {"at": at, "actor": actor, "action": action,
                             "referral_code": canonical})

    def entries(self, code: str | None = None) -> list[tuple[datetime, str, str, str | None]]:
        """The trail, oldest first, of one case code or of everything."""
        query = select(AuditEntry).order_by(AuditEntry.at, AuditEntry.id)
        if code is not None:
            query = query.where(AuditEntry.referral_code == parse(code))
        with self._context.reading() as db:
            return [(e.at, e.actor, e.action, e.referral_code) for e in db.scalars(query)]
