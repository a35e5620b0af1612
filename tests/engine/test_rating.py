"""Risk rating: the rule table's level is offered to keep or to raise, never to lower; a raise
asks for one of the node's reasons; the level, its reason and its due hours are recorded, the
level's timeframe is said to the referrer, and later branches read the level chosen."""

from __future__ import annotations

import pytest

from bot.directory import load_directory
from bot.engine import Choice, Choices, Engine, Input, Session, Text
from bot.engine.events import Button, Event, Hint, Prompt, RiskRated, Say
from bot.engine.inputs import KEEP
from bot.flows.library import FlowLibrary
from bot.i18n.texts import Texts
from tests.conftest import TODAY
from tests.engine.helpers import last_prompt, of_type

#: Two signs of danger: both give high, one medium, none no risk. The flow has no entry for
#: low (a referrer may still rate it: then no due hours and no timeframe).
FLOW = """\
spec_version: 2
id: rating_gate
revision: 1
title: Rating gate
languages: [en]
start: signs
nodes:
  signs:
    type: ask
    kind: multi
    collects: risk_indicator
    text: What do you see?
    options:
      hurt: Hurt
      threat: Threatened
      none: {label: None of these, exclusive: true}
    next: rating
  rating:
    type: risk
    counts:
      seen: {answer: signs, options: [hurt, threat]}
    rules:
      - {seen: 2, level: high}
      - {seen: 1, level: medium}
      - {seen: 0, level: none}
    levels:
      high: {due_hours: 24, timeframe: "High risk: act within a day."}
      medium: {due_hours: 168, timeframe: "Medium risk: follow up within 7 days."}
      none: {due_hours: 720, timeframe: "No risk found: information only."}
    raise_reasons:
      observed: What I saw suggests more danger
      worsening: It is getting worse quickly
    next:
      - {when: {answer: rating, is: high}, goto: urgent}
      - goto: calm
  urgent:
    type: ask
    kind: choice
    collects: routing
    text: Act now?
    options: {"yes": "Yes"}
    next: done
  calm:
    type: ask
    kind: choice
    collects: routing
    text: Anything else?
    options: {"no": "No"}
    next: done
  done:
    type: end
    outcome: info_only
    text: Noted.
"""

KEEP_OR_RAISE = Prompt(
    node="rating", text="The answers give: no risk. Keep it, or rate it higher if what you "
    "see calls for it.", lang="en", audience="referrer", kind="choice",
    buttons=(Button(KEEP, "Keep this level"), Button("high", "high risk"),
             Button("medium", "medium risk"),
             Button("low", "low risk")), can_back=True)
WHY = Prompt(node="rating", text="Why do you rate the risk higher?", lang="en",
             audience="referrer", kind="choice",
             buttons=(Button("observed", "What I saw suggests more danger"),
                      Button("worsening", "It is getting worse quickly")), can_back=True)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    path = tmp_path_factory.mktemp("flows") / "rating_gate.yaml"
    path.write_text(FLOW, encoding="utf-8")
    return Engine(FlowLibrary.load([path]), Texts(), load_directory().hub_choices())


def walk(engine: Engine, inputs: list[Input]) -> tuple[Session, list[Event]]:
    step = engine.start("rating_gate", "en", today=TODAY)
    events = list(step.events)
    for given in inputs:
        step = engine.step(step.session, given, TODAY)
        events.extend(step.events)
    return step.session, events


def prompts(events: list[Event]) -> list[Event]:
    return [e for e in events if isinstance(e, Prompt) and e.node == "rating"]


def test_the_table_s_level_is_offered_to_keep_or_to_raise_and_never_lower(
        engine: Engine) -> None:
    _, events = walk(engine, [Choices(("none",))])
    assert prompts(events) == [KEEP_OR_RAISE]


def test_keeping_records_the_table_s_level_its_due_hours_and_says_its_timeframe(
        engine: Engine) -> None:
    session, events = walk(engine, [Choices(("none",)), Choice(KEEP)])
    assert of_type(events, RiskRated) == [RiskRated("none", "none", None, 720)]
    assert Say("No risk found: information only.", "en", "referrer") in events
    assert session.risk == {"computed": "none", "level": "none", "reason": None,
                            "due_hours": 720}
    assert (session.state, session.node_state) == ("calm", {})


def test_raising_asks_one_of_the_node_s_reasons_and_records_both_levels(
        engine: Engine) -> None:
    session, events = walk(engine, [Choices(("none",)), Choice("medium")])
    assert last_prompt(events) == WHY and of_type(events, RiskRated) == []
    session, events = walk(engine, [Choices(("none",)), Choice("medium"), Choice("worsening")])
    assert of_type(events, RiskRated) == [RiskRated("none", "medium", "worsening", 168)]
    assert Say("Medium risk: follow up within 7 days.", "en", "referrer") in events
    assert session.risk == {"computed": "none", "level": "medium", "reason": "worsening",
                            "due_hours": 168}


def test_a_level_the_flow_gives_no_timeframe_is_recorded_without_due_hours_or_words(
        engine: Engine) -> None:
    session, events = walk(engine, [Choices(("none",)), Choice("low"), Choice("observed")])
    assert of_type(events, RiskRated) == [RiskRated("none", "low", "observed", None)]
    assert [e for e in events if isinstance(e, Say) and "risk" in e.text] == []
    assert session.risk is not None and session.risk["due_hours"] is None


def test_the_highest_level_is_recorded_at_once_with_nothing_to_ask(engine: Engine) -> None:
    session, events = walk(engine, [Choices(("hurt", "threat"))])
    assert prompts(events) == [] and of_type(events, RiskRated) == [
        RiskRated("high", "high", None, 24)]
    assert Say("High risk: act within a day.", "en", "referrer") in events
    assert (session.state, session.answers["rating"]) == ("urgent", "high")


def test_later_branches_read_the_level_chosen_not_the_table_s(engine: Engine) -> None:
    session, _ = walk(engine, [Choices(("hurt",)), Choice("high"), Choice("observed")])
    assert (session.answers["rating"], session.state) == ("high", "urgent")
    session, _ = walk(engine, [Choices(("hurt",)), Choice(KEEP)])
    assert (session.answers["rating"], session.state) == ("medium", "calm")


@pytest.mark.parametrize("given", [
    Choice("low"),  # lower than the table: never offered, never accepted
    Choice("none"), Choice("medium"), Choice("HIGH"), Text("keep"), Choices(("high",)),
], ids=repr)
def test_a_lower_level_or_anything_not_offered_is_asked_again_and_records_nothing(
        engine: Engine, given: Input) -> None:
    session, events = walk(engine, [Choices(("hurt",)), given])
    after = events[len(walk(engine, [Choices(("hurt",))])[1]):]
    assert [e.text for e in after if isinstance(e, Hint)] == [
        "Please choose one of the buttons."]
    assert of_type(after, RiskRated) == [] and session.state == "rating"
    assert [b.id for b in last_prompt(after).buttons] == [KEEP, "high"]


@pytest.mark.parametrize("given", [
    Choice("hurt"), Choice(KEEP), Choice("high"), Text("observed"), Choices(("observed",)),
], ids=repr)
def test_anything_but_one_of_the_node_s_reasons_after_a_raise_is_asked_again(
        engine: Engine, given: Input) -> None:
    session, events = walk(engine, [Choices(("none",)), Choice("medium"), given])
    assert [e.text for e in events if isinstance(e, Hint)] == [
        "Please choose one of the buttons."]
    assert of_type(events, RiskRated) == [] and last_prompt(events) == WHY
    assert session.node_state == {"computed": "none", "raised": "medium"}
