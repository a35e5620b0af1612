""""Highest concern wins", proved: a risk table whose counters are the three levels.

Annex F of the CP template SOPs: "the overall risk level of a case is equal to the highest
risk level assigned to the different protection concerns". A table whose counters are
``high``, ``medium`` and ``low`` counts the concerns of each level; the checker then proves,
over every count the table can meet, that it rates the highest level with a concern, and
``none`` when there is none.
"""

from __future__ import annotations

from bot.flows.model import RISK_LEVELS, RiskNode
from bot.flows.risktable import matches, points
from bot.i18n.phrase import Phrase
from bot.i18n.texts import N_


def expected(point: dict[str, int]) -> str:
    return next((level for level in RISK_LEVELS if point.get(level, 0) > 0), "none")


def problems(node: RiskNode) -> list[tuple[str, str]]:
    """(field, message) for the first count such a table rates wrongly."""
    names = {counter.name for counter in node.counters}
    if names != {"high", "medium", "low"}:
        return []
    for point in points(node):
        hits = [i for i, rule in enumerate(node.rules) if matches(rule, point)]
        want = expected(point)
        if len(hits) == 1 and node.rules[hits[0]].level != want:
            count = ", ".join(f"{name}={value}" for name, value in point.items())
            return [(f"rules[{hits[0]}]", Phrase(
                N_("counters high, medium and low must rate the highest concern: the count "
                   "%(count)s is rated %(level)s, not %(expected)s"), count=count,
                level=node.rules[hits[0]].level, expected=want))]
    return []
