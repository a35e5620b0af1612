"""Service mapping used: after an intake that ends without a referral, and on /services,
the referrer sees where the person can go in the hub, in the referrer's language."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from tests.telegram.harness import Harness

REFERRER, TURKISH = 501, 502
CONSENT = ("none", "done", "person", "in_person", "yes", "yes", "yes")


@pytest_asyncio.fixture
async def product(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path)
    harness.enrol(REFERRER, "referrer")
    harness.enrol(TURKISH, "referrer", hub="hatay", language="tr")
    yield harness
    await harness.stop()


async def test_a_person_not_eligible_leaves_the_referrer_with_the_hubs_entry_points(
        product: Harness) -> None:
    p = product
    await p.text(REFERRER, "/new")
    for value in ("pwsn", "gaziantep", "en", "adult", *CONSENT, "none", "done"):
        await p.choose(REFERRER, value)
    last = p.texts_to(REFERRER)[-1]
    assert "nothing else was kept" in last
    assert "Where the person can go in Gaziantep for protection, medical, legal, material " \
        "assistance:" in last
    assert "• Psychosocial support: Example Relief Association, +90 000 000 1001 " \
        "(entry point)" in last
    assert "• Recreation and play: Example Community Committee" in last  # Gaziantep only


async def test_low_risk_information_shows_the_services_for_the_needs_chosen(
        product: Harness) -> None:
    p = product
    await p.text(REFERRER, "/new")
    for value in ("pwsn", "gaziantep", "en", "adult", *CONSENT, "disability", "done", "none",
                  "done", "none", "done", "keep", "legal", "done", "information"):
        await p.choose(REFERRER, value)
    last = p.texts_to(REFERRER)[-1]
    assert "Where the person can go in Gaziantep for legal:" in last
    assert "Legal aid: Example Legal Aid Centre" in last and "Health care" not in last
    assert p.services.storage.referrals.open() == []


async def test_services_answers_in_the_referrers_language_for_their_hub(
        product: Harness) -> None:
    p = product
    await p.text(TURKISH, "/services")
    listing = p.texts_to(TURKISH)[-1]
    assert "Hatay" in listing and "Vaka yönetimi" in listing and "Recreation" not in listing
    await p.text(TURKISH, "/services gbv")
    gbv = p.texts_to(TURKISH)[-1]
    assert "Örnek Kadın Ağı" in gbv and "Nakit yardımı" not in gbv


async def test_an_unknown_need_after_services_is_explained(product: Harness) -> None:
    p = product
    await p.text(REFERRER, "/services housing")
    assert p.texts_to(REFERRER)[-1] == ("Unknown need. Send /services alone for every "
                                        "service of your hub.")


async def test_a_refused_consent_still_leaves_the_referrer_with_where_to_go(
        product: Harness) -> None:
    p = product
    await p.text(REFERRER, "/new")
    for value in ("gbv", "gaziantep", "en", "adult", "none", "done", "in_person", "no"):
        await p.choose(REFERRER, value)
    last = p.texts_to(REFERRER)[-1]
    assert "No further referral was made; nothing else was kept." in last
    assert "Where the person can go in Gaziantep for gender-based violence:" in last
    assert "Example Women's Network" in last
    assert p.services.storage.referrals.open() == []


async def test_services_during_an_intake_lists_the_needs_of_its_pathway(
        product: Harness) -> None:
    p = product
    await p.text(REFERRER, "/new")
    for value in ("gbv", "gaziantep", "en", "adult", "none", "done"):
        await p.choose(REFERRER, value)
    await p.text(REFERRER, "/services")
    listing = p.texts_to(REFERRER)[-1]
    assert listing.startswith("Where the person can go in Gaziantep for gender-based "
                              "violence:")
    assert "Cash assistance" not in listing
    assert p.services.storage.sessions.load(REFERRER) is not None  # the intake goes on
