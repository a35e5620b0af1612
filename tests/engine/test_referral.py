"""The session counts the referrals it requested, so an erasure can tell whether an open
conversation still holds answers a referral shared (``storage.retention.erase``)."""

from __future__ import annotations

import json

import pytest

from bot.engine import Choice, Choices, Command, Engine, Input, Session, Text
from tests.engine.helpers import run

TO_PWSN: list[Input] = [Choice("pwsn"), Choice("gaziantep"), Choice("en"), Choice("adult")]
NOTHING_URGENT_CONSENT: list[Input] = [
    Choices(("none",)), Choice("person"), Choice("in_person"), Choice("yes"), Choice("yes"),
    Choice("yes")]
TO_REFERRAL: list[Input] = [
    *TO_PWSN, *NOTHING_URGENT_CONSENT, Choices(("older_person",)), Choices(("none",)),
    Choices(("mobility", "alone", "no_income")), Choice("keep"), Choices(("medical",)),
    Choice("female"), Choice("phone"), Text("+90 555 123 4567")]


@pytest.mark.parametrize(("name", "inputs", "outcome", "referred"), [
    ("an intake that has not referred yet", TO_PWSN + NOTHING_URGENT_CONSENT, None, 0),
    ("an intake ended by its referral keeps the count", TO_REFERRAL, "referred", 1),
    ("an urgent note after /urgent, and the intake goes on",
     [*TO_PWSN, Command("urgent"), Choices(("injury",)), Choice("in_person"), Choice("yes"),
      Choice("yes"), Choice("through_me")], None, 1),
    ("a cancelled intake keeps nothing, the count included",
     [*TO_PWSN, Command("cancel")], "cancelled", 0),
])
def test_each_refer_node_passed_counts_one_referral_in_the_session(
        engine: Engine, name: str, inputs: list[Input], outcome: str | None,
        referred: int) -> None:
    session, _ = run(engine, inputs)
    assert (session.outcome, session.referred) == (outcome, referred)


def test_a_session_stored_before_the_count_existed_loads_with_none_counted(
        engine: Engine) -> None:
    session, _ = run(engine, TO_PWSN)
    stored = json.loads(session.to_json())
    del stored["referred"]
    assert Session.from_json(json.dumps(stored)).referred == 0


def test_a_session_stored_before_referrals_sealed_its_history_loads_with_none_sealed(
        engine: Engine) -> None:
    session, _ = run(engine, TO_PWSN)
    stored = json.loads(session.to_json())
    del stored["sealed"]
    assert Session.from_json(json.dumps(stored)).sealed == 0
