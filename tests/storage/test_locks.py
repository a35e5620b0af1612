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
