"""The session counts the referrals it requested, so an erasure can tell whether an open
conversation still holds answers a referral shared (``storage.retention.erase``), and one
with the same details as a referral already sent in the conversation is not sent again."""

from __future__ import annotations

import json

import pytest

from bot.engine import Choice, Choices, Command, Engine, Input, Session, Text
from bot.engine.events import ReferralRequested, Say
from bot.engine.referral import ALREADY_SENT
from tests.engine.helpers import run

TO_PWSN: list[Input] = [Choice("pwsn"), Choice("gaziantep"), Choice("en"), Choice("adult")]
NOTHING_URGENT_CONSENT: list[Input] = [
    Choices(("none",)), Choice("person"), Choice("in_person"), Choice("yes"), Choice("yes"),
    Choice("yes")]
TO_REFERRAL: list[Input] = [
    *TO_PWSN, *NOTHING_URGENT_CONSENT, Choices(("disability",)), Choices(("none",)),
    Choices(("mobility", "isolated", "no_income")), Choice("keep"), Choices(("medical",)),
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


NOTE_SENT: list[Input] = [
    *TO_PWSN, Command("urgent"), Choices(("injury",)), Choice("in_person"), Choice("yes"),
    Choice("yes"), Choice("through_me")]


@pytest.mark.parametrize(("name", "again", "notes"), [
    ("the same concern, reached the same way", [Choice("through_me")], 1),
    ("the same concern, now reached by phone",
     [Choice("phone"), Text("+90 555 123 4567")], 2),
])
def test_an_urgent_note_with_the_same_details_is_sent_once_in_a_conversation(
        engine: Engine, name: str, again: list[Input], notes: int) -> None:
    session, events = run(engine, [*NOTE_SENT, Command("urgent"), Choices(("injury",)),
                                   *again])
    sent = [e for e in events if isinstance(e, ReferralRequested)]
    said = [e.text for e in events if isinstance(e, Say)]
    assert [e.case_type for e in sent] == ["medical"] * notes, name
    assert said.count(ALREADY_SENT) == 2 - notes, name
    assert (session.referred, len(session.sent)) == (notes, notes), name
    assert session.sealed == len(session.history), name


def test_the_fingerprints_of_sent_referrals_survive_json_and_old_sessions_have_none(
        engine: Engine) -> None:
    session, _ = run(engine, NOTE_SENT)
    assert len(session.sent) == 1
    assert Session.from_json(session.to_json()) == session
    stored = json.loads(session.to_json())
    del stored["sent"]
    assert Session.from_json(json.dumps(stored)).sent == ()
