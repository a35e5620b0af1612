"""Processed Telegram update ids (``bot.ports.UpdateLedger``).

Telegram resends an update it got no 2xx answer for, so a handler must recognise a retry.
Insert-or-ignore makes the check and the mark one atomic statement: two processes given
the same update cannot both see it as new.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete

from storage.models import ProcessedUpdate
from storage.models.base import UTCDateTime
from storage.sql import Context, rowcount
from storage.statement import Statement

#: RETURNING gives a row only when the insert happened (rowcount is unreliable for
#: INSERT … ON CONFLICT across drivers). The same text on both databases; it runs on every
#: update, so on the driver's cursor (``storage.statement``).
_FIRST_TIME = Statement(
    "INSERT INTO processed_updates (update_id, at) VALUES (:update_id, :at) "
    "ON CONFLICT (update_id) DO NOTHING RETURNING update_id", at=UTCDateTime())


class SqlUpdateLedger:
    def __init__(self, context: Context) -> None:
        self._context = context

    def first_time(self, update_id: int, at: datetime) -> bool:
        with self._context.writing() as db:
            return bool(_FIRST_TIME.run(db, {"update_id": update_id, "at": at}))

    def seen(self, update_id: int) -> bool:
        with self._context.reading() as db:
            return db.get(ProcessedUpdate, update_id) is not None

    def forget_before(self, before: datetime) -> int:
        """Drop ids older than Telegram's retry window; returns how many."""
        with self._context.writing() as db:
            done = db.execute(delete(ProcessedUpdate).where(ProcessedUpdate.at < before))
            return rowcount(done)
