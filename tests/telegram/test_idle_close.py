"""An intake left idle is closed by the worker and the referrer is told what is true: with
no referral sent, nothing was kept; after an urgent note, the referrals already sent stay
with the agencies that received them, under the case codes named."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from tests.telegram.harness import Harness

REFERRER = 501


@pytest_asyncio.fixture
async def product(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path)
    harness.enrol(REFERRER, "referrer")
    yield harness
    await harness.stop()


async def left_idle(p: Harness) -> str:
    """The idle limit passes; the worker closes the intake; the referrer's last message."""
    p.clock.advance(minutes=p.services.settings.idle_minutes + 1)
    await p.tick()
    return p.texts_to(REFERRER)[-1]


async def test_an_idle_intake_after_an_urgent_note_says_the_note_stays_with_its_agency(
        product: Harness) -> None:
    p = product
    await p.text(REFERRER, "/new")
    for value in ("pwsn", "gaziantep", "en", "adult",
                  "unsafe_home", "done",            # not safe tonight: the safety note
                  "in_person", "yes", "yes",        # the person's own consent to the note
                  "through_me"):
        await p.choose(REFERRER, value)
    codes = [r.code for r in p.services.storage.referrals.open()]
    assert len(codes) == 1  # the urgent note to the protection focal point
    text = await left_idle(p)
    assert text == (
        "The intake was closed after a period without activity. The referrals already sent "
        f"stay with the agencies that received them (case codes: {codes[0]}); nothing else "
        "was kept. Send /new to start again.")
    assert "Nothing was kept" not in text


async def test_an_idle_intake_without_a_referral_says_nothing_was_kept(
        product: Harness) -> None:
    p = product
    await p.text(REFERRER, "/new")
    await p.choose(REFERRER, "pwsn")
    assert await left_idle(p) == ("The intake was closed after a period without activity. "
                                  "Nothing was kept. Send /new to start again.")
