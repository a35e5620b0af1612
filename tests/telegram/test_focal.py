"""The focal point's side of the chat: /inbox lists only the referrals their agency still
has to act on; one it declined is no longer its to answer, whether or not anyone took it,
and one it accepted stays until it is closed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from tests.telegram.harness import Harness
from tests.telegram.test_end_to_end import FOCAL, REFERRER, complete_intake


@pytest_asyncio.fixture
async def product(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path)
    harness.enrol(REFERRER, "referrer")
    harness.enrol(FOCAL, "focal_point", agency="example_health")
    yield harness
    await harness.stop()


def listed(p: Harness) -> list[str]:
    """The labels of the last /inbox list sent to the focal point."""
    assert p.texts_to(FOCAL)[-1] == "Open referrals, the nearest deadline first:"
    _, buttons = p.last_keyboard(FOCAL)
    return [label for label, _ in buttons]


async def test_a_referral_the_agency_declined_leaves_its_inbox(product: Harness) -> None:
    p = product
    declined = await complete_intake(p)
    await p.tick()
    await p.text(FOCAL, "/inbox")
    assert [label.split(" · ")[0] for label in listed(p)] == [declined]
    await p.choose(FOCAL, "show")
    await p.choose(FOCAL, "decline")
    await p.choose(FOCAL, "decline:capacity")
    assert p.services.storage.referrals.get(declined).status == "declined"
    waiting = await complete_intake(p)
    await p.tick()  # the new card; the declined one goes along the hub's chain, if it can
    await p.text(FOCAL, "/inbox")
    assert [label.split(" · ")[0] for label in listed(p)] == [waiting]


async def test_an_inbox_with_only_a_declined_referral_says_nothing_is_open(
        product: Harness) -> None:
    p = product
    code = await complete_intake(p)
    await p.tick()
    await p.choose(FOCAL, "decline")
    await p.choose(FOCAL, "decline:mandate")
    assert p.services.storage.referrals.get(code).status == "declined"
    await p.text(FOCAL, "/inbox")
    assert p.texts_to(FOCAL)[-1] == "No open referrals for your agency."


async def test_a_referral_the_agency_accepted_stays_in_its_inbox_until_closed(
        product: Harness) -> None:
    p = product
    code = await complete_intake(p)
    await p.tick()
    await p.choose(FOCAL, "accept")
    assert p.services.storage.referrals.get(code).status == "accepted"
    await p.text(FOCAL, "/inbox")  # still the agency's to close
    assert [label.split(" · ")[:2] for label in listed(p)] == [[code, "accepted"]]
    await p.choose(FOCAL, "show")
    await p.choose(FOCAL, "close")
    await p.choose(FOCAL, "close:served")
    await p.text(FOCAL, "/inbox")
    assert p.texts_to(FOCAL)[-1] == "No open referrals for your agency."
