"""Notices speak words, not ids, and carry the case deadline: a reminder names the holding
agency's own clock and the case deadline; an unrouted referral names its case type."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from bot.ports import Staff
from tests.storage.builders import consent, request
from tests.telegram.harness import Harness

REFERRER, RELIEF, COORDINATOR = 501, 601, 701


@pytest_asyncio.fixture
async def product(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path)
    harness.enrol(REFERRER, "referrer")
    harness.enrol(RELIEF, "focal_point", agency="example_relief")
    harness.enrol(COORDINATOR, "coordinator", agency="example_relief")
    yield harness
    await harness.stop()


def referrer(p: Harness) -> Staff:
    staff = p.services.storage.staff.by_telegram(REFERRER)
    assert staff is not None
    return staff


async def test_a_reminder_names_the_agencys_clock_and_the_case_deadline(
        product: Harness) -> None:
    p = product
    with p.services.storage.unit():
        code = p.services.referrals.submit(request(case_type="protection"), referrer(p),
                                           consent()).code
    await p.tick()
    p.clock.advance(hours=2, minutes=1)  # half of the 4-hour acknowledgement window
    await p.tick()
    reminder = p.texts_to(RELIEF)[-1]
    assert reminder.startswith(f"Reminder: referral {code} is waiting for your agency.")
    assert "\nYour agency must acknowledge by 2026-" in reminder
    assert "\nCase deadline: 2026-" in reminder


async def test_an_unrouted_referral_names_its_case_type_in_words(product: Harness) -> None:
    p = product
    with p.services.storage.unit():
        code = p.services.referrals.submit(
            request(case_type="material_assistance", hub="atlantis"), referrer(p),
            consent()).code
    await p.tick()
    assert (f"Referral {code} (material assistance) could not be routed automatically."
            in p.texts_to(COORDINATOR)[-1])
