"""Erasing a referral leaves nothing of it in an open conversation, through the real engine,
intake desk and storage.

With the shipped flows a conversation ends at its refer node, so the referral and the
deletion of the conversation that made it commit together: there is nothing left to erase.
A coordinator may write a flow that goes on after a refer node (here: the urgent screen
returns to the PwSN intake after its urgent referral); the open conversation then holds
the answers that referral shared, and erasing the referral deletes it too.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

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
#: The shipped urgent screen ends the conversation once the urgent referral is sent.
URGENT_END = """    next: urgent_done
  urgent_done:
    type: end
    outcome: urgent_referred
    text: >-
      The urgent referral is sent. If you can, stay with the person until the emergency
      contact takes over.
"""


def shipped() -> FlowLibrary:
    return FlowLibrary.load([BUNDLED])


def urgent_then_intake(folder: Path) -> FlowLibrary:
    """The coordinator's edit: after the urgent referral, the screen returns to the intake
    (``clear`` is its ``return``). The checker accepts it."""
    shutil.copy(BUNDLED / "pwsn.yaml", folder)
    text = (BUNDLED / "urgent_screen.yaml").read_text(encoding="utf-8")
    assert URGENT_END in text
    (folder / "urgent_screen.yaml").write_text(text.replace(URGENT_END, "    next: clear\n"),
                                               encoding="utf-8")
    return FlowLibrary.load([folder])


#: PwSN to a referral with a phone number (the shipped flow's scenario), nothing urgent.
PWSN_TO_REFERRAL: list[Input] = [
    Choices(("none",)), Choice("person"), Choice("in_person"), Choice("yes"), Choice("yes"),
    Choice("yes"), Choices(("older_person",)), Choices(("none",)),
    Choices(("mobility", "alone", "no_income")), Choice("keep"), Choices(("medical",)),
    Choice("older"), Choice("female"), Choice("phone"), Text(PHONE),
]
#: An injury on the urgent screen, consent to refer and share: the urgent referral goes.
URGENT_REFERRAL: list[Input] = [
    Choices(("injury",)), Choice("person"), Choice("in_person"), Choice("yes"), Choice("yes"),
]


@dataclass(frozen=True)
class Case:
    name: str
    edited: bool
    inputs: list[Input]
    #: Where the conversation rests right after the referral; None: it ended and is gone.
    open_at: str | None
    answers: tuple[str, ...]
    erasure: Erasure
    audit: list[str]


CASES = [
    Case("shipped flows: the conversation ends with its referral", False, PWSN_TO_REFERRAL,
         None, (), Erasure("", False, "example_health", False), ["refer", "erase"]),
    Case("shipped flows: an urgent referral ends the conversation too", False,
         URGENT_REFERRAL, None, (), Erasure("", False, "example_health", False),
         ["refer", "erase"]),
    Case("a flow that goes on after its urgent referral", True, URGENT_REFERRAL,
         "consent", ("hub", "urgent_concerns"), Erasure("", False, "example_health", True),
         ["refer", "erase", "erase_conversation"]),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_erasing_a_referral_leaves_no_open_conversation_holding_its_answers(
        storage: Storage, tmp_path: Path, case: Case) -> None:
    library = urgent_then_intake(tmp_path) if case.edited else shipped()
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
    assert done == Erasure(code, case.erasure.already, case.erasure.notice_to,
                           case.erasure.conversation)
    assert storage.sessions.load(REFERRER) is None
    assert intake.handle(REFERRER, staff, Choice("person")).session is None  # nothing to go on
    assert [action for _, _, action, _ in storage.audit.entries(code)] == case.audit
    assert storage.referrals.reveal_contact(code) == {}
    assert storage.referrals.get(code).envelope == {}
