"""/back puts the session back exactly as it was before the step it undoes, even where that
step answered a question a second time (the urgent screen after a second /urgent)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.engine import Choice, Choices, Command, Engine, Input, Session
from bot.engine.events import Prompt, ReferralRequested, RiskRated
from tests.conftest import TODAY
from tests.engine.helpers import of_type, run
from tests.engine.test_walks import FLOWS, _anything

HUB = {"hub": "gaziantep"}
#: The screen on its own: unsafe at home, the note's consent, then /urgent at "how to reach"
#: and the screen's question answered a second time, with another concern.
SCREENED_TWICE: list[Input] = [
    Choices(("unsafe_home",)), Choice("in_person"), Choice("yes"), Choice("yes"),
    Command("urgent"), Choices(("injury",))]


def test_back_over_a_second_urgent_screen_puts_the_first_screen_s_concerns_back(
        engine: Engine) -> None:
    session, _ = run(engine, [*SCREENED_TWICE, Command("back")], flow="urgent_screen",
                     answers=HUB)
    assert session.state == "urgent_concerns"
    assert session.answers["urgent_concerns"] == ["unsafe_home"]


def test_a_note_sent_after_going_back_over_the_second_screen_carries_the_first_concerns(
        engine: Engine) -> None:
    """Back over the second answer and over the /urgent, to the first screen's "how to
    reach": the protection note leaves with the concern the person told first."""
    _, events = run(engine, [*SCREENED_TWICE, Command("back"), Command("back"),
                             Choice("through_me")], flow="urgent_screen", answers=HUB)
    (note,) = of_type(events, ReferralRequested)
    assert note.case_type == "protection" and note.urgent
    assert note.envelope == {"urgent_concerns": ["unsafe_home"], "note_reach": "through_me"}


def test_the_pwsn_rating_still_counts_the_first_screen_s_danger_after_back(
        engine: Engine) -> None:
    """Unsafe at home, told at the first screen, is a red need for the PwSN rating: going
    back over a second screen's answer does not make the referral less urgent."""
    _, events = run(engine, [
        Choice("adult"), Choices(("unsafe_home",)), Choice("in_person"), Choice("yes"),
        Choice("yes"), Choice("through_me"),           # the protection note is sent
        Choice("person"), Choice("in_person"), Choice("yes"), Choice("yes"), Choice("yes"),
        Command("urgent"), Choices(("injury",)),       # at the categories: the screen again
        Command("back"), Command("back"),              # back to the categories
        Choices(("disability",)), Choices(("none",)), Choices(("none",))],
        flow="pwsn", answers=HUB)
    assert [(r.computed, r.level) for r in of_type(events, RiskRated)] == [("high", "high")]


def _restorable(session: Session) -> dict[str, object]:
    """The session without what /back starts afresh (a question's progress and retries)."""
    data = json.loads(session.to_json())
    for name in ("node_state", "retries", "host"):
        data.pop(name)
    return data


@pytest.mark.parametrize(("flow", "inputs"), [
    ("urgent_screen", SCREENED_TWICE),
    ("pwsn", [Choice("adult"), Choices(("unsafe_home",)), Choice("in_person"), Choice("yes"),
              Choice("yes"), Command("urgent"), Choices(("injury", "other_urgent")),
              Command("urgent"), Choices(("none",))]),
    ("child", [Choice("yes"), Choice("under_5"), Choices(("no_safe_care",)),
               Command("urgent"), Choices(("none",))]),
])
def test_back_after_any_step_gives_the_session_as_it_was_before_that_step(
        engine: Engine, flow: str, inputs: list[Input]) -> None:
    step = engine.start(flow, "en", today=TODAY, answers=dict(HUB))
    for sent in inputs:
        before = step.session
        step = engine.step(before, sent, TODAY)
        assert of_type(step.events, Prompt), (flow, sent)  # every input here is accepted
        if len(step.session.history) > len(before.history) and step.session.can_back:
            undone = engine.step(step.session, Command("back"), TODAY).session
            assert _restorable(undone) == _restorable(before), (flow, sent)


@pytest.mark.parametrize("flow", FLOWS)
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_back_after_any_step_of_a_random_walk_gives_the_session_as_it_was(
        engine: Engine, flow: str, data: st.DataObject) -> None:
    step = engine.start(flow, "en", today=TODAY, answers=dict(HUB))
    for _ in range(40):
        if step.session.ended:
            break
        prompt = of_type(step.events, Prompt)[-1]
        before = step.session
        step = engine.step(before, data.draw(st.composite(
            lambda draw, p=prompt: _anything(draw, p))()), TODAY)
        if len(step.session.history) > len(before.history) and step.session.can_back \
                and not step.session.ended:
            undone = engine.step(step.session, Command("back"), TODAY).session
            assert _restorable(undone) == _restorable(before)


def test_a_session_stored_before_steps_were_undoable_loads_and_back_still_works(
        engine: Engine) -> None:
    """Its older steps have no undo entry: /back over them forgets their answer, as before;
    a step taken after loading is undone exactly."""
    session, _ = run(engine, [Choice("pwsn"), Choice("gaziantep")])
    stored = json.loads(session.to_json())
    del stored["undo"]
    old = Session.from_json(json.dumps(stored))
    assert old.undo == () and old.history == session.history == ("situation", "where/hub")
    later = engine.step(old, Choice("en"), TODAY).session
    assert len(later.undo) == 1 and len(later.history) == 3
    back = engine.step(later, Command("back"), TODAY).session
    assert back == old
    back = engine.step(back, Command("back"), TODAY).session
    assert back.state == "where/hub" and "hub" not in back.answers
    assert back.history == ("situation",) and back.undo == ()


def test_an_intake_cancelled_keeps_nothing_of_what_its_steps_replaced(engine: Engine) -> None:
    """The undo entries hold answers given before (the first screen's concerns): an ending
    that keeps nothing forgets them with the answers."""
    session, _ = run(engine, [*SCREENED_TWICE, Command("cancel")], flow="urgent_screen",
                     answers=HUB)
    assert session.outcome == "cancelled"
    assert (session.answers, session.history, session.undo) == ({}, (), ())
