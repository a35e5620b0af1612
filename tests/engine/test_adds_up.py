"""A multi question asked more than once keeps every option ever ticked under its
``adds_up_as`` answer (the urgent screen's ``urgent_told``), while its own answer is what was
ticked this time: a concern told at a first /urgent is still rated and recorded after a
second /urgent that did not tick it again."""

from __future__ import annotations

import json

import pytest

from bot.engine import Choice, Choices, Command, Engine, Input, Session
from bot.engine.asking import told
from bot.engine.events import ReferralRequested, RiskRated
from bot.flows.model import AskNode
from tests.conftest import TODAY
from tests.engine.helpers import of_type, run

HUB = {"hub": "gaziantep"}
#: The PwSN pathway up to its own consent: unsafe at home at the first screen, its note sent.
FIRST_SCREEN: list[Input] = [
    Choice("adult"), Choices(("unsafe_home",)), Choice("in_person"), Choice("yes"),
    Choice("yes"), Choice("through_me")]
#: /urgent at the pathway's consent, only an injury ticked, its note sent; then the
#: pathway's consent, one category and no red or yellow need.
SECOND_SCREEN_AND_NEEDS: list[Input] = [
    Command("urgent"), Choices(("injury",)), Choice("in_person"), Choice("yes"),
    Choice("yes"), Choice("through_me"),
    Choice("person"), Choice("in_person"), Choice("yes"), Choice("yes"), Choice("yes"),
    Choices(("woman_at_risk",)), Choices(("none",)), Choices(("none",))]


def _screen_question(engine: Engine) -> AskNode:
    node = engine.library.current("urgent_screen").graph.nodes["urgent_concerns"]
    assert isinstance(node, AskNode)
    return node


@pytest.mark.parametrize(("before", "now", "expected"), [
    (None, ["unsafe_home"], ["unsafe_home"]),
    (["unsafe_home"], ["injury"], ["injury", "unsafe_home"]),   # in the question's order
    (["unsafe_home"], ["unsafe_home"], ["unsafe_home"]),
    (["unsafe_home"], ["none"], ["unsafe_home"]),               # "none" never erases
    (["none"], ["injury"], ["injury"]),                         # nor stays beside a concern
    (["none"], ["none"], ["none"]),
    (None, ["none"], ["none"]),
])
def test_what_is_told_is_every_option_ticked_so_far(
        engine: Engine, before: list[str] | None, now: list[str], expected: list[str]) -> None:
    assert told(_screen_question(engine), before, now) == expected


def test_a_second_screen_answer_adds_to_the_concerns_told_and_the_note_carries_its_own(
        engine: Engine) -> None:
    session, _ = run(engine, [
        Choices(("unsafe_home",)), Choice("in_person"), Choice("yes"), Choice("yes"),
        Command("urgent"), Choices(("injury",))], flow="urgent_screen", answers=HUB)
    assert session.answers["urgent_concerns"] == ["injury"]
    assert session.answers["urgent_told"] == ["injury", "unsafe_home"]
    _, events = run(engine, [*FIRST_SCREEN, *SECOND_SCREEN_AND_NEEDS[:6]], flow="pwsn",
                    answers=HUB)
    assert [(r.case_type, r.envelope) for r in of_type(events, ReferralRequested)] == [
        ("protection", {"urgent_concerns": ["unsafe_home"], "note_reach": "through_me"}),
        ("medical", {"urgent_concerns": ["injury"], "note_reach": "through_me"})]


def test_the_pwsn_rating_counts_a_danger_the_second_screen_did_not_repeat(
        engine: Engine) -> None:
    """pwsn.yaml: the referral "is never rated lower than what the screen already told"."""
    _, events = run(engine, [*FIRST_SCREEN, *SECOND_SCREEN_AND_NEEDS], flow="pwsn",
                    answers=HUB)
    assert [(r.computed, r.level) for r in of_type(events, RiskRated)] == [("high", "high")]


def test_back_over_the_second_screen_puts_the_concerns_told_back_as_they_were(
        engine: Engine) -> None:
    session, _ = run(engine, [*FIRST_SCREEN, Command("urgent"), Choices(("injury",)),
                              Command("back")], flow="pwsn", answers=HUB)
    assert session.state == "screen/urgent_concerns"
    assert session.answers["urgent_told"] == ["unsafe_home"]


def test_a_session_stored_before_concerns_added_up_still_rates_its_first_screen_s_danger(
        engine: Engine) -> None:
    """Stored with the screen's answer only: it loads, what that answer told is kept, and a
    second screen adds to it."""
    session, _ = run(engine, FIRST_SCREEN, flow="pwsn", answers=HUB)
    stored = json.loads(session.to_json())
    del stored["answers"]["urgent_told"]
    old = Session.from_json(json.dumps(stored))
    assert "urgent_told" not in old.answers
    step = engine.step(old, SECOND_SCREEN_AND_NEEDS[0], TODAY)
    assert step.session.answers["urgent_told"] == ["unsafe_home"]
    events = list(step.events)
    session = step.session
    for given in SECOND_SCREEN_AND_NEEDS[1:]:
        step = engine.step(session, given, TODAY)
        events.extend(step.events)
        session = step.session
    assert session.answers["urgent_told"] == ["injury", "unsafe_home"]
    assert [(r.computed, r.level) for r in of_type(events, RiskRated)] == [("high", "high")]


def test_back_in_a_session_stored_before_concerns_added_up_forgets_the_screen_s_answer(
        engine: Engine) -> None:
    """Its steps have no undo entry: /back over the screen forgets the answer and what was
    kept of it, so the answer given instead is all that is told."""
    session, _ = run(engine, FIRST_SCREEN[:2], flow="pwsn", answers=HUB)
    stored = json.loads(session.to_json())
    del stored["answers"]["urgent_told"], stored["undo"]
    old = Session.from_json(json.dumps(stored))
    back = engine.step(old, Command("back"), TODAY).session
    assert back.state == "screen/urgent_concerns"
    assert "urgent_concerns" not in back.answers and "urgent_told" not in back.answers
    again = engine.step(back, Choices(("injury",)), TODAY).session
    assert again.answers["urgent_told"] == ["injury"]
