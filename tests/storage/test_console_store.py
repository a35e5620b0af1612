"""Console links and sessions on both databases: a link is spent once even when many
requests race for it, looking does not spend it, sessions end when idle, signed out or
revoked, and ``last_seen`` is written at most once a minute."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from storage.console import TOUCH_EVERY, SqlConsoleStore
from storage.models import ConsoleSession
from storage.stores import Storage

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
IDLE = timedelta(hours=8)


def member(storage: Storage, telegram_id: int = 1) -> int:
    return storage.staff.enrol(telegram_id, "coordinator", agency=None, hub=None,
                               language="en", at=NOW)


def test_a_link_is_spent_once_and_looking_spends_nothing(storage: Storage) -> None:
    store = SqlConsoleStore(storage.context)
    staff_id = member(storage)
    store.add_link("a" * 64, staff_id, NOW, NOW + timedelta(minutes=10))
    assert store.link_staff("a" * 64, NOW) == staff_id
    assert store.link_staff("a" * 64, NOW) == staff_id
    assert store.take_link("a" * 64, NOW) == staff_id
    assert store.take_link("a" * 64, NOW) is None
    assert store.link_staff("a" * 64, NOW) is None
    assert store.take_link("b" * 64, NOW) is None


def test_an_expired_link_is_neither_shown_nor_spent(storage: Storage) -> None:
    store = SqlConsoleStore(storage.context)
    store.add_link("a" * 64, member(storage), NOW, NOW + timedelta(minutes=10))
    later = NOW + timedelta(minutes=10)
    assert store.link_staff("a" * 64, later) is None
    assert store.take_link("a" * 64, later) is None


def test_many_requests_racing_for_a_link_sign_in_one(storage: Storage) -> None:
    store = SqlConsoleStore(storage.context)
    staff_id = member(storage)
    store.add_link("r" * 64, staff_id, NOW, NOW + timedelta(minutes=10))
    start = threading.Barrier(8)
    won: list[int | None] = []

    def race() -> None:
        start.wait()
        won.append(store.take_link("r" * 64, NOW))

    threads = [threading.Thread(target=race) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won, key=lambda x: x or 0) == [None] * 7 + [staff_id]


def last_seen(storage: Storage, session_hash: str) -> datetime | None:
    with storage.context.reading() as db:
        return db.scalar(select(ConsoleSession.last_seen)
                         .where(ConsoleSession.session_hash == session_hash))


def test_a_session_is_touched_at_most_once_a_minute_and_ends_when_idle(
        storage: Storage) -> None:
    store = SqlConsoleStore(storage.context)
    staff_id = member(storage)
    store.open_session("s" * 64, staff_id, NOW)
    soon = NOW + TOUCH_EVERY - timedelta(seconds=1)
    assert store.touch("s" * 64, soon, IDLE) == staff_id
    assert last_seen(storage, "s" * 64) == NOW  # a read only
    later = NOW + TOUCH_EVERY
    assert store.touch("s" * 64, later, IDLE) == staff_id
    assert last_seen(storage, "s" * 64) == later
    assert store.touch("s" * 64, later + IDLE - timedelta(seconds=1), IDLE) == staff_id
    gone = later + IDLE - timedelta(seconds=1) + IDLE
    assert store.touch("s" * 64, gone, IDLE) is None
    assert last_seen(storage, "s" * 64) is None  # deleted, not just refused
    assert store.touch("x" * 64, NOW, IDLE) is None


def test_sessions_end_one_by_one_or_all_of_a_member(storage: Storage) -> None:
    store = SqlConsoleStore(storage.context)
    one, two = member(storage, 1), member(storage, 2)
    for session_hash, staff_id in (("a" * 64, one), ("b" * 64, one), ("c" * 64, two)):
        store.open_session(session_hash, staff_id, NOW)
    assert store.end("a" * 64) and not store.end("a" * 64)
    assert store.end_all(one) == 1 and store.sessions_of(one) == 0
    assert store.touch("c" * 64, NOW, IDLE) == two


def test_purge_drops_spent_and_expired_links_and_idle_sessions(storage: Storage) -> None:
    store = SqlConsoleStore(storage.context)
    staff_id = member(storage)
    store.add_link("u" * 64, staff_id, NOW, NOW + timedelta(minutes=10))  # to be used
    store.add_link("e" * 64, staff_id, NOW - timedelta(hours=1), NOW)  # expired
    store.add_link("k" * 64, staff_id, NOW, NOW + timedelta(minutes=10))  # kept
    store.take_link("u" * 64, NOW)
    store.open_session("old" + "o" * 61, staff_id, NOW - IDLE)
    store.open_session("new" + "n" * 61, staff_id, NOW)
    assert store.purge(NOW, IDLE) == 3
    assert store.link_staff("k" * 64, NOW) == staff_id
    assert store.sessions_of(staff_id) == 1
