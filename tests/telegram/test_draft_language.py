"""A referrer may work in a draft catalog (Kurmanji and French ship as drafts) and is told,
where they choose it and at each intake, that it is still in review; the person's language
question offers reviewed languages only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from bot.engine.asking import language_name
from bot.engine.context import DRAFT_NOTE
from tests.telegram.harness import Harness

REFERRER = 501


@pytest_asyncio.fixture
async def product(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path)
    harness.enrol(REFERRER, "referrer")
    yield harness
    await harness.stop()


async def test_choosing_a_draft_language_says_it_is_in_review(product: Harness) -> None:
    p = product
    texts = p.services.texts
    await p.text(REFERRER, "/language ku")
    note = texts.gettext("ku", DRAFT_NOTE)
    assert note != DRAFT_NOTE  # said in Kurmanji itself
    assert p.texts_to(REFERRER) == [texts.gettext(
        "ku", "Your language is now %(name)s, for this and your next intakes.",
        name=language_name("ku")) + "\n\n" + note]
    await p.text(REFERRER, "/new")
    assert note in p.texts_to(REFERRER)[1:]


async def test_a_reviewed_language_carries_no_note(product: Harness) -> None:
    p = product
    await p.text(REFERRER, "/language ar")
    await p.text(REFERRER, "/new")
    notes = {p.services.texts.gettext(lang, DRAFT_NOTE) for lang in ("ar", "en")}
    assert not notes & set(p.texts_to(REFERRER))


async def test_the_person_is_offered_reviewed_languages_only(product: Harness) -> None:
    p = product
    await p.text(REFERRER, "/language fr")
    await p.text(REFERRER, "/new")
    await p.choose(REFERRER, "gbv")
    await p.choose(REFERRER, "gaziantep")
    _, buttons = p.last_keyboard(REFERRER)
    offered = [p.codec.decode(data).value for _, data in buttons][:-1]  # then ◀ Back
    assert offered == ["en", "ar", "tr"]  # ku and fr are drafts
