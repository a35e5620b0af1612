"""The consent gate: refusing a required scope ends the intake with nothing referred, unless
the child-safety override is offered (only while its condition holds); then only one of the
node's own reasons refers, "do not refer" ends as refused, and anything else is asked again
and records nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.directory import load_directory
from bot.engine import Choice, Choices, Command, Engine, Input, Session, Text
from bot.engine.events import (
    ConsentRecorded,
    Disclosure,
    Event,
    Hint,
    Prompt,
    ReferralRequested,
    Say,
)
from bot.engine.inputs import NO_OVERRIDE
from bot.flows.library import FlowLibrary
from bot.flows.model import OVERRIDE_ANSWER
from bot.i18n.texts import Texts
from tests.conftest import TODAY
from tests.engine.helpers import last_prompt, of_type, run

#: A child pathway in miniature: a danger question, its rating, assent with the override.
FLOW = """\
spec_version: 2
id: override_gate
revision: 1
title: Override gate
languages: [en]
inputs: [hub]
start: danger
nodes:
  danger:
    type: ask
    kind: multi
    collects: risk_indicator
    text: What is true for the child now?
    options:
      danger: In danger where they are
      none: {label: None of these, exclusive: true}
    invalid: rating
    next: rating
  rating:
    type: risk
    counts:
      red: {answer: danger, options: [danger]}
    rules:
      - {red: 1+, level: high}
      - {red: 0, level: low}
    levels:
      high: {due_hours: 24, timeframe: "High risk: act within a day."}
      low: {due_hours: 336, timeframe: "Low risk: within two weeks."}
    allow_raise: false
    next: assent
  assent:
    type: consent
    script: May I ask people who help children to help you?
    scopes: [refer, share]
    given_by: [child_assent, caregiver]
    methods: [in_person, remote]
    next: send
    refused: sorry
    override:
      when: {answer: rating, is: high}
      reasons:
        immediate_danger: The child is in immediate danger where they are
        no_safe_adult: No safe adult can look after the child now
      next: send
  send:
    type: refer
    case_type: child_protection
    hub: hub
    next: sent
  sent:
    type: end
    outcome: referred
    text: Sent.
  sorry:
    type: end
    outcome: consent_refused
    text: Understood.
"""


@pytest.fixture(scope="module")
def gate(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    path = tmp_path_factory.mktemp("flows") / "override_gate.yaml"
    path.write_text(FLOW, encoding="utf-8")
    return Engine(FlowLibrary.load([path]), Texts(), load_directory().hub_choices())


def walk(gate: Engine, inputs: list[Input]) -> tuple[Session, list[Event]]:
    step = gate.start("override_gate", "en", today=TODAY, answers={"hub": "gaziantep"})
    events = list(step.events)
    for given in inputs:
        step = gate.step(step.session, given, TODAY)
        events.extend(step.events)
    return step.session, events


#: The child in danger; consent given by the caregiver, remotely (the second of each), refused.
IN_DANGER_REFUSED: list[Input] = [Choices(("danger",)), Choice("caregiver"), Choice("remote"),
                                  Choice("no")]


def test_a_refusal_without_an_immediate_risk_ends_the_intake_with_no_referral(
        gate: Engine) -> None:
    session, events = walk(gate, [Choices(("none",)), Choice("child_assent"),
                                  Choice("in_person"), Choice("no")])
    assert session.outcome == "consent_refused"
    assert of_type(events, ReferralRequested) == []
    assert of_type(events, ConsentRecorded) == [
        ConsentRecorded((), ("refer",), "child_assent", "in_person", None, "en")]


def test_a_refusal_with_an_immediate_risk_offers_the_node_s_reasons_or_do_not_refer(
        gate: Engine) -> None:
    session, events = walk(gate, IN_DANGER_REFUSED)
    assert session.outcome is None and session.state == "assent"
    assert [b.id for b in last_prompt(events).buttons] == [
        "immediate_danger", "no_safe_adult", NO_OVERRIDE]
    assert of_type(events, ConsentRecorded) == []


def test_do_not_refer_ends_as_refused_with_no_referral(gate: Engine) -> None:
    session, events = walk(gate, [*IN_DANGER_REFUSED, Choice(NO_OVERRIDE)])
    assert session.outcome == "consent_refused"
    assert of_type(events, ReferralRequested) == []
    assert of_type(events, ConsentRecorded) == [
        ConsentRecorded((), ("refer",), "caregiver", "remote", None, "en")]


def test_a_listed_reason_refers_with_the_reason_recorded(gate: Engine) -> None:
    session, events = walk(gate, [*IN_DANGER_REFUSED, Choice("no_safe_adult")])
    assert session.outcome == "referred"
    assert of_type(events, ConsentRecorded) == [
        ConsentRecorded((), ("refer",), "caregiver", "remote", "no_safe_adult", "en")]
    (referral,) = of_type(events, ReferralRequested)
    assert isinstance(referral, ReferralRequested)
    assert referral.override_reason == "no_safe_adult" and referral.consent == ()


@pytest.mark.parametrize("given", [
    Choice("harm_by_caregiver"),  # a reason of the closed list, but not this node's
    Choice("yes"), Choice("immediate_danger "), Text("immediate_danger"), Choices(("no",)),
], ids=repr)
def test_anything_else_at_the_override_is_asked_again_and_records_nothing(
        gate: Engine, given: Input) -> None:
    session, events = walk(gate, [*IN_DANGER_REFUSED, given])
    after = events[len(walk(gate, IN_DANGER_REFUSED)[1]):]
    assert [e.text for e in after if isinstance(e, Hint)] == [
        "Please choose one of the buttons."]
    assert (session.state, session.outcome) == ("assent", None)
    assert of_type(after, ConsentRecorded) == [] and of_type(after, ReferralRequested) == []
    assert [b.id for b in last_prompt(after).buttons][-1] == NO_OVERRIDE
    session, events = walk(gate, [*IN_DANGER_REFUSED, given, Choice(NO_OVERRIDE)])
    assert session.outcome == "consent_refused" and of_type(events, ReferralRequested) == []


def shown(prompt: Prompt) -> tuple[str, str, str, list[tuple[str, str]]]:
    return prompt.text, prompt.kind, prompt.audience, [(b.id, b.label) for b in prompt.buttons]


def test_each_consent_step_asks_its_question_with_the_node_s_own_choices(gate: Engine) -> None:
    _, events = walk(gate, [*IN_DANGER_REFUSED[:3], Choice("yes"), Choice("no")])
    prompts = [shown(e) for e in events if isinstance(e, Prompt) and e.node == "assent"]
    yes_no = [("yes", "Yes"), ("no", "No")]
    assert prompts == [
        ("Who gives consent?", "choice", "referrer",
         [("child_assent", "The child (assent)"), ("caregiver", "The caregiver")]),
        ("How is consent given?", "choice", "referrer",
         [("in_person", "In person"), ("remote", "Remotely (phone or video)")]),
        ("Do you agree to be referred to an organisation that can help you?", "choice",
         "person", yes_no),
        ("Do you agree that only the information needed for this referral is shared with "
         "that organisation?", "choice", "person", yes_no),
        ("Consent was not given. The child faces an immediate safety risk, so you may still "
         "refer in the child's best interest: the child protection focal point is consulted "
         "and decides with you. Choose the reason, or do not refer.", "choice", "referrer",
         [("immediate_danger", "The child is in immediate danger where they are"),
          ("no_safe_adult", "No safe adult can look after the child now"),
          (NO_OVERRIDE, "Do not refer")]),
    ]


# -- what the person is shown after the script -------------------------------------------

VALID = Path(__file__).resolve().parents[1] / "flows" / "valid"


@pytest.fixture(scope="module")
def two_consents() -> Engine:
    return Engine(FlowLibrary.load([VALID / "disclosure.yaml"]), Texts(),
                  load_directory().hub_choices())


def test_the_script_is_followed_by_what_the_referral_carries(two_consents: Engine) -> None:
    _, events = run(two_consents, [Choice("kilis")], flow="disclosure")
    script, shown, prompt = events[-3:]
    assert isinstance(script, Say) and script.audience == "person"
    assert shown == Disclosure(
        ("the area you are in, the kind of help needed and how urgent it is", "age group",
         "how to reach you"), ("your phone number",), "en")
    assert isinstance(prompt, Prompt) and prompt.node == "first_consent"


def test_a_later_consent_names_only_what_its_own_referral_carries(two_consents: Engine) -> None:
    steps: list[Input] = [Choice("kilis"), Choice("yes"), Choice("yes"), Choice("older"),
                          Choice("through_me"), Choices(("health",)), Choice("done")]
    _, events = run(two_consents, steps, flow="disclosure")
    shown = [e for e in events if isinstance(e, Disclosure)]
    assert len(shown) == 2
    assert shown[1].shared == ("the area you are in, the kind of help needed and how urgent "
                               "it is", "the kind of urgent help needed", "age group")
    assert shown[1].on_acceptance == ()


def test_a_sole_giver_and_method_are_recorded_without_being_asked(two_consents: Engine) -> None:
    _, events = run(two_consents, [Choice("kilis"), Choice("yes"), Choice("yes")],
                    flow="disclosure")
    asked = [e.audience for e in events if isinstance(e, Prompt)]
    assert asked[1:] == ["person", "person", "referrer"]  # the two scopes, then age group
    assert of_type(events, ConsentRecorded) == [
        ConsentRecorded(("refer", "share"), (), "person", "in_person", None, "en")]


def test_an_adult_is_not_told_of_what_only_a_child_s_or_an_urgent_referral_carries(
        engine: Engine) -> None:
    steps: list[Input] = [Choice("gbv"), Choice("gaziantep"), Choice("en"), Choice("adult"),
                          Choices(("none",))]
    _, events = run(engine, steps)
    shown = [e for e in events if isinstance(e, Disclosure)][-1]
    assert "age group" in shown.shared and "your phone number" in shown.on_acceptance
    assert "who agreed for the child" not in shown.shared
    assert "the kind of urgent help needed" not in shown.shared


def test_the_list_is_in_the_person_s_language(engine: Engine) -> None:
    steps: list[Input] = [Choice("gbv"), Choice("gaziantep"), Choice("ar"), Choice("adult"),
                          Choices(("none",))]
    _, events = run(engine, steps)
    shown = [e for e in events if isinstance(e, Disclosure)][-1]
    assert shown.lang == "ar"
    assert "الفئة العمرية" in shown.shared and "رقم هاتفك" in shown.on_acceptance


@pytest.mark.parametrize(("given_by", "method"), [
    ("child_assent", "in_person"), ("caregiver", "remote"), ("caregiver", "in_person")])
def test_consent_given_is_recorded_with_who_gave_it_and_how(
        gate: Engine, given_by: str, method: str) -> None:
    session, events = walk(gate, [Choices(("none",)), Choice(given_by), Choice(method),
                                  Choice("yes"), Choice("yes")])
    assert session.outcome == "referred"
    assert of_type(events, ConsentRecorded) == [
        ConsentRecorded(("refer", "share"), (), given_by, method, None, "en")]
    (referral,) = of_type(events, ReferralRequested)
    assert isinstance(referral, ReferralRequested) and referral.consent == ("refer", "share")


@pytest.mark.parametrize("inputs", [
    [Choice("person")],  # a giver this node does not offer
    [Choice("caregiver"), Choice("video")],  # a method it does not offer
    [Choice("caregiver"), Choice("remote"), Text("yes")],  # typed, not pressed
    [Choice("caregiver"), Choice("remote"), Choice("maybe")],
], ids=["giver", "method", "typed answer", "unknown answer"])
def test_an_answer_the_consent_step_does_not_offer_is_asked_again_and_records_nothing(
        gate: Engine, inputs: list[Input]) -> None:
    before = walk(gate, [Choices(("none",)), *inputs[:-1]])[1]
    session, events = walk(gate, [Choices(("none",)), *inputs])
    after = events[len(before):]
    assert [e.text for e in after if isinstance(e, Hint)] == [
        "Please choose one of the buttons."]
    assert (session.state, session.outcome) == ("assent", None)
    assert of_type(events, ConsentRecorded) == []


OVERRIDDEN: list[Input] = [Choice("child"), Choices(("sexual_assault_120h",)), Choice("absent"),
                           Choice("in_person"), Choice("no"), Choice("immediate_danger")]


def test_the_override_records_its_reason_as_an_answer_the_flow_routes_on(
        engine: Engine) -> None:
    session, events = run(engine, OVERRIDDEN, flow="gbv", answers={"hub": "gaziantep"})
    assert session.answers[OVERRIDE_ANSWER] == "immediate_danger"
    assert session.state == "reach" and not of_type(events, ReferralRequested)


def test_back_over_the_overridden_consent_forgets_the_override(engine: Engine) -> None:
    session, _ = run(engine, [*OVERRIDDEN, Command("back")], flow="gbv",
                     answers={"hub": "gaziantep"})
    assert session.state == "gbv_assent_alone" and OVERRIDE_ANSWER not in session.answers


def test_a_consent_given_leaves_no_override_answer(engine: Engine) -> None:
    session, _ = run(engine, [Choice("child"), Choices(("sexual_assault_120h",)),
                              Choice("absent"), Choice("in_person"), Choice("yes"),
                              Choice("yes")], flow="gbv", answers={"hub": "gaziantep"})
    assert session.state == "wishes" and OVERRIDE_ANSWER not in session.answers
