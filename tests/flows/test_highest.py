"""A risk table whose counters are named after levels must rate the highest concern (Annex F:
"the overall risk level of a case is equal to the highest risk level assigned to the
different protection concerns"); other tables (PwSN's red and yellow) are their own rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.flows.library import check
from bot.flows.problems import FlowError

TABLE = """\
spec_version: 2
id: table
revision: 1
title: Table
languages: [en]
start: rows
nodes:
  rows:
    type: ask
    kind: multi
    collects: risk_indicator
    text: Rows
    options: {h: H, m: M, l: L}
    invalid: done
    next: level
  level:
    type: risk
    counts:
      high: {answer: rows, options: [h]}
      medium: {answer: rows, options: [m]}
      LOW: {answer: rows, options: [l]}
    rules:
      - {high: 1+, level: high}
      - {high: 0, medium: 1+, level: medium}
      - {high: 0, medium: 0, LOW: 1+, level: LEVEL}
      - {high: 0, medium: 0, LOW: 0, level: none}
    levels: {high: {timeframe: H}, medium: {timeframe: M}, low: {timeframe: L},
             none: {timeframe: N}}
    allow_raise: false
    next: done
  done: {type: end, outcome: info_only, text: Done}
"""


def _table(tmp_path: Path, low: str = "low", level: str = "low") -> Path:
    path = tmp_path / "table.yaml"
    path.write_text(TABLE.replace("LOW", low).replace("LEVEL", level), encoding="utf-8")
    return path


def test_a_highest_concern_table_passes(tmp_path: Path) -> None:
    assert list(check([_table(tmp_path)])) == ["table"]


def test_a_table_that_rates_a_low_concern_medium_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FlowError) as raised:
        check([_table(tmp_path, level="medium")])
    assert [str(p) for p in raised.value.problems] == [
        "table.yaml:25 node 'level' rules[2]: counters high, medium and low must rate "
        "the highest concern: the count high=0, medium=0, low=1 is rated medium, not low"]


def test_counters_not_named_after_levels_are_their_own_rule(tmp_path: Path) -> None:
    assert list(check([_table(tmp_path, low="yellow", level="medium")])) == ["table"]
