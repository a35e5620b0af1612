"""The update inbox (``bot.telegram.inbox.UpdateInbox``): updates written down before Telegram is
told they arrived, then claimed and handled, one chat at a time, by any bot process.

Storing: a polled batch (or one webhook call) is inserted in one transaction, each row
``ON CONFLICT DO NOTHING`` and only if its id is not in ``processed_updates`` already, so
an update Telegram sends again (a batch stored but not yet confirmed, a webhook retry) is
kept once and never handled twice. The body is the update's JSON, encrypted with the field
keys: it holds what a person typed.

Claiming keeps each chat in order across processes. A row is claimable only when it is the
oldest row of its chat and nobody holds it; a chat whose oldest row is held (being handled)
gives nothing, so its next update waits even when another process is idle. Plain ``FOR
UPDATE SKIP LOCKED`` over the oldest rows would let a second process take a chat's update
n+1 while the first still handles n. On PostgreSQL the candidates are also locked ``SKIP
LOCKED``, so two processes claiming at once never take the same row (and a row re-checked
after another's claim committed is seen held); on SQLite every write transaction takes the
database's write lock first (``BEGIN IMMEDIATE``), so claims simply take turns.

A handled row is deleted, in the transaction of the next claim (one commit serves both):
its chat's next update becomes claimable in that same transaction. The process that
receives updates stores and claims them in one transaction too, when it has room. A claim outlives a
crashed process only until :data:`LEASE` has passed, or until a process on the same machine
starts and finds the claimer gone (:meth:`SqlInbox.release`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from storage.models import InboxUpdate, ProcessedUpdate
from storage.models.base import UTCDateTime
from storage.sql import Context, rowcount
from storage.statement import Statement

#: How long a claim holds when its process is gone and nobody on its machine noticed: a
#: crashed process on another machine delays its chats' updates this long at most. Far
#: longer than any one update takes (a chat lock is waited for a minute at most).
LEASE = timedelta(minutes=5)

_STORE = Statement(
    "INSERT INTO inbox (update_id, chat_id, body, received_at) "
    "SELECT :update_id, :chat_id, :body, :received_at WHERE NOT EXISTS "
    "(SELECT 1 FROM processed_updates WHERE update_id = :update_id) "
    "ON CONFLICT (update_id) DO NOTHING RETURNING update_id", received_at=UTCDateTime())

_DELETE = Statement("DELETE FROM inbox WHERE update_id = :update_id")

_OLDEST_FREE = (
    "SELECT i.update_id FROM inbox AS i "
    "WHERE (i.claimed_at IS NULL OR i.claimed_at < :stale) "
    "AND i.update_id = (SELECT min(j.update_id) FROM inbox AS j WHERE j.chat_id = i.chat_id) "
    "ORDER BY i.update_id LIMIT :limit")
_LOOK = Statement(_OLDEST_FREE, stale=UTCDateTime())
_CLAIM = "UPDATE inbox SET claimed_by = :worker, claimed_at = :now WHERE update_id IN ({}) " \
         "RETURNING update_id, chat_id, body"
_CLAIMS = {
    "postgresql": Statement(_CLAIM.format(_OLDEST_FREE + " FOR UPDATE SKIP LOCKED"),
                            now=UTCDateTime(), stale=UTCDateTime()),
    "sqlite": Statement(_CLAIM.format(_OLDEST_FREE), now=UTCDateTime(), stale=UTCDateTime()),
}


@dataclass(frozen=True)
class Claimed:
    """An update this process now handles: its id, chat and the update's JSON."""

    update_id: int
    chat_id: int
    update: dict[str, Any]


class SqlInbox:
    def __init__(self, context: Context) -> None:
        self._context = context

    def store(self, updates: Iterable[tuple[int, int, Mapping[str, Any]]],
              at: datetime) -> int:
        """Keep ``(update id, chat id, update JSON)`` rows in one transaction; returns how
        many were new (ids already kept or already handled are skipped)."""
        cipher = self._context.cipher
        stored = 0
        with self._context.writing() as db:
            for update_id, chat_id, body in updates:
                stored += len(_STORE.run(db, {
                    "update_id": update_id, "chat_id": chat_id,
                    "body": cipher.encrypt_json(dict(body)), "received_at": at}))
        return stored

    def highest(self) -> int | None:
        """The highest update id kept or handled (the poller's offset is one more)."""
        with self._context.reading() as db:
            kept = db.scalar(select(func.max(InboxUpdate.update_id)))
            handled = db.scalar(select(func.max(ProcessedUpdate.update_id)))
        found = [int(n) for n in (kept, handled) if n is not None]
        return max(found) if found else None

    def claim(self, worker: str, limit: int, now: datetime,
              done: Sequence[int] = (),
              known: Mapping[int, Mapping[str, Any]] | None = None) -> list[Claimed]:
        """Drop the ``done`` rows and claim up to ``limit`` updates for ``worker``, in one
        transaction: each the oldest of its chat, no chat twice, none held by another.
        ``known``: update JSON the caller holds already, by id (what it has just stored),
        handed back as it is instead of decrypted again."""
        with self._context.writing() as db:
            for update_id in done:  # on the driver's cursor: this runs for every update
                _DELETE.run(db, {"update_id": update_id})
            if limit <= 0:
                return []
            rows = _CLAIMS[self._context.dialect].run(db, {
                "worker": worker[:96], "now": now, "stale": now - LEASE, "limit": limit})
        cipher = self._context.cipher
        held = known or {}
        claimed = [Claimed(int(update_id), int(chat_id),
                           dict(held[update_id]) if update_id in held
                           else cipher.decrypt_json(body))
                   for update_id, chat_id, body in rows]
        return sorted(claimed, key=lambda c: c.update_id)

    def store_and_claim(self, updates: Iterable[tuple[int, int, Mapping[str, Any]]],
                        at: datetime, worker: str, limit: int,
                        done: Sequence[int] = ()) -> tuple[int, list[Claimed]]:
        """:meth:`store`, then :meth:`claim`, in one transaction (one commit): what the
        process receiving updates does when it has room to handle them itself. What it has
        just stored comes back as given, not decrypted again."""
        rows = list(updates)
        with self._context.unit():
            stored = self.store(rows, at)
            return stored, self.claim(worker, limit, at, done,
                                      known={update_id: body for update_id, _, body in rows})

    def claimable(self, now: datetime) -> bool:
        """Whether a claim could find anything (a cheap read before a write transaction)."""
        with self._context.reading() as db:
            return bool(_LOOK.run(db, {"stale": now - LEASE, "limit": 1}))

    def claimers(self) -> list[str]:
        """The workers holding a claim now."""
        with self._context.reading() as db:
            return [str(name) for name in db.scalars(
                select(InboxUpdate.claimed_by).where(InboxUpdate.claimed_by.is_not(None))
                .distinct())]

    def release(self, workers: Sequence[str]) -> int:
        """Free the claims of ``workers`` (processes known to be gone); returns how many."""
        if not workers:
            return 0
        with self._context.writing() as db:
            return rowcount(db.execute(
                update(InboxUpdate).where(InboxUpdate.claimed_by.in_(workers))
                .values(claimed_by=None, claimed_at=None)))

    def pending(self) -> int:
        """Updates kept and not yet handled (claimed or not)."""
        with self._context.reading() as db:
            return int(db.scalar(select(func.count()).select_from(InboxUpdate)) or 0)

