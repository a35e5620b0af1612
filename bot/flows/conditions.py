"""Declarative conditions: parsed from YAML, checked statically, evaluated without eval().

Examples, as a coordinator writes them::

    when: {answer: is_child, is: "yes"}
    when: {answer: age, lt: 18}
    when: {answer: needs, includes: disability}
    when: {any: [{answer: harmed, is: "yes"}, {answer: needs_services, is: "yes"}]}
    when: {not: {answer: hub, answered: true}}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from bot.flows.model import AllOf, AnswerTest, AnyOf, Condition, Not
from bot.i18n.phrase import Phrase
from bot.i18n.texts import N_

COMPARISONS = ("lt", "lte", "gt", "gte")
OPERATORS = ("is", "is_not", "in", "includes", "includes_any", "answered", *COMPARISONS)
#: Said of ``all``, ``any`` and ``not`` with another key beside them.
ALONE = N_("'%(key)s' must stand alone in its mapping")


class ConditionSyntaxError(ValueError):
    """A condition that cannot be parsed; the message is shown to the coordinator."""

    def __init__(self, message: Phrase) -> None:
        super().__init__(message)
        self.message = message


def parse(raw: Any, line: int) -> Condition:
    """Turn the YAML form of a condition into a typed tree."""
    if not isinstance(raw, Mapping) or not raw:
        raise ConditionSyntaxError(Phrase(N_("a condition must be a mapping such as "
                                             "{answer: x, is: y}")))
    line = getattr(raw, "line", line)
    if "all" in raw or "any" in raw:
        key = "all" if "all" in raw else "any"
        if len(raw) != 1:
            raise ConditionSyntaxError(Phrase(ALONE, key=key))
        items = raw[key]
        if not isinstance(items, list) or not items:
            raise ConditionSyntaxError(Phrase(N_("'%(key)s' needs a non-empty list of "
                                                 "conditions"), key=key))
        parsed = tuple(parse(item, line) for item in items)
        return AllOf(parsed, line) if key == "all" else AnyOf(parsed, line)
    if "not" in raw:
        if len(raw) != 1:
            raise ConditionSyntaxError(Phrase(ALONE, key="not"))
        return Not(parse(raw["not"], line), line)
    if "answer" not in raw:
        raise ConditionSyntaxError(Phrase(N_("a condition needs 'answer', 'all', 'any' or "
                                             "'not'")))
    answer = raw["answer"]
    ops = [key for key in raw if key != "answer"]
    if not isinstance(answer, str) or not answer:
        raise ConditionSyntaxError(Phrase(N_("'answer' must name a question")))
    if len(ops) != 1 or ops[0] not in OPERATORS:
        found = ", ".join(ops) or "none"
        raise ConditionSyntaxError(Phrase(
            N_("use exactly one operator of: %(choices)s (found: %(found)s)"),
            choices=", ".join(OPERATORS), found=found))
    op = ops[0]
    value = raw[op]
    if op in COMPARISONS and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise ConditionSyntaxError(Phrase(N_("'%(op)s' compares with a number"), op=op))
    if op in ("in", "includes_any") and (not isinstance(value, list) or not value):
        raise ConditionSyntaxError(Phrase(N_("'%(op)s' needs a non-empty list"), op=op))
    if op == "answered" and not isinstance(value, bool):
        raise ConditionSyntaxError(Phrase(N_("'answered' takes true or false")))
    if op in ("is", "is_not", "includes") and not isinstance(value, str | int | float):
        raise ConditionSyntaxError(Phrase(N_("'%(op)s' compares with a single value"),
                                          op=op))
    if isinstance(value, list):
        value = tuple(str(v) for v in value)
    return AnswerTest(answer, op, value, line)


def tests(condition: Condition) -> Iterator[AnswerTest]:
    """Every answer test inside a condition, for static checks."""
    if isinstance(condition, AnswerTest):
        yield condition
    elif isinstance(condition, AllOf | AnyOf):
        for item in condition.items:
            yield from tests(item)
    else:
        yield from tests(condition.item)


def evaluate(condition: Condition, answers: Mapping[str, Any]) -> bool:
    """Evaluate against recorded answers; a missing answer makes every test but 'answered' false."""
    if isinstance(condition, AllOf):
        return all(evaluate(item, answers) for item in condition.items)
    if isinstance(condition, AnyOf):
        return any(evaluate(item, answers) for item in condition.items)
    if isinstance(condition, Not):
        return not evaluate(condition.item, answers)
    present = condition.answer in answers
    if condition.op == "answered":
        return present == condition.value
    if not present:
        return False
    got = answers[condition.answer]
    value = condition.value
    match condition.op:
        case "is":
            return str(got) == str(value)
        case "is_not":
            return str(got) != str(value)
        case "in":
            return str(got) in value  # type: ignore[operator]
        case "includes":
            return isinstance(got, list) and str(value) in got
        case "includes_any":
            return isinstance(got, list) and any(v in got for v in value)  # type: ignore[attr-defined]
    if isinstance(got, bool) or not isinstance(got, int | float):
        return False
    number = float(value)  # type: ignore[arg-type]
    return {
        "lt": got < number, "lte": got <= number, "gt": got > number, "gte": got >= number,
    }[condition.op]
