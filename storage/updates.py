"""Processed Telegram update ids (``bot.ports.UpdateLedger``).

Telegram resends an update it got no 2xx answer for, so a handler must recognise a retry.
Insert-or-ignore makes the check and the mark one atomic statement: two processes given
the same update cannot both see it as new.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, text

from storage.models import ProcessedUpdate
from storage.models.base import UTCDateTime
from storage.sql import Context, rowcount

#: RETURNING gives a row only when the insert happened (rowcount is unreliable for
#: INSERT … ON CONFLICT across drivers). Plain text, identical on both databases, so it is
#: compiled once; the dialects' ``insert`` constructs are compiled on every call.
_FIRST_TIME = text(
    "INSERT INTO processed_updates (update_id, at) VALUES (:update_id, :at) "
    "ON CONFLICT (update_id) DO NOTHING RETURNING update_id").bindparams(
    bindparam("at", type_=UTCDateTime()))


class SqlUpdateLedger:
    def __init__(self, context: Context) -> None:
        self._context = context

    def first_time(self, update_id: int, at: datetime) -> bool:
        with self._context.writing() as db:
            done = db.connection().execute(_FIRST_TIME, {"update_id": update_id, "at": at})
            return done.first() is not None

    def seen(self, update_id: int) -> bool:
        with self._context.reading() as db:
            return db.get(ProcessedUpdate, update_id) is not None

    def forget_before(self, before: datetime) -> int:
        """Drop ids older than Telegram's retry window; returns how many."""
        with self._context.writing() as db:
            done = db.execute(delete(ProcessedUpdate).where(ProcessedUpdate.at < before))
            return rowcount(done)
