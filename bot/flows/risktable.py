"""Risk rule tables: evaluation, and the proof that a table rates every count exactly once.

A table maps counts of selected options to a level. The PwSN rule, as shipped::

    counts:
      red:    {answer: needs_red, options: [...]}
      yellow: {answer: needs_yellow, options: [...]}
    rules:
      - {red: 1+, level: high}
      - {red: 0, yellow: 4+, level: high}
      - {red: 0, yellow: 1-3, level: medium}
      - {red: 0, yellow: 0, level: low}

Because each counter is bounded by its number of options, the checker can enumerate every
combination and report the first count that no rule, or more than one rule, covers.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from typing import Any

from bot.flows.model import RISK_LEVELS, RiskNode, RiskRule
from bot.i18n.phrase import Phrase
from bot.i18n.texts import N_

#: Above this many combinations the table is checked on a sample of edges, not exhaustively.
_EXHAUSTIVE_LIMIT = 200_000


def count(node: RiskNode, answers: Mapping[str, Any]) -> dict[str, int]:
    """How many of each counter's options were selected."""
    result = {}
    for counter in node.counters:
        selected = [option for answer in counter.answers for option in
                    (answers.get(answer) or [])]
        result[counter.name] = sum(1 for option in counter.options if option in selected)
    return result


def matches(rule: RiskRule, counts: Mapping[str, int]) -> bool:
    for name, (low, high) in rule.ranges.items():
        value = counts.get(name, 0)
        if value < low or (high is not None and value > high):
            return False
    return True


def rate(node: RiskNode, answers: Mapping[str, Any]) -> str:
    """The level of the first matching rule; a checked table always has exactly one."""
    counts = count(node, answers)
    for rule in node.rules:
        if matches(rule, counts):
            return rule.level
    return RISK_LEVELS[0]  # unreachable for a checked table; fail safe, not silent


def points(node: RiskNode) -> Iterator[dict[str, int]]:
    names = [c.name for c in node.counters]
    axes: list[list[int]] = [list(range(len(c.options) + 1)) for c in node.counters]
    total = 1
    for axis in axes:
        total *= len(axis)
    if total > _EXHAUSTIVE_LIMIT:
        cuts = set()
        for rule in node.rules:
            for low, high in rule.ranges.values():
                cuts.update({max(low - 1, 0), low, low + 1})
                if high is not None:
                    cuts.update({high, high + 1})
        axes = [sorted(v for v in cuts | {0, len(c.options)} if v <= len(c.options))
                for c in node.counters]
    for values in itertools.product(*axes):
        yield dict(zip(names, values, strict=True))


def _describe(point: Mapping[str, int]) -> str:
    return ", ".join(f"{name}={value}" for name, value in point.items())


def gaps_and_overlaps(node: RiskNode) -> list[tuple[str, str]]:
    """(field, message) for the first undefined count and the first overlap found."""
    problems: list[tuple[str, str]] = []
    gap = overlap = False
    for point in points(node):
        hits = [i for i, rule in enumerate(node.rules) if matches(rule, point)]
        if not hits and not gap:
            gap = True
            problems.append(("rules", Phrase(N_("no rule rates the count %(count)s"),
                                             count=_describe(point))))
        if len(hits) > 1 and not overlap:
            overlap = True
            problems.append((f"rules[{hits[1]}]",
                             Phrase(N_("overlaps rules[%(rule)s] at the count %(count)s"),
                                    rule=hits[0], count=_describe(point))))
        if gap and overlap:
            break
    return problems


def raisable(level: str) -> tuple[str, ...]:
    """Levels strictly higher than ``level``: the referrer may rate up, never down."""
    return RISK_LEVELS[: RISK_LEVELS.index(level)]
