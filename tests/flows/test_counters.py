"""A risk counter may count options over several multi questions (one per concern area, as in
Annex F of the CP SOPs); each option must belong to one of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.flows.library import check
from bot.flows.model import RiskNode
from bot.flows.problems import FlowError
from bot.flows.risktable import rate

AREAS = """\
spec_version: 2
id: areas
revision: 1
title: Areas
languages: [en]
start: one
nodes:
  one:
    type: ask
    kind: multi
    collects: risk_indicator
    text: First area
    options: {a_high: A high, a_low: A low, none: {label: None, exclusive: true}}
    invalid: done
    next: two
  two:
    type: ask
    kind: KIND
    collects: risk_indicator
    text: Second area
    options: {b_high: B high, b_low: B low}
    invalid: done
    next: level
  level:
    type: risk
    counts:
      high: {answer: [one, two], options: [a_high, HIGH]}
      low: {answer: [one, two], options: [a_low, b_low]}
    rules:
      - {high: 1+, level: high}
      - {high: 0, low: 1+, level: low}
      - {high: 0, low: 0, level: none}
    levels: {high: {timeframe: High}, low: {timeframe: Low}, none: {timeframe: None}}
    allow_raise: false
    next: done
  done: {type: end, outcome: info_only, text: Done}
"""


def _areas(tmp_path: Path, kind: str = "multi", high: str = "b_high") -> Path:
    path = tmp_path / "areas.yaml"
    path.write_text(AREAS.replace("KIND", kind).replace("HIGH", high), encoding="utf-8")
    return path


def test_a_counter_counts_its_options_in_every_question_it_names(tmp_path: Path) -> None:
    node = check([_areas(tmp_path)])["areas"].nodes["level"]
    assert isinstance(node, RiskNode)
    assert rate(node, {"one": ["a_low"], "two": ["b_high"]}) == "high"
    assert rate(node, {"one": ["a_low"], "two": ["b_low"]}) == "low"
    assert rate(node, {"one": ["none"]}) == "none"


@pytest.mark.parametrize(("kind", "high", "problems"), [
    pytest.param("multi", "c_high", [
        "areas.yaml:27 node 'level' counts.high: none of 'one', 'two' has the option "
        "'c_high'",
        "areas.yaml:27 node 'level' counts.high: option 'b_high' of 'two' is counted by no "
        "rule: ticking it can never raise the risk (count it, or ask it in a question the "
        "rating does not read)"], id="an option no named question has"),
    pytest.param("choice", "b_high", [
        "areas.yaml:27 node 'level' counts.high: 'two' must be a multi question",
        "areas.yaml:28 node 'level' counts.low: 'two' must be a multi question"],
        id="a question that is not a multiple choice"),
])
def test_a_counter_over_several_questions_is_checked(tmp_path: Path, kind: str, high: str,
                                                     problems: list[str]) -> None:
    with pytest.raises(FlowError) as raised:
        check([_areas(tmp_path, kind, high)])
    assert [str(p) for p in raised.value.problems] == problems
