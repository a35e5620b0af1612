"""A lock per chat across processes, so one chat's updates are handled one at a time even
when several bot processes share the database.

PostgreSQL: a session-level advisory lock on the chat id, held on a connection of its own
for the whole handling of one update; the update's transactions run on that same connection
(:meth:`SqlChatLocks.bound`), so one update costs one connection checkout.

SQLite: every write transaction already takes the database's single write lock (``BEGIN
IMMEDIATE``), and processes sharing a SQLite file share one machine; the in-process lock of
the channel does the rest.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.exc import DBAPIError

from storage.sql import Context

#: Keeps chat locks apart from any other advisory lock an operator might use.
NAMESPACE = 0x1A7E
#: What ``try_acquire`` returns when another process holds the chat.
BUSY = "busy"
#: What it returns where no cross-process lock is needed (SQLite).
FREE = "free"


class SqlChatLocks:
    def __init__(self, context: Context) -> None:
        self._context = context
        self.shared = context.dialect == "postgresql"

    def try_acquire(self, chat_id: int) -> Any:
        """The lock if the chat is free, else ``BUSY`` at once. Never blocks: a thread
        blocked on a lock held by another process could be the very thread that process is
        waiting for, and neither database would see the cycle."""
        if not self.shared:
            return FREE
        connection = self._context.engine.connect()
        try:
            got = connection.execute(select(func.pg_try_advisory_lock(
                NAMESPACE, _key(chat_id)))).scalar()
            connection.commit()
        except Exception:
            connection.close()
            raise
        if not got:
            connection.close()
            return BUSY
        return connection

    def bound(self, held: Any) -> AbstractContextManager[None]:
        """While inside, the database work of this task runs on the lock's connection."""
        return self._context.bound(held if isinstance(held, Connection) else None)

    def release(self, held: Any) -> None:
        if not isinstance(held, Connection):
            return
        try:
            held.execute(select(func.pg_advisory_unlock_all()))
            held.commit()
        except DBAPIError:
            # The server went away: discard the connection, never return it to the pool
            # still holding a lock (the server drops a dead session's locks itself).
            held.invalidate()
        finally:
            held.close()


def _key(chat_id: int) -> int:
    """Fold a 64-bit chat id into the 32-bit key of the two-key advisory lock."""
    return ((chat_id >> 32) ^ chat_id) & 0x7FFFFFFF
