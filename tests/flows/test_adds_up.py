"""``adds_up_as``: a multi question asked more than once names the answer id under which
every option ever ticked is kept; the checker refuses it elsewhere than on a multi question
or under an id something else records, and a card reads that answer with the question's
own label and options."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.flows.labels import answer_lines
from bot.flows.library import FlowLibrary, check, flow_files
from bot.flows.outline import outline
from bot.flows.problems import FlowError
from bot.i18n.texts import Texts

FLOW = """\
spec_version: 2
id: told
revision: 1
title: Told
languages: [en]
inputs: [hub]
start: signs
nodes:
  signs:
    type: ask
    kind: multi
    collects: risk_indicator
    shared_as: the kind of urgent help needed
    text: What do you see?
    options: {hurt: Hurt, unsafe: Unsafe, none: {label: None of these, exclusive: true}}
    adds_up_as: %s
    next: years
  years:
    type: ask
    kind: number
    collects: demographic
    text: How old?
    min: 0
    next: rating
  rating:
    type: risk
    counts:
      seen: {answer: signs_told, options: [hurt, unsafe]}
    rules:
      - {seen: 0, level: low}
      - {seen: 1+, level: high}
    levels:
      high: {due_hours: 24, timeframe: "High risk."}
      low: {due_hours: 336, timeframe: "Low risk."}
    allow_raise: false
    next: done
  done:
    type: end
    outcome: info_only
    text: Bye.
"""


def _flow(adds_up_as: str) -> str:
    return FLOW % adds_up_as


def _problems(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "told.yaml").write_text(text, encoding="utf-8")
    try:
        check(flow_files([tmp_path / "told.yaml"]))
    except FlowError as error:
        return [str(p) for p in error.problems]
    return []


def test_a_question_s_added_up_answer_is_known_to_the_flow(tmp_path: Path) -> None:
    assert _problems(tmp_path, _flow("signs_told")) == []


@pytest.mark.parametrize(("text", "expected"), [
    (_flow("signs"), ["told.yaml:16 node 'signs' adds_up_as: is for a multi question, and "
                      "names an answer id of its own"]),
    (_flow("hub").replace("answer: signs_told", "answer: signs"),
     ["told.yaml:16 node 'signs' adds_up_as: 'hub' is already recorded by another question, "
      "an input or a rating; name another answer id"]),
    (_flow("years").replace("answer: signs_told", "answer: signs"),
     ["told.yaml:16 node 'signs' adds_up_as: 'years' is already recorded by another "
      "question, an input or a rating; name another answer id"]),
    (_flow("rating").replace("answer: signs_told", "answer: signs"),
     ["told.yaml:16 node 'signs' adds_up_as: 'rating' is already recorded by another "
      "question, an input or a rating; name another answer id"]),
    (_flow("signs_told").replace("    adds_up_as: signs_told\n", ""),
     ["told.yaml:27 node 'rating' counts.seen: refers to unknown answer 'signs_told'"]),
])
def test_an_added_up_answer_where_it_cannot_be_kept_is_refused(
        tmp_path: Path, text: str, expected: list[str]) -> None:
    assert _problems(tmp_path, text) == expected


def test_only_a_multi_question_adds_up(tmp_path: Path) -> None:
    text = _flow("signs_told").replace(
        "    kind: multi\n", "    kind: choice\n", 1).replace(
        "none: {label: None of these, exclusive: true}", "none: None of these")
    assert _problems(tmp_path, text) == [
        "told.yaml:16 node 'signs' adds_up_as: is for a multi question, and names an answer "
        "id of its own"]


def test_a_card_reads_the_added_up_answer_as_the_question_s(tmp_path: Path) -> None:
    (tmp_path / "told.yaml").write_text(_flow("signs_told"), encoding="utf-8")
    flow = FlowLibrary.load([tmp_path / "told.yaml"]).current("told")
    assert answer_lines(flow, Texts(), "en", {"signs_told": ["hurt", "unsafe"]}) == [
        ("The kind of urgent help needed", "Hurt, Unsafe")]


def test_the_outline_says_where_a_question_s_answers_add_up(library: FlowLibrary) -> None:
    lines = outline(library.current("pwsn").graph)
    assert "screen/urgent_concerns:   every option ticked at any time kept as urgent_told" \
        in lines
