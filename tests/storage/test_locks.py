"""Chat locks never block a thread: a held chat answers "busy" at once, on both databases."""

from __future__ import annotations

from storage.locks import BUSY, FREE
from storage.stores import Storage


def test_a_chat_held_by_one_process_is_busy_for_another_until_released(
        storage: Storage) -> None:
    locks = storage.locks
    first = locks.try_acquire(42)
    second = locks.try_acquire(42)
    if storage.context.dialect == "postgresql":
        other_chat = locks.try_acquire(43)
        assert first not in (BUSY, FREE) and second == BUSY and other_chat != BUSY
        locks.release(other_chat)
        locks.release(first)
        again = locks.try_acquire(42)
        assert again not in (BUSY, FREE)
        locks.release(again)
    else:  # SQLite: one machine, one write lock; the process-local lock does the rest
        assert first == second == FREE


def test_an_updates_transactions_run_on_the_connection_that_holds_its_chat_lock(
        storage: Storage) -> None:
    locks, context = storage.locks, storage.context
    held = locks.try_acquire(42)
    try:
        with locks.bound(held), context.unit() as db:
            inside = db.connection().connection.dbapi_connection
        with context.unit() as db:  # outside: a connection of the pool's choosing
            outside = db.connection().connection.dbapi_connection
        if context.dialect == "postgresql":
            assert locks.shared
            assert inside is held.connection.dbapi_connection
            assert outside is not held.connection.dbapi_connection
        else:  # nothing to hold: SQLite serialises writers itself
            assert not locks.shared and held == FREE
    finally:
        locks.release(held)
