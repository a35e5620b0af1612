"""A periodic job is claimed by one process per period, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine

from storage import jobs
from storage.crypto import Cipher, generate_key
from storage.stores import Storage
from tests.storage.conftest import NOW, truncate_all

DAY = timedelta(days=1)


def claim_now(storage: Storage, worker: str, at: datetime = NOW) -> bool:
    """``due`` then ``claim``, as ``SqlRetention`` does, committing the claim."""
    if not jobs.due(storage.context, "job", at, DAY):
        return False
    with storage.context.unit() as db:
        return jobs.claim(db, "job", worker, at, DAY)


def test_a_job_that_never_ran_is_due_and_its_claim_records_when_and_by_whom(
        storage: Storage) -> None:
    assert jobs.last_run(storage.context, "job") is None
    assert claim_now(storage, "host:1")
    assert jobs.last_run(storage.context, "job") == (NOW, "host:1")


@pytest.mark.parametrize(("later", "due"), [
    (timedelta(0), False),
    (DAY - timedelta(seconds=1), False),
    (DAY, True),
    (3 * DAY, True),
])
def test_a_claimed_job_is_due_again_only_a_full_period_later(
        storage: Storage, later: timedelta, due: bool) -> None:
    assert claim_now(storage, "host:1")
    assert jobs.due(storage.context, "job", NOW + later, DAY) is due
    assert claim_now(storage, "host:2", NOW + later) is due


def test_a_claim_rolled_back_with_its_failed_work_leaves_the_job_due(
        storage: Storage) -> None:
    assert jobs.due(storage.context, "job", NOW, DAY)
    with pytest.raises(RuntimeError), storage.context.unit() as db:
        assert jobs.claim(db, "job", "host:1", NOW, DAY)
        raise RuntimeError("the purge failed")
    assert jobs.last_run(storage.context, "job") is None
    assert claim_now(storage, "host:2")


def test_claim_refuses_a_job_that_is_not_due_inside_the_callers_transaction(
        storage: Storage) -> None:
    assert claim_now(storage, "host:1")
    with storage.context.unit() as db:
        assert not jobs.claim(db, "job", "host:2", NOW + timedelta(hours=1), DAY)
    assert jobs.last_run(storage.context, "job") == (NOW, "host:1")


def test_on_postgresql_a_second_process_skips_the_job_a_first_is_running_without_waiting(
        pg_engine: Engine) -> None:
    truncate_all(pg_engine)
    storage = Storage.on(pg_engine, Cipher([generate_key()]))
    assert jobs.due(storage.context, "job", NOW, DAY)  # creates the row, committed
    first, second = storage.context.write(), storage.context.write()
    try:
        with first.begin():
            assert jobs.claim(first, "job", "host:1", NOW, DAY)  # row locked, uncommitted
            with second.begin():
                # SKIP LOCKED: no wait for the first transaction, and no second claim.
                assert not jobs.claim(second, "job", "host:2", NOW, DAY)
    finally:
        first.close()
        second.close()
    assert jobs.last_run(storage.context, "job") == (NOW, "host:1")
    assert not jobs.due(storage.context, "job", NOW, DAY)
