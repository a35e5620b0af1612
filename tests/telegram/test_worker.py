"""The worker loop purges personal data past its retention time by itself: once per
``INTAKE_PURGE_HOURS`` across every bot process sharing the database, never when that is 0,
and it logs counts, never what it erased."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from bot.ports import CLOSED
from storage.jobs import last_run
from storage.retention import PURGE_JOB
from tests.storage.builders import request
from tests.telegram.harness import Harness, settings_for

PHONE = "+90 000 000 9999"  # the contact of ``tests.storage.builders.request``


def closed_long_ago(h: Harness, days: int) -> str:
    """A referral accepted, then closed ``days`` ago, its contact details still stored."""
    referrals, closed_at = h.services.storage.referrals, h.clock.now() - timedelta(days=days)
    code = referrals.create(request(), referrer_id=None, agency="example_health",
                            at=closed_at - timedelta(days=1))
    referrals.append_event(code, "accepted", at=closed_at - timedelta(days=1), actor="staff:1")
    referrals.append_event(code, CLOSED, at=closed_at, actor="staff:1")
    return code


def erased(h: Harness, code: str) -> bool:
    return h.services.storage.referrals.reveal_contact(code) == {}


@pytest_asyncio.fixture
async def product(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path)
    harness.bot.worker.name = "worker-1"
    yield harness
    await harness.stop()


async def test_the_worker_purges_when_due_and_not_again_before_the_interval(
        product: Harness) -> None:
    h = product
    first = closed_long_ago(h, 91)
    await h.tick()
    assert erased(h, first)
    assert last_run(h.services.storage.context, PURGE_JOB) == (h.clock.now(), "worker-1")

    second = closed_long_ago(h, 91)
    h.clock.advance(hours=23, minutes=59)
    await h.tick()
    assert not erased(h, second)  # the last purge is not a day old yet
    h.clock.advance(minutes=1)
    await h.tick()
    assert erased(h, second)


async def test_the_worker_logs_what_it_purged_as_counts_only(
        product: Harness, caplog: pytest.LogCaptureFixture) -> None:
    closed_long_ago(product, 91)
    closed_long_ago(product, 200)
    with caplog.at_level(logging.INFO, logger="intake.worker"):
        await product.tick()
    purged = [r for r in caplog.records if r.getMessage() == "retention_purged"]
    assert [(r.referrals, r.conversations, r.update_ids) for r in purged] == [  # type: ignore[attr-defined]
        (2, 0, 0)]
    assert all(PHONE not in str(vars(r)) for r in caplog.records)


async def test_two_bot_processes_on_one_database_purge_once(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    one = await Harness.start(tmp_path, settings)
    two = await Harness.start(tmp_path, settings)
    try:
        one.bot.worker.name, two.bot.worker.name = "worker-1", "worker-2"
        closed_long_ago(one, 91)
        reports = [await one.bot.worker.purge(), await two.bot.worker.purge()]
        assert [r.referrals if r else None for r in reports] == [1, None]
        two.clock.advance(hours=24)
        closed_long_ago(two, 91)
        reports = [await two.bot.worker.purge(), await one.bot.worker.purge()]
        assert [r.referrals if r else None for r in reports] == [1, None]
        assert last_run(one.services.storage.context, PURGE_JOB) == (two.clock.now(),
                                                                     "worker-2")
    finally:
        await one.stop()
        await two.stop()


async def test_with_intake_purge_hours_0_the_worker_never_purges(tmp_path: Path) -> None:
    settings = dataclasses.replace(settings_for(tmp_path), purge_hours=0)
    h = await Harness.start(tmp_path, settings)
    try:
        code = closed_long_ago(h, 91)
        await h.tick()
        h.clock.advance(days=30)
        await h.tick()
        assert not erased(h, code)
        assert last_run(h.services.storage.context, PURGE_JOB) is None
    finally:
        await h.stop()
