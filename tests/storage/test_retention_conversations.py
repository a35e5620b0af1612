"""Erasing a referral leaves nothing of it in an open conversation, through the real engine,
intake desk and storage.

A conversation that ends at its refer node commits the referral and the deletion of the
conversation together: there is nothing left to erase. The shipped urgent screen goes on
after its urgent referral (CP SOPs: "After Urgent Action, Follow-up and continue"): the open
conversation then holds the answers that referral shared, and erasing the referral deletes
it too.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.directory import load_directory
from bot.engine import Choice, Choices, Engine, Input, Text
from bot.flows.library import BUNDLED, FlowLibrary
from bot.i18n.texts import Texts
from bot.service.intake import IntakeDesk
from bot.service.referrals import ReferralDesk
from storage.clock import FixedClock
from storage.retention import Erasure, erase
from storage.stores import Storage
from tests.storage.conftest import NOW

REFERRER = 4242
PHONE = "+90 555 123 4567"


def shipped() -> FlowLibrary:
    return FlowLibrary.load([BUNDLED])


#: PwSN to a referral with a phone number (the shipped flow's scenario), nothing urgent.
PWSN_TO_REFERRAL: list[Input] = [
    Choice("older"), Choices(("none",)), Choice("person"), Choice("in_person"), Choice("yes"),
    Choice("yes"), Choice("yes"), Choices(("older_person",)), Choices(("none",)),
    Choices(("mobility", "alone", "no_income")), Choice("keep"), Choices(("medical",)),
    Choice("female"), Choice("phone"), Text(PHONE),
]
#: An injury on the urgent screen, consent to refer and share, reached through the referrer:
#: the urgent referral goes.
URGENT_REFERRAL: list[Input] = [
    Choice("adult"), Choices(("injury",)), Choice("in_person"), Choice("yes"), Choice("yes"),
    Choice("through_me"),
]


@dataclass(frozen=True)
class Case:
    name: str
    inputs: list[Input]
    #: Where the conversation rests right after the referral; None: it ended and is gone.
    open_at: str | None
    answers: tuple[str, ...]
    erasure: Erasure
    audit: list[str]


CASES = [
    Case("the conversation ends with its referral", PWSN_TO_REFERRAL,
         None, (), Erasure("", False, ("example_health",), False, True), ["refer", "erase"]),
    Case("the urgent screen goes on to the pathway after its urgent referral",
         URGENT_REFERRAL, "consent",
         ("age_band", "hub", "note_reach", "pathway", "urgent_concerns", "urgent_told"),
         Erasure("", False, ("example_health",), True, True),
         ["refer", "erase", "erase_conversation"]),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_erasing_a_referral_leaves_no_open_conversation_holding_its_answers(
        storage: Storage, case: Case) -> None:
    library = shipped()
    clock = FixedClock(NOW)
    directory = load_directory()
    desk = ReferralDesk(storage.referrals, storage.reminders, storage.audit, directory, clock,
                        storage.unit)
    intake = IntakeDesk(Engine(library, Texts(), directory.hub_choices()), storage.sessions,
                        desk, clock, storage.unit, flow="pwsn")
    staff = storage.staff.get(storage.staff.enrol(
        REFERRER, "referrer", agency=None, hub="gaziantep", language="en", at=NOW))
    intake.start(REFERRER, staff, {})
    codes = [turn.code for given in case.inputs
             if (turn := intake.handle(REFERRER, staff, given)).code is not None]
    assert len(codes) == 1
    code = codes[0]

    held = storage.sessions.load(REFERRER)
    assert (held.state if held else None) == case.open_at
    if held is not None:
        assert held.referred == 1 and tuple(sorted(held.answers)) == case.answers

    done = erase(storage.context, code, at=NOW, actor="cli")
    assert done == Erasure(code, case.erasure.already, case.erasure.notices,
                           case.erasure.conversation, case.erasure.referrer)
    assert storage.sessions.load(REFERRER) is None
    assert intake.handle(REFERRER, staff, Choice("person")).session is None  # nothing to go on
    assert [action for _, _, action, _ in storage.audit.entries(code)] == case.audit
    assert storage.referrals.reveal_contact(code) == {}
    assert storage.referrals.get(code).envelope == {}
