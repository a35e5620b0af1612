"""An attacker who reads every report the tool can publish for a year and knows how the
figures add up, written apart from the code it attacks.

It collects every published count of referrals (every period of the grid, every hub
filter, every table), names each by what it counts, and writes down every sum it knows:
a table's "all" row is the sum of its rows; a quarter is the sum of its months, a year of
its quarters; all hubs is the sum of the hubs. Then it solves, exactly (fractions), for the
hidden counts: a hidden count is given back when some combination of published figures
equals it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from fractions import Fraction

from bot.report.periods import Period
from bot.report.tables import ALL, HIDDEN, Published

Name = tuple[str, str, str, str]  # table, period, hub (or all), value ("*": the total)


def names(report: Published) -> dict[Name, int | str]:
    """Each published count of referrals (first figure of a row), by what it counts."""
    hub = report.hub or ALL
    found: dict[Name, int | str] = {}
    for table in report.tables:
        for row in table.rows:
            label, value = str(row[0]), row[1]
            assert isinstance(value, (int, str))
            if table.dimension == "agency":
                found[("agency", report.period.label, hub, label)] = value
            elif label == "all":
                found[("*", report.period.label, hub, "*")] = value
            elif table.dimension == "hub":
                found[("*", report.period.label, label, "*")] = value
            elif table.dimension == "month":
                found[("*", label, hub, "*")] = value
            else:
                found[(table.dimension, report.period.label, hub, label)] = value
    return found


def collect(publish: Callable[[Period, str | None], Published], periods: Iterable[Period],
            hubs: Iterable[str]) -> dict[Name, int | str]:
    """Everything published over the grid, for all hubs and each hub, checked consistent:
    the same count is never shown in one report and hidden in another."""
    seen: dict[Name, int | str] = {}
    for period in periods:
        for hub in (None, *hubs):
            for name, value in names(publish(period, hub)).items():
                assert seen.setdefault(name, value) == value, (name, seen[name], value)
    return seen


def relations(seen: dict[Name, int | str], periods: list[Period]) -> list[list[Name]]:
    """Parent first, then its parts, for every sum the attacker knows."""
    by_label = {p.label: p for p in periods}
    sums: list[list[Name]] = []
    groups: dict[tuple[str, str, str], set[str]] = {}
    for table, period, hub, value in seen:
        groups.setdefault((table, period, hub), set()).add(value)
    for (table, period, hub), values in groups.items():
        if table in ("case_type", "risk", "agency"):
            sums.append([("*", period, hub, "*"), *((table, period, hub, v) for v in values)])
    hubs = {hub for _, _, hub, _ in seen if hub != ALL}
    for table, period, hub, value in list(seen):
        if hub == ALL:
            sums.append([(table, period, ALL, value), *((table, period, h, value) for h in hubs)])
        found = by_label.get(period)
        if found is None or found.kind == "month":
            continue
        if found.kind == "quarter":
            parts = [m.label for m in found.months]
        else:
            parts = sorted({m.quarter for m in found.months})
        sums.append([(table, period, hub, value), *((table, p, hub, value) for p in parts)])
    return sums


def given_back(seen: dict[Name, int | str], sums: list[list[Name]]) -> dict[Name, Fraction]:
    """The hidden counts the published figures pin, with their value."""
    hidden = sorted(name for name, value in seen.items() if value == HIDDEN)
    column = {name: i for i, name in enumerate(hidden)}
    constant = -1  # the key of a row's right-hand side
    pivots: dict[int, dict[int, Fraction]] = {}  # reduced rows, by their leading column
    for parent, *parts in sums:
        row: dict[int, Fraction] = {}
        for name, sign in ((parent, 1), *((part, -1) for part in parts)):
            value = seen.get(name, 0)  # a count never printed is a row never shown: zero
            key = column[name] if value == HIDDEN else constant
            amount = sign if value == HIDDEN else -sign * value  # type: ignore[operator]
            row[key] = row.get(key, Fraction(0)) + amount
        for col in [c for c in row if c in pivots]:
            factor = row.get(col, Fraction(0))
            if factor:
                for key, value in pivots[col].items():
                    row[key] = row.get(key, Fraction(0)) - factor * value
        row = {key: value for key, value in row.items() if value}
        lead = min((key for key in row if key != constant), default=None)
        if lead is None:
            continue
        row = {key: value / row[lead] for key, value in row.items()}
        for other in pivots.values():
            factor = other.get(lead, Fraction(0))
            if factor:
                for key, value in row.items():
                    other[key] = other.get(key, Fraction(0)) - factor * value
                for key in [k for k, v in other.items() if not v]:
                    del other[key]
        pivots[lead] = row
    return {hidden[col]: row.get(constant, Fraction(0)) for col, row in pivots.items()
            if sum(1 for key in row if key != constant) == 1}
