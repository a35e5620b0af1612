"""Keep existing networks: the referrer may send to a partner agency the service map lists
for the need in the hub, if it has a focal point enrolled; the choice is recorded, and a
partner that does not acknowledge in time hands the referral to the hub's focal point with
its own clock while the case deadline stays."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from tests.telegram.harness import Harness

REFERRER, LAW, RELIEF = 501, 601, 701
CONSENT = ("none", "done", "person", "in_person", "yes", "yes", "yes")
#: A high-risk protection referral in Gaziantep: its focal point is Example Relief.
PROTECTION = ("pwsn", "gaziantep", "en", "adult", *CONSENT, "legal_physical", "done",
              "detention_risk", "done", "none", "done", "protection", "done", "male",
              "through_me")


@pytest_asyncio.fixture
async def product(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path)
    harness.enrol(REFERRER, "referrer")
    harness.enrol(LAW, "focal_point", agency="example_law")
    harness.enrol(RELIEF, "focal_point", agency="example_relief")
    yield harness
    await harness.stop()


async def test_only_mapped_partners_with_someone_enrolled_are_offered_after_the_focal_point(
        product: Harness) -> None:
    p = product
    await p.text(REFERRER, "/new")
    for value in PROTECTION:
        await p.choose(REFERRER, value)
    _, buttons = p.last_keyboard(REFERRER)
    labels = [label for label, _ in buttons]
    # Example Solidarity and the Community Committee also map protection services in
    # Gaziantep, but nobody of theirs is enrolled; Relief is the focal point itself.
    assert labels[:2] == ["The hub's focal point (recommended)", "Example Legal Aid Centre"]
    assert len([label for label in labels if "Example" in label]) == 1


async def test_a_chosen_partner_receives_the_card_and_the_choice_is_recorded(
        product: Harness) -> None:
    p = product
    await p.text(REFERRER, "/new")
    for value in (*PROTECTION, "example_law"):
        await p.choose(REFERRER, value)
    code = p.texts_to(REFERRER)[-1].split("Case code: ")[1].split(".")[0]
    record = p.services.storage.referrals.get(code)
    assert (record.agency, record.via, record.partner_chosen) == ("example_law", "partner",
                                                                  True)
    await p.tick()
    card = p.texts_to(LAW)[-1]
    assert card.startswith(f"Referral {code}") and "chosen by the referrer" in card


async def test_a_silent_partner_escalates_to_the_hubs_focal_point_with_its_own_clock(
        product: Harness) -> None:
    p = product
    await p.text(REFERRER, "/new")
    for value in (*PROTECTION, "example_law"):
        await p.choose(REFERRER, value)
    code = p.texts_to(REFERRER)[-1].split("Case code: ")[1].split(".")[0]
    first = p.services.storage.referrals.get(code)
    await p.tick()
    p.clock.advance(hours=4, minutes=1)  # high risk: acknowledge within 4 hours
    await p.tick()
    await p.tick()
    moved = p.services.storage.referrals.get(code)
    assert (moved.status, moved.agency, moved.via) == ("forwarded", "example_relief",
                                                       "focal_point")
    assert moved.case_due_at == first.case_due_at
    assert moved.acknowledge_by == p.clock.now() + (first.acknowledge_by - first.created_at)
    assert p.texts_to(RELIEF)[-1].startswith(f"Referral {code}")


async def test_a_partner_whose_focal_point_left_is_no_longer_offered(product: Harness) -> None:
    p = product
    await p.text(REFERRER, "/new")
    for value in PROTECTION:
        await p.choose(REFERRER, value)
    law = p.services.storage.staff.by_telegram(LAW)
    assert law is not None
    p.services.storage.staff.set_active(law.id, False, p.clock.now())
    await p.choose(REFERRER, "example_law")  # pressed on the buttons shown before
    assert ("That agency cannot receive referrals now; the hub's focal point will receive "
            "it.") in p.texts_to(REFERRER)[-1]
    assert [(r.agency, r.via) for r in p.services.storage.referrals.open()] == [
        ("example_relief", "focal_point")]
