"""One identification may make several referrals (CP template SOPs, Annex D: "refer
immediately to health and child protection partners"): each is routed with its own case code
and deadline, and the referrer's one remaining summary names every code."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from bot.engine.events import SessionEnded
from bot.i18n.texts import Texts
from bot.telegram.render import summary
from tests.telegram.harness import Harness

REFERRER = 501


@pytest_asyncio.fixture
async def product(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path)
    harness.enrol(REFERRER, "referrer")
    yield harness
    await harness.stop()


async def test_an_injured_child_makes_a_health_and_a_child_protection_referral(
        product: Harness) -> None:
    p = product
    await p.text(REFERRER, "/new")
    for value in ("child", "gaziantep", "en",
                  "yes", "from_5",            # under 18, age group
                  "injury", "done",           # urgent: the health contacts at once
                  "none", "done",             # no Annex F area: the urgent concern is high
                  "absent", "in_person", "yes", "yes",   # the child's assent alone
                  "boy", "relative", "through_me"):
        await p.choose(REFERRER, value)
    text = p.texts_to(REFERRER)[-1]
    assert text.startswith("Referrals sent, one to each agency. Case codes: "), text
    codes = text.split("Case codes: ")[1].split(".")[0].split(", ")
    assert len(codes) == 2 and len(set(codes)) == 2
    records = [p.services.storage.referrals.get(code) for code in codes]
    assert [(r.case_type, r.urgent, r.risk) for r in records] == [
        ("medical", True, "high"), ("child_protection", True, "high")]
    # Annex D: "refer immediately to health and child protection partners": both urgent,
    # each with its own deadline from the directory (24 hours for the child).
    assert all(r.case_due_at is not None for r in records)
    child = records[1]
    assert child.case_due_at is not None and child.created_at is not None
    assert (child.case_due_at - child.created_at).total_seconds() == 24 * 3600


def test_the_summary_names_one_code_or_every_code() -> None:
    texts = Texts()
    ended = SessionEnded("referred", True)
    assert summary(texts, "en", ended, ("AB12",)).startswith("Referral sent. Case code: AB12.")
    assert summary(texts, "en", ended, ("AB12", "CD34")).startswith(
        "Referrals sent, one to each agency. Case codes: AB12, CD34.")
    arabic = summary(texts, "ar", ended, ("AB12", "CD34"))
    assert "\u2068AB12, CD34\u2069" in arabic  # the codes are isolated in Arabic
    closed = summary(texts, "en", SessionEnded("consent_refused", False), ())
    assert closed.startswith("This intake is closed and nothing was kept.")
    # An urgent note, then the pathway's consent refused: the note's code stays, nothing else.
    after_note = summary(texts, "en", SessionEnded("consent_refused", False), ("AB12",))
    assert after_note.startswith("The urgent referral sent earlier in this intake keeps its "
                                 "case code: AB12.") and "Nothing else was kept." in after_note
