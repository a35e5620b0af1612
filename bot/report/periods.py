"""The fixed calendar a report is read over: months, quarters and years (UTC).

A report covers one period of the grid, never an arbitrary start date, so two reports can
only differ by whole months. Only months that have ended are counted: a month in progress
would change from one day to the next, and two runs a day apart would give back the
referrals of that day. A quarter or year in progress is counted through its last month
that has ended, and says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

_FORMS = (
    (re.compile(r"^(\d{4})-(\d{2})$"), "month"),
    (re.compile(r"^(\d{4})-[Qq]([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})$"), "year"),
)


class PeriodError(ValueError):
    """A period that is not on the grid, or has no month that has ended."""


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=UTC)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def quarter(self) -> str:
        return f"{self.year:04d}-Q{(self.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class Period:
    """A month, quarter or year; ``months`` are those that have ended, in order."""

    label: str  # "2026-11", "2026-Q4", "2026"
    kind: str  # month, quarter, year
    months: tuple[Month, ...]
    complete: bool  # every month of it has ended

    @property
    def start(self) -> datetime:
        return self.months[0].start

    @property
    def end(self) -> datetime:
        return self.months[-1].next().start

    @property
    def year(self) -> int:
        return self.months[0].year

    def describe(self) -> str:
        if self.complete:
            return self.label
        return f"{self.label} through {self.months[-1].label} (the months that have ended)"


def last_ended(now: datetime) -> Month:
    """The last month that has ended by ``now``."""
    return Month(now.year, now.month - 1) if now.month > 1 else Month(now.year - 1, 12)


def parse_period(text: str, now: datetime) -> Period:
    """``2026-11``, ``2026-Q4`` or ``2026``, as of ``now``; anything else is refused."""
    for pattern, kind in _FORMS:
        found = pattern.match(text.strip())
        if found:
            year = int(found.group(1))
            if kind == "month":
                number = int(found.group(2))
                if not 1 <= number <= 12:
                    break
                months = [Month(year, number)]
            elif kind == "quarter":
                first = (int(found.group(2)) - 1) * 3 + 1
                months = [Month(year, first + i) for i in range(3)]
            else:
                months = [Month(year, m) for m in range(1, 13)]
            return _ended(text.strip().upper(), kind, months, now)
    raise PeriodError(f"not a period: {text!r} (give a month 2026-11, a quarter 2026-Q4 or "
                      "a year 2026)")


def default_period(now: datetime) -> Period:
    """The year of the last month that has ended, through that month."""
    return parse_period(str(last_ended(now).year), now)


def _ended(label: str, kind: str, months: list[Month], now: datetime) -> Period:
    limit = last_ended(now)
    ended = tuple(m for m in months if m <= limit)
    if not ended:
        raise PeriodError(f"the period {label} has no month that has ended yet; the last "
                          f"month that has ended is {limit.label}")
    return Period(label, kind, ended, complete=len(ended) == len(months))


def year_grid(year: int, now: datetime) -> list[Period]:
    """Every period of the grid within ``year`` that can be reported as of ``now``: the
    year, its quarters and its months (the cells suppression is made consistent over)."""
    found = []
    for label in [str(year), *(f"{year}-Q{q}" for q in range(1, 5)),
                  *(f"{year}-{m:02d}" for m in range(1, 13))]:
        try:
            found.append(parse_period(label, now))
        except PeriodError:
            continue
    return found
