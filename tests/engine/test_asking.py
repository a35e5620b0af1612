"""Typed questions validate their answers: numbers, dates, free text, relevance."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine import Choice, Choices, Engine, Text
from bot.engine.events import Hint, SessionEnded
from bot.flows.library import FlowLibrary
from bot.i18n.texts import Texts
from tests.engine.helpers import last_prompt, of_type, run

FLOW = """
spec_version: 2
id: typed
revision: 1
title: Typed questions
languages: [en]
start: age
nodes:
  age:
    type: ask
    kind: number
    collects: demographic
    text: Age in years?
    min: 0
    max: 120
    retries: 5
    invalid: gave_up
    next:
      - {when: {answer: age, lt: 18}, goto: school}
      - goto: seen_on
  school:
    type: ask
    kind: choice
    collects: routing
    text: In school?
    options: {"yes": "Yes", "no": "No"}
    invalid: gave_up
    next: seen_on
  seen_on:
    type: ask
    kind: date
    collects: routing
    not_future: true
    text: Date of identification?
    invalid: gave_up
    next: note
  note:
    type: ask
    kind: text
    collects: need
    max_length: 10
    relevant: {answer: age, gte: 60}
    text: Short note?
    invalid: gave_up
    next: done
  done:
    type: end
    outcome: info_only
    text: Done.
  gave_up:
    type: end
    outcome: cancelled
    text: Gave up.
"""


@pytest.fixture(scope="module")
def typed(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    path: Path = tmp_path_factory.mktemp("flows") / "typed.yaml"
    path.write_text(FLOW, encoding="utf-8")
    return Engine(FlowLibrary.load([path]), Texts())


@pytest.mark.parametrize(("typed_text", "stored"), [
    ("42", 42), (" 7 ", 7), ("٤٢", 42), ("１２", 12), ("3.5", 3.5), ("3,5", 3.5),
])
def test_numbers_are_read_in_any_digits(typed: Engine, typed_text: str, stored: float) -> None:
    session, _ = run(typed, [Text(typed_text)], flow="typed")
    assert session.answers["age"] == stored


@pytest.mark.parametrize(("typed_text", "hint"), [
    ("forty", "Please type a number, for example 12."),
    ("nan", "Please type a number, for example 12."),
    ("inf", "Please type a number, for example 12."),
    ("130", "Please type a number from 0 to 120."),
    ("-1", "Please type a number from 0 to 120."),
])
def test_bad_numbers_are_refused_with_a_hint(typed: Engine, typed_text: str, hint: str) -> None:
    session, events = run(typed, [Text(typed_text)], flow="typed")
    assert session.state == "age" and of_type(events, Hint)[0].text == hint


def test_a_number_condition_branches(typed: Engine) -> None:
    assert run(typed, [Text("12")], flow="typed")[0].state == "school"
    assert run(typed, [Text("30")], flow="typed")[0].state == "seen_on"


@pytest.mark.parametrize(("typed_text", "stored"), [
    ("2026-11-20", "2026-11-20"), ("20/11/2026", "2026-11-20"), ("1.2.2025", "2025-02-01"),
])
def test_dates_are_read_in_common_formats(typed: Engine, typed_text: str, stored: str) -> None:
    session, _ = run(typed, [Text("70"), Text(typed_text)], flow="typed")
    assert session.answers["seen_on"] == stored and session.state == "note"


@pytest.mark.parametrize(("typed_text", "hint"), [
    ("2026-11-24", "That date is in the future."),
    ("31/02/2026", "Please type a date as day/month/year, for example 23/11/2026."),
    ("yesterday", "Please type a date as day/month/year, for example 23/11/2026."),
])
def test_bad_dates_are_refused_with_a_hint(typed: Engine, typed_text: str, hint: str) -> None:
    session, events = run(typed, [Text("30"), Text(typed_text)], flow="typed")
    assert session.state == "seen_on" and of_type(events, Hint)[0].text == hint


def test_an_irrelevant_question_is_skipped(typed: Engine) -> None:
    session, _ = run(typed, [Text("30"), Text("2026-11-20")], flow="typed")
    assert session.outcome == "info_only" and "note" not in session.answers


def test_free_text_is_limited_in_length(typed: Engine) -> None:
    session, events = run(typed, [Text("70"), Text("2026-11-20"), Text("x" * 11)],
                          flow="typed")
    assert session.state == "note"
    assert of_type(events, Hint)[0].text == "Please keep it under 10 characters."


def test_a_button_press_on_a_typed_question_asks_for_typing(typed: Engine) -> None:
    session, events = run(typed, [Choice("42")], flow="typed")
    assert session.state == "age" and of_type(events, Hint)[0].text == "Please type your answer."


def test_the_retry_limit_comes_from_the_question(typed: Engine) -> None:
    session, _ = run(typed, [Text("x")] * 5, flow="typed")
    assert session.state == "age"
    session, _ = run(typed, [Text("x")] * 6, flow="typed")
    assert session.outcome == "cancelled"


def test_the_prompt_of_a_typed_question_has_no_buttons(typed: Engine) -> None:
    _, events = run(typed, [], flow="typed")
    assert last_prompt(events).buttons == () and last_prompt(events).kind == "number"


NO_INVALID = """
spec_version: 2
id: no_invalid
revision: 1
title: A question without an invalid way
languages: [en]
start: age
nodes:
  age:
    type: ask
    kind: number
    collects: demographic
    text: Age in years?
    retries: 1
    next: done
  done:
    type: end
    outcome: info_only
    text: Done.
"""


def test_a_question_without_invalid_ends_the_intake_after_its_retries(tmp_path: Path) -> None:
    (tmp_path / "no_invalid.yaml").write_text(NO_INVALID, encoding="utf-8")
    engine = Engine(FlowLibrary.load([tmp_path]), Texts())
    session, _ = run(engine, [Text("x")], flow="no_invalid")
    assert session.state == "age" and session.outcome is None
    session, events = run(engine, [Text("x")] * 2, flow="no_invalid")
    assert session.outcome == "cancelled" and session.answers == {}
    assert of_type(events, Hint)[-1].text == ("No valid answer was given, so this intake ends "
                                              "here. Send /new to start again.")
    assert [(e.outcome, e.kept, e.reason) for e in of_type(events, SessionEnded)] == [
        ("cancelled", False, "no_valid_answer")]


PHONE = """
spec_version: 2
id: phone
revision: 1
title: A phone question
languages: [en]
start: phone
nodes:
  phone:
    type: ask
    kind: phone
    collects: contact
    text: Phone number?
    retries: 1
    invalid: without
    next: more
  more:
    type: ask
    kind: choice
    collects: routing
    text: Anything else?
    options: {"no": "No"}
    invalid: done
    next: done
  without:
    type: say
    text: We go on without it.
    next: done
  done:
    type: end
    outcome: info_only
    text: Done.
"""
PHONE_HINT = ("That does not look like a phone number. Type only digits, with + and spaces "
              "if needed, for example +90 555 123 45 67.")


@pytest.fixture(scope="module")
def phone(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    path: Path = tmp_path_factory.mktemp("flows") / "phone.yaml"
    path.write_text(PHONE, encoding="utf-8")
    return Engine(FlowLibrary.load([path]), Texts())


@pytest.mark.parametrize(("typed_text", "stored"), [
    ("+90 555 123 45 67", "+90 555 123 45 67"),
    ("05551234567", "05551234567"),
    ("  +90   555  1234567 ", "+90 555 1234567"),   # spaces collapsed
    ("+٩٠ ٥٥٥ ١٢٣ ٤٥ ٦٧", "+90 555 123 45 67"),      # Arabic-Indic digits
    ("۰۵۵۵۱۲۳۴۵۶۷", "05551234567"),                  # Persian digits
    ("１２３４５６７", "1234567"),                      # full-width: seven digits, the fewest
    ("123456789012345", "123456789012345"),           # fifteen, the most
])
def test_a_phone_number_is_kept_with_plain_digits(phone: Engine, typed_text: str,
                                                  stored: str) -> None:
    session, _ = run(phone, [Text(typed_text)], flow="phone")
    assert session.answers == {"phone": stored} and session.state == "more"


@pytest.mark.parametrize("typed_text", [
    "123456",                      # too short
    "1234567890123456",            # sixteen digits: too long
    "+90 555-123-45-67",           # dashes
    "(0555) 123 45 67",            # brackets
    "90+5551234567",               # + not in front
    "++905551234567",              # two +
    "call my neighbour",           # words
    "+",
])
def test_anything_else_is_re_asked_with_what_a_number_looks_like(phone: Engine,
                                                                 typed_text: str) -> None:
    session, events = run(phone, [Text(typed_text)], flow="phone")
    assert session.state == "phone" and "phone" not in session.answers
    assert [e.text for e in of_type(events, Hint)] == [PHONE_HINT]


def test_past_its_retries_a_phone_question_moves_on_and_says_so(phone: Engine) -> None:
    session, events = run(phone, [Text("x"), Text("y")], flow="phone")
    assert session.outcome == "info_only" and session.answers == {}
    assert of_type(events, Hint)[-1].text == "No valid answer was given; moving on."


def test_an_invalid_way_that_ends_the_intake_is_not_announced_as_moving_on(
        typed: Engine) -> None:
    session, events = run(typed, [Text("x")] * 6, flow="typed")
    assert session.outcome == "cancelled"
    assert all("moving on" not in e.text for e in of_type(events, Hint))


MULTI = """
spec_version: 2
id: multi
revision: 1
title: A multiple choice without a none option
languages: [en]
start: needs
nodes:
  needs:
    type: ask
    kind: multi
    collects: need
    text: Which needs?
    options: {food: Food, shelter: Shelter}
    retries: 1
    invalid: gave_up
    next: done
  done:
    type: end
    outcome: info_only
    text: Done.
  gave_up:
    type: end
    outcome: cancelled
    text: Gave up.
"""


def test_done_with_nothing_ticked_and_no_none_option_re_asks_for_at_least_one(
        tmp_path: Path) -> None:
    (tmp_path / "multi.yaml").write_text(MULTI, encoding="utf-8")
    engine = Engine(FlowLibrary.load([tmp_path]), Texts())
    session, events = run(engine, [Choice("done"), Choices(()), Choice("done")], flow="multi")
    assert session.state == "needs" and session.outcome is None and session.retries == 0
    assert [e.text for e in of_type(events, Hint)] == ["Select at least 1 option."] * 3


SCREEN = """
spec_version: 2
id: screen
revision: 1
kind: subflow
title: A screen that returns
languages: [en]
start: pick
nodes:
  pick:
    type: ask
    kind: number
    collects: demographic
    text: Age in years?
    retries: 0
    invalid: back
    next: back
  back:
    type: return
"""

MAIN = """
spec_version: 2
id: main
revision: 1
title: A flow that includes the screen
languages: [en]
start: screen
nodes:
  screen:
    type: include
    flow: screen
    next: done
  done:
    type: end
    outcome: info_only
    text: Done.
"""


def test_no_valid_answer_whose_way_is_the_sub_flows_return_moves_on_when_run_alone(
        tmp_path: Path) -> None:
    (tmp_path / "screen.yaml").write_text(SCREEN, encoding="utf-8")
    (tmp_path / "main.yaml").write_text(MAIN, encoding="utf-8")
    engine = Engine(FlowLibrary.load([tmp_path]), Texts())
    _, events = run(engine, [Text("x")], flow="screen")
    assert of_type(events, Hint)[-1].text == "No valid answer was given; moving on."


#: An option offered only for some answers (an "older person" need only for an age group of
#: 60 or more), and a message said only to some persons.
OFFERED = """
spec_version: 2
id: offered
revision: 1
title: Options offered by the answers
languages: [en]
start: age_band
nodes:
  age_band:
    type: ask
    kind: choice
    collects: demographic
    text: Age group?
    options: {adult: 18 to 59, older: 60 or older}
    next: older_note
  older_note:
    type: say
    relevant: {answer: age_band, is: older}
    text: Ask about daily care too.
    next: needs
  needs:
    type: ask
    kind: multi
    collects: need
    text: Which needs?
    options:
      older_person:
        label: Older person with a specific need
        relevant: {answer: age_band, is: older}
      disability: Disability
      none: {label: None of these, exclusive: true}
    next: lives
  lives:
    type: ask
    kind: choice
    collects: need
    text: Lives with?
    options:
      alone_older: {label: Older person living alone, relevant: {answer: age_band, is: older}}
      family: Family
    next: done
  done:
    type: end
    outcome: info_only
    text: Done.
"""


@pytest.fixture(scope="module")
def offered(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    path: Path = tmp_path_factory.mktemp("flows") / "offered.yaml"
    path.write_text(OFFERED, encoding="utf-8")
    return Engine(FlowLibrary.load([path]), Texts())


@pytest.mark.parametrize(("age", "needs", "said"), [
    ("adult", ["disability", "done"], False),
    ("older", ["older_person", "disability", "done"], True),
])
def test_an_option_has_a_button_and_a_say_is_said_only_when_its_condition_holds(
        offered: Engine, age: str, needs: list[str], said: bool) -> None:
    session, events = run(offered, [Choice(age)], flow="offered")
    assert session.state == "needs"
    assert [b.id for b in last_prompt(events).buttons] == [
        n for n in needs if n != "done"] + ["none", "done"]
    assert ("Ask about daily care too." in [getattr(e, "text", "") for e in events]) is said


@pytest.mark.parametrize("forged", [
    Choice("older_person"), Choices(("older_person",)), Choices(("older_person", "disability")),
], ids=["one press", "a whole selection", "beside an offered option"])
def test_an_option_not_offered_is_refused_when_pressed_anyway(
        offered: Engine, forged: Choice | Choices) -> None:
    session, events = run(offered, [Choice("adult"), forged], flow="offered")
    assert session.state == "needs" and "needs" not in session.answers
    assert of_type(events, Hint)[-1].text == "That option is not available here."


def test_a_choice_option_not_offered_is_refused_and_an_offered_one_recorded(
        offered: Engine) -> None:
    session, events = run(offered, [Choice("adult"), Choices(("disability",)),
                                    Choice("alone_older")], flow="offered")
    assert session.state == "lives" and [b.id for b in last_prompt(events).buttons] == ["family"]
    assert of_type(events, Hint)[-1].text == "That option is not available here."
    session, _ = run(offered, [Choice("older"), Choices(("older_person",)),
                               Choice("alone_older")], flow="offered")
    assert session.outcome == "info_only"
