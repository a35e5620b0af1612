"""An include's ``sets``: fixed answers recorded as the included flow begins, so a shared
sub-flow knows the pathway it runs in without a question. They may stand for its inputs,
never for a question's answer, and malformed ones are refused where written."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine import Choice, Engine
from bot.engine.events import Say
from bot.flows.graph import Graph, flatten
from bot.flows.library import FlowLibrary, check
from bot.flows.problems import FlowError
from bot.i18n.texts import Texts
from tests.conftest import TODAY

#: A shared piece that says which pathway it runs in, from the answer its includer sets.
PIECE = """\
spec_version: 2
id: piece
revision: 1
kind: subflow
title: Piece
languages: [en]
inputs: [pathway]
start: which
nodes:
  which:
    type: say
    text: In the piece.
    next:
      - {when: {answer: pathway, is: gbv}, goto: gbv_said}
      - goto: other_said
  gbv_said:
    type: say
    text: GBV pathway.
    next: back
  other_said:
    type: say
    text: Another pathway.
    next: back
  back:
    type: return
"""
MAIN = """\
spec_version: 2
id: main
revision: 1
title: Main
languages: [en]
start: go
nodes:
  go:
    type: ask
    kind: choice
    collects: routing
    text: Which?
    options: {gbv: GBV, pwsn: PwSN}
    next:
      - {when: {answer: go, is: gbv}, goto: in_gbv}
      - goto: in_pwsn
  in_gbv:
    type: include
    flow: piece
    SETS_GBV
    next: done
  in_pwsn:
    type: include
    flow: piece
    SETS_PWSN
    next: done
  done:
    type: end
    outcome: info_only
    text: Bye
"""


def write(tmp_path: Path, gbv: str = "sets: {pathway: gbv}",
          pwsn: str = "sets: {pathway: pwsn}") -> list[Path]:
    piece = tmp_path / "piece.yaml"
    main = tmp_path / "main.yaml"
    piece.write_text(PIECE, encoding="utf-8")
    main.write_text(MAIN.replace("SETS_GBV", gbv).replace("SETS_PWSN", pwsn),
                    encoding="utf-8")
    return [piece, main]


def problems(paths: list[Path]) -> list[str]:
    with pytest.raises(FlowError) as raised:
        check(paths)
    return [str(problem) for problem in raised.value.problems]


@pytest.mark.parametrize(("option", "said"), [("gbv", "GBV pathway."),
                                              ("pwsn", "Another pathway.")])
def test_the_shared_piece_reads_the_answer_its_include_sets(
        tmp_path: Path, option: str, said: str) -> None:
    engine = Engine(FlowLibrary.load(write(tmp_path)), Texts())
    step = engine.start("main", "en", today=TODAY)
    step = engine.step(step.session, Choice(option), TODAY)
    assert [e.text for e in step.events if isinstance(e, Say)][1:] == [said, "Bye"]


def test_the_fixed_answers_are_known_by_the_include_prefix(tmp_path: Path) -> None:
    flows = check(write(tmp_path))
    graph = flatten(flows["main"], flows)
    assert graph.sets == {"in_gbv/": {"pathway": "gbv"}, "in_pwsn/": {"pathway": "pwsn"}}
    assert graph.sets_at("in_gbv/which") == {"pathway": "gbv"}
    assert graph.sets_at("go") == {}


def test_the_innermost_include_wins_where_two_set_one_answer() -> None:
    graph = Graph(None, "", sets={"a/": {"x": "outer", "y": "kept"},  # type: ignore[arg-type]
                                  "a/b/": {"x": "inner"}})
    assert graph.sets_at("a/b/q") == {"x": "inner", "y": "kept"}
    assert graph.sets_at("a/q") == {"x": "outer", "y": "kept"}


BROKEN = [
    pytest.param("", "", ["main.yaml:19 node 'in_gbv' flow: flow 'piece' needs the answer "
                          "'pathway', which 'main' never asks",
                          "main.yaml:24 node 'in_pwsn' flow: flow 'piece' needs the answer "
                          "'pathway', which 'main' never asks"],
                 id="an input neither asked nor set is refused as before"),
    pytest.param("sets: [gbv]", "sets: {pathway: pwsn}",
                 ["main.yaml:20 node 'in_gbv' sets: must be a mapping of answer id to value"],
                 id="sets that are not a mapping"),
    pytest.param("sets: {Pathway: gbv}", "sets: {pathway: pwsn}",
                 ["main.yaml:20 node 'in_gbv' sets: 'Pathway' is not a valid id "
                  "(lower-case letters, digits, _)"],
                 id="an answer id that is not an id"),
    pytest.param("sets: {pathway: [gbv]}", "sets: {pathway: pwsn}",
                 ["main.yaml:20 node 'in_gbv' sets: the value of 'pathway' must be a word "
                  "such as gbv"],
                 id="a value that is a list"),
    pytest.param("sets: {pathway: true}", "sets: {pathway: pwsn}",
                 ["main.yaml:20 node 'in_gbv' sets: the value of 'pathway' must be a word "
                  "such as gbv"],
                 id="a value that is a boolean"),
    pytest.param("sets: {pathway: gbv, go: gbv}", "sets: {pathway: pwsn}",
                 ["main.yaml:20 node 'in_gbv' sets: 'go' is the answer of a question; an "
                  "include may set only answers no question asks"],
                 id="an answer a question gives"),
]


@pytest.mark.parametrize(("gbv", "pwsn", "expected"), BROKEN)
def test_malformed_sets_are_refused_where_written(
        tmp_path: Path, gbv: str, pwsn: str, expected: list[str]) -> None:
    assert problems(write(tmp_path, gbv, pwsn)) == expected
