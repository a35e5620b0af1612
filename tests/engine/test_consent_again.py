"""A consent given in full is not asked again when the path comes back to its node (after
/urgent), unless the referrals after it would now carry more or go to another kind of
agency; a consent left half-way, refused or overridden is always asked again. Every referral
carries the consent it is made under, so two referrals of one step keep their own."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.directory import load_directory
from bot.engine import Choice, Choices, Command, Engine, Input, Session
from bot.engine.events import ConsentRecorded, Disclosure, Event, Prompt, ReferralRequested, Say
from bot.engine.inputs import NO_OVERRIDE
from bot.flows.library import FlowLibrary
from bot.i18n.texts import Texts
from tests.conftest import TODAY
from tests.engine.helpers import last_prompt, of_type
from tests.engine.test_consent import FLOW as OVERRIDE_FLOW

#: The main consent, then /urgent: an urgent note under its own consent, or one more answer
#: the main referral carries; either way back to the main consent.
FLOW = """\
spec_version: 2
id: again
revision: 1
title: Consent given once
languages: [en]
inputs: [hub]
start: consent
urgent: urgent_q
nodes:
  consent:
    type: consent
    script: May I ask an organisation to help you?
    scopes: [refer, share, statistics]
    required: [refer, share]
    given_by: [person]
    methods: [in_person]
    next: need
    refused: sorry
  need:
    type: ask
    kind: choice
    collects: need
    shared_as: the help you need
    text: What help does the person need?
    options: {food: Food, legal: Legal help}
    next: send
  send:
    type: refer
    case_type: protection
    hub: hub
    envelope: [need, extra]
    next: sent
  sent:
    type: end
    outcome: referred
    text: Sent.
  sorry:
    type: end
    outcome: consent_refused
    text: Understood.
  urgent_q:
    type: ask
    kind: choice
    collects: routing
    text: What is urgent?
    options: {note: An urgent note, more: Something the agency must know}
    next:
      - {when: {answer: urgent_q, is: note}, goto: note}
      - goto: extra
  extra:
    type: ask
    kind: choice
    collects: need
    shared_as: the urgent help you need
    text: Which urgent help?
    options: {shelter: Shelter tonight}
    next: consent
  note:
    type: consent
    script: May I send an urgent note?
    scopes: [refer, share]
    given_by: [person]
    methods: [in_person]
    next: send_note
    refused: consent
  send_note:
    type: refer
    case_type: medical
    hub: hub
    urgent: true
    next: consent
"""
SKIPPED = "Consent for this referral was already given in this conversation, so it is not " \
          "asked again."
#: The main consent: refer and share, no anonymous figures.
GIVEN: list[Input] = [Choice("yes"), Choice("yes"), Choice("no")]
MAIN = ConsentRecorded(("refer", "share"), ("statistics",), "person", "in_person", None, "en")
NOTE = ConsentRecorded(("refer", "share"), (), "person", "in_person", None, "en")


def _engine(tmp_path_factory: pytest.TempPathFactory, name: str, text: str) -> Engine:
    path = tmp_path_factory.mktemp("flows") / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return Engine(FlowLibrary.load([path]), Texts(), load_directory().hub_choices())


@pytest.fixture(scope="module")
def again(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return _engine(tmp_path_factory, "again", FLOW)


def steps(engine: Engine, flow: str, inputs: list[Input],
          ) -> tuple[list[Session], list[list[Event]]]:
    """Every step's session and events, the start's first."""
    step = engine.start(flow, "en", today=TODAY, answers={"hub": "gaziantep"})
    sessions, events = [step.session], [list(step.events)]
    for given in inputs:
        step = engine.step(step.session, given, TODAY)
        sessions.append(step.session)
        events.append(list(step.events))
    return sessions, events


def flat(events: list[list[Event]]) -> list[Event]:
    return [event for step in events for event in step]


def test_a_consent_given_is_not_asked_again_and_the_urgent_note_asks_its_own(
        again: Engine) -> None:
    sessions, events = steps(again, "again", [
        *GIVEN, Command("urgent"), Choice("note"), Choice("yes"), Choice("yes")])
    back = events[-1]  # the note's last answer: the note is sent, then back to the consent
    assert of_type(flat(events), ConsentRecorded) == [MAIN, NOTE]
    assert [e.case_type for e in of_type(back, ReferralRequested)] == ["medical"]
    assert [e.text for e in of_type(back, Say)] == [SKIPPED]
    assert not [e for e in back if isinstance(e, Prompt) and e.node == "consent"]
    assert last_prompt(back).node == "need"
    # The note carries its own consent; the one given before governs what follows.
    assert [e.consent_record for e in of_type(back, ReferralRequested)] == [NOTE]
    assert sessions[-1].consent == {**MAIN.__dict__, "granted": list(MAIN.granted),
                                    "refused": list(MAIN.refused)}


def test_the_skipped_consent_governs_the_next_referral(again: Engine) -> None:
    sessions, events = steps(again, "again", [
        *GIVEN, Command("urgent"), Choice("note"), Choice("yes"), Choice("yes"),
        Choice("food")])
    referral = of_type(events[-1], ReferralRequested)
    assert [(e.case_type, e.consent, e.consent_record) for e in referral] == [
        ("protection", ("refer", "share"), MAIN)]
    assert sessions[-1].outcome == "referred"


def test_two_referrals_of_one_step_each_carry_the_consent_they_are_made_under(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    # The help needed is not asked after the urgent screen, so the urgent note's last answer
    # sends the note under its own consent, then the main referral under the one given
    # before (not asked again), in one step.
    straight = _engine(tmp_path_factory, "straight",
                       FLOW.replace("id: again", "id: straight").replace(
                           "  need:\n    type: ask\n",
                           "  need:\n    type: ask\n"
                           "    relevant: {not: {answer: urgent_q, answered: true}}\n"))
    _, events = steps(straight, "straight", [*GIVEN, Command("urgent"), Choice("note"),
                                             Choice("yes"), Choice("yes")])
    sent = of_type(events[-1], ReferralRequested)
    assert [(e.case_type, e.consent_record) for e in sent] == [("medical", NOTE),
                                                                ("protection", MAIN)]
    assert [e.consent for e in sent] == [NOTE.granted, MAIN.granted]


def test_a_consent_whose_referral_would_now_carry_more_is_asked_again(again: Engine) -> None:
    _, events = steps(again, "again", [*GIVEN, Command("urgent"), Choice("more"),
                                       Choice("shelter")])
    back = events[-1]
    assert SKIPPED not in [e.text for e in of_type(back, Say)]
    assert last_prompt(back).node == "consent"
    shown = of_type(back, Disclosure)
    assert len(shown) == 1 and "the urgent help you need" in shown[0].shared


def test_a_consent_left_half_way_is_asked_again_from_its_start(again: Engine) -> None:
    _, events = steps(again, "again", [Choice("yes"), Command("urgent"), Choice("note"),
                                       Choice("yes"), Choice("yes")])
    back = events[-1]
    assert SKIPPED not in [e.text for e in of_type(back, Say)]
    assert last_prompt(back).node == "consent"
    assert last_prompt(back).text == "Do you agree to be referred to an organisation that " \
                                     "can help you?"


def test_going_back_over_a_consent_forgets_it(again: Engine) -> None:
    sessions, _ = steps(again, "again", [*GIVEN, Command("back")])
    assert sessions[-1].consents == {} and sessions[-1].consent is None
    assert sessions[-1].state == "consent"


def test_an_ending_without_a_referral_forgets_every_consent(again: Engine) -> None:
    sessions, _ = steps(again, "again", [*GIVEN, Command("cancel")])
    assert sessions[-1].consents == {} and sessions[-1].consent is None


@pytest.mark.parametrize(("inputs", "why"), [
    ([Choices(("danger",)), Choice("caregiver"), Choice("remote"), Choice("no"),
      Choice("immediate_danger")], "the override"),
    ([Choices(("danger",)), Choice("caregiver"), Choice("remote"), Choice("no"),
      Choice(NO_OVERRIDE)], "a refusal"),
])
def test_a_consent_overridden_or_refused_is_never_kept_for_reuse(
        tmp_path_factory: pytest.TempPathFactory, inputs: list[Input], why: str) -> None:
    gate = _engine(tmp_path_factory, "override_gate", OVERRIDE_FLOW)
    sessions, events = steps(gate, "override_gate", inputs)
    assert of_type(flat(events), ConsentRecorded), why
    assert sessions[-1].consents == {}, why


def test_the_session_keeps_its_consents_through_json() -> None:
    session = Session("again", 1, "need", "en", "en",
                      consent={"granted": ["refer"], "refused": [], "given_by": "person",
                               "method": "in_person", "override_reason": None},
                      consents={"consent": {"granted": ["refer"], "shown": ["x"]}})
    assert Session.from_json(session.to_json()) == session


def test_a_session_stored_before_consents_existed_still_loads() -> None:
    old = ('{"flow_id": "again", "revision": 1, "state": "need", "referrer_lang": "en", '
           '"person_lang": "en"}')
    assert Session.from_json(old).consents == {}


@pytest.mark.parametrize(("resumed", "consent"), [
    ({"granted": ["refer", "share"], "given_by": "person"},
     {"granted": ["refer", "share"], "given_by": "person"}),
    (None, {"granted": ["refer"], "given_by": "caregiver"}),
], ids=["a consent waiting for the next referral", "none waiting"])
def test_a_session_stored_with_a_consent_waiting_in_resumed_loads_with_it_in_force(
        resumed: dict[str, object] | None, consent: dict[str, object]) -> None:
    old = json.dumps({"flow_id": "again", "revision": 1, "state": "need",
                      "referrer_lang": "en", "person_lang": "en",
                      "consent": {"granted": ["refer"], "given_by": "caregiver"},
                      "resumed": resumed})
    loaded = Session.from_json(old)
    assert loaded.consent == consent
    assert "resumed" not in json.loads(loaded.to_json())


def test_a_consent_not_asked_again_keeps_the_language_and_time_it_was_given_in(
        again: Engine) -> None:
    start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    step = again.start("again", "en", answers={"hub": "gaziantep"}, now=start)
    referrals: list[Event] = []
    inputs = [*GIVEN, Command("urgent"), Choice("note"), Choice("yes"), Choice("yes"),
              Choice("food")]
    for minutes, given in enumerate(inputs, start=1):  # step n at ``start`` + n minutes
        step = again.step(step.session, given, now=start + timedelta(minutes=minutes))
        referrals.extend(of_type(step.events, ReferralRequested))
    note, main = (e.consent_record for e in referrals if isinstance(e, ReferralRequested))
    # The main consent was completed by step 3; the note's by step 7, which sent the note;
    # the main referral was made at step 8, under the main consent, not asked again.
    assert main == replace(MAIN, given_at=start + timedelta(minutes=3))
    assert note == replace(NOTE, given_at=start + timedelta(minutes=7))


def test_a_session_saved_before_consents_kept_their_language_and_time_goes_on(
        again: Engine) -> None:
    sessions, _ = steps(again, "again", [*GIVEN, Command("urgent"), Choice("note"),
                                         Choice("yes"), Choice("yes")])
    old = json.loads(sessions[-1].to_json())
    for record in (old["consent"], *old["consents"].values()):
        del record["language"], record["given_at"]
    loaded = Session.from_json(json.dumps(old))
    step = again.step(loaded, Choice("food"), TODAY)
    (main,) = of_type(step.events, ReferralRequested)
    assert isinstance(main, ReferralRequested)
    assert main.consent_record == replace(MAIN, language=None)
    assert step.session.outcome == "referred"
