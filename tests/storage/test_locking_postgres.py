"""On PostgreSQL, workers claiming due reminders with ``FOR UPDATE SKIP LOCKED`` never
claim the same row, even while their transactions overlap; and a conversation loaded in a
unit of work stays locked to other workers until the unit ends."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from storage.crypto import Cipher, generate_key
from storage.reminders import claim
from storage.stores import Storage
from tests.storage.builders import session
from tests.storage.conftest import NOW, truncate_all


def queue(pg_engine: Engine, count: int) -> Storage:
    truncate_all(pg_engine)
    storage = Storage.on(pg_engine, Cipher([generate_key()]))
    for n in range(count):
        storage.reminders.schedule("acknowledge", NOW - timedelta(seconds=n))
    return storage


def test_a_second_worker_skips_the_rows_a_first_worker_holds_and_takes_the_rest(
        pg_engine: Engine) -> None:
    storage = queue(pg_engine, 10)
    first, second = storage.context.write(), storage.context.write()
    try:
        with first.begin(), second.begin():
            taken_first = claim(first, "worker-1", NOW, limit=6)   # locks held, not committed
            taken_second = claim(second, "worker-2", NOW, limit=6)
            assert len(taken_first) == 6 and len(taken_second) == 4
            assert not {r.id for r in taken_first} & {r.id for r in taken_second}
    finally:
        first.close()
        second.close()
    assert storage.reminders.claim_due("worker-3", NOW) == []


def test_workers_racing_on_threads_claim_every_reminder_exactly_once(
        pg_engine: Engine) -> None:
    storage = queue(pg_engine, 300)
    claimed: Counter[int] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(4)

    def work(name: str) -> None:
        start.wait()
        while batch := storage.reminders.claim_due(name, NOW, limit=7):
            with lock:
                claimed.update(r.id for r in batch)

    threads = [threading.Thread(target=work, args=(f"worker-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(claimed) == 300
    assert max(claimed.values()) == 1


def test_loading_a_conversation_inside_a_unit_locks_it_until_the_unit_ends(
        pg_engine: Engine) -> None:
    truncate_all(pg_engine)
    storage = Storage.on(pg_engine, Cipher([generate_key()]))
    storage.sessions.save(7, session(), NOW)
    lock_probe = text("SELECT chat_id FROM conversations WHERE chat_id = 7 FOR UPDATE NOWAIT")
    with storage.unit():
        assert storage.sessions.load(7) is not None
        with pytest.raises(OperationalError, match="could not obtain lock"), \
                pg_engine.connect() as other:
            other.execute(lock_probe)
    with pg_engine.connect() as other:
        assert other.execute(lock_probe).scalar() == 7
