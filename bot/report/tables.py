"""The marginal tables of a report, with the suppression pattern applied.

The facts come per cell (month, hub, case type, risk; and per agency cell: month, hub,
agency). This module sums them into every node of the year's grid, works out one
suppression pattern over all of them (:mod:`bot.report.suppression`), and cuts the tables
the reader asked for out of that one set of cells: so the by-hub table of a quarter, the
by-month table of the same quarter and the by-case-type table of one of its months, for one
hub or all, always agree on what is hidden.

A row is shown whole or hidden whole: when its count of referrals (for an agency: those
first sent to it) is hidden, so is every figure of the row. Medians and 90th percentiles of
fewer than k acknowledgements are withheld too, as one of them would be a person's own time.

The pattern is worked out over the counts of referrals made, the figure that says how many
people were referred. The closed-loop figures of a shown row (acknowledged in time,
accepted, overdue...) are shown as they are, small or not: they describe how the agencies
handled a group of k or more referrals, and hiding them would hide most of what
coordinators need. docs/report.md says so to whoever shares a report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.report.measures import AGENCY_MEASURES, MEASURES
from bot.report.periods import Period, year_grid
from bot.report.suppression import Relation, suppress

ALL = "all"
HIDDEN = "x"
MIN_COUNT = 5
DIMENSIONS = ("hub", "case_type", "risk", "month", "agency")
_M = {name: i for i, name in enumerate(MEASURES)}
_A = {name: i for i, name in enumerate(AGENCY_MEASURES)}

Value = int | float | str | None  # a number, "x" (hidden), or None (nothing to give)
Times = tuple[int, float, float]  # acknowledgements, median hours, 90th percentile hours
CellKey = tuple[str, str, str, str]
AgencyKey = tuple[str, str, str]
Node = tuple[str, str, str, str]  # table, time node, hub node, value


@dataclass(frozen=True)
class Table:
    dimension: str  # hub, case_type, risk, month, agency
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[Value, ...], ...]  # first cell: the row's label


@dataclass(frozen=True)
class Published:
    """Everything a report may show, suppression applied: the only input of the writers."""

    period: Period
    hub: str | None
    min_count: int
    indicators: bool
    tables: tuple[Table, ...]
    left_out: str  # without statistics consent, as a band: "0", "1 to 9", "10 to 19"
    no_focal_point: tuple[str, ...] = ()
    as_of: datetime | None = None
    charts: Mapping[str, tuple[tuple[str, float | None], ...]] = field(default_factory=dict)


def check_min_count(min_count: int) -> None:
    """Refuse a threshold that protects nothing or pretends to."""
    if min_count < 1:
        raise ValueError(f"the minimum count must be 1 or more (1 hides nothing), "
                         f"not {min_count}")
    if min_count == 2:
        raise ValueError("a minimum count of 2 would hide nothing (a count above 0 and below "
                         "2 can only be 1): use 1 to show every count, or 3 or more")


def band(count: int) -> str:
    """A count given only to the ten: no difference of two bands is a count."""
    if count == 0:
        return "0"
    low = count // 10 * 10
    return f"{max(low, 1)} to {low + 9}"


class _Grid:
    """Every node of one year: sums of the facts, per table, time node and hub node."""

    def __init__(self, period: Period, now: datetime,
                 cells: Mapping[CellKey, Sequence[int]],
                 agencies: Mapping[AgencyKey, Sequence[int]]) -> None:
        self.periods = {p.label: p for p in year_grid(period.year, now)}
        self.up: dict[str, list[str]] = {}  # month label -> time nodes it belongs to
        for label, found in self.periods.items():
            for ended in found.months:
                self.up.setdefault(ended.label, []).append(label)
        self.sums: dict[Node, list[int]] = {}
        self.hubs: set[str] = set()
        self.values: dict[str, set[str]] = {"case_type": set(), "risk": set(),
                                            "agency": set()}
        for (month, hub, case_type, risk), counts in cells.items():
            self.hubs.add(hub)
            self.values["case_type"].add(case_type)
            self.values["risk"].add(risk)
            for table, value in (("*", "*"), ("case_type", case_type), ("risk", risk)):
                self._add(table, month, hub, value, counts, len(MEASURES))
        for (month, hub, agency), counts in agencies.items():
            self.hubs.add(hub)
            self.values["agency"].add(agency)
            self._add("agency", month, hub, agency, counts, len(AGENCY_MEASURES))

    def _add(self, table: str, month: str, hub: str, value: str, counts: Sequence[int],
             width: int) -> None:
        for time in self.up.get(month, ()):
            for hub_node in (hub, ALL):
                node = (table, time, hub_node, value)
                sums = self.sums.setdefault(node, [0] * width)
                for i, n in enumerate(counts):
                    sums[i] += n

    def relations(self) -> list[Relation[Node]]:
        found: list[Relation[Node]] = []
        times = [(label, self._children(label)) for label in self.periods]
        hubs = sorted(self.hubs)
        tables = [("*", ["*"]), *((t, sorted(self.values[t])) for t in
                                  ("case_type", "risk", "agency"))]
        for table, values in tables:
            for value in values:
                for hub in (*hubs, ALL):
                    for parent, children in times:
                        if children:
                            found.append(((table, parent, hub, value),
                                          tuple((table, c, hub, value) for c in children)))
                for time in self.periods:
                    found.append(((table, time, ALL, value),
                                  tuple((table, time, hub, value) for hub in hubs)))
            if table in ("case_type", "risk", "agency"):
                for time in self.periods:
                    for hub in (*hubs, ALL):
                        found.append((("*", time, hub, "*"),
                                      tuple((table, time, hub, v) for v in values)))
        return found

    def _children(self, label: str) -> list[str]:
        found = self.periods[label]
        if found.kind == "year":
            quarters = sorted({m.quarter for m in found.months})
            return [q for q in quarters if q in self.periods]
        if found.kind == "quarter":
            return [m.label for m in found.months]
        return []


def publish(period: Period, now: datetime, *, cells: Mapping[CellKey, Sequence[int]],
            agencies: Mapping[AgencyKey, Sequence[int]], left_out: int,
            times: Mapping[tuple[str, str], Times] | None = None,
            hub: str | None = None, dimensions: Sequence[str] = DIMENSIONS,
            indicators: bool = False, min_count: int = MIN_COUNT,
            no_focal_point: Sequence[str] = ()) -> Published:
    """The tables of ``period`` (for one hub, or all), from the facts of its whole year.

    ``left_out`` is the number without statistics consent within the period and hub;
    ``times``, per table and value of that period and hub, the acknowledgements counted with
    their median and 90th percentile hours."""
    check_min_count(min_count)
    grid = _Grid(period, now, cells, agencies)
    base = {node: sums[0] for node, sums in grid.sums.items()}
    hidden = suppress(base, grid.relations(), min_count)
    cut = _Cut(grid, hidden, period, hub or ALL, indicators, min_count, times or {})
    tables = tuple(cut.table(dimension) for dimension in dimensions
                   if not (dimension == "hub" and hub is not None))
    return Published(period, hub, min_count, indicators, tables, band(left_out),
                     tuple(no_focal_point), now, cut.charts())


REFERRAL_HEADER = ("referrals",)
REFERRAL_INDICATORS = (
    "referrals", "acknowledged in time", "acknowledgement decided", "share acknowledged in time",
    "median hours to acknowledge", "90th percentile hours", "closed in time",
    "case deadline decided", "share closed in time", "accepted", "declined", "forwarded",
    "closed", "outcome notice reached referrer", "share of closed with notice",
    "escalated to backup", "escalated to coordinator", "overdue now")
AGENCY_HEADER = ("referrals",)
AGENCY_INDICATORS = (
    "referrals", "received", "acknowledged in time", "acknowledgement decided",
    "share acknowledged in time", "median hours to acknowledge", "90th percentile hours",
    "accepted", "declined", "forwarded on", "held now", "overdue now")
TITLES = {
    "hub": "Referrals by hub",
    "case_type": "Referrals by case type",
    "risk": "Referrals by risk",
    "month": "Referrals by month",
    "agency": "Referrals by agency first sent to (received and what follows: every agency "
              "that held a referral)",
}


class _Cut:
    def __init__(self, grid: _Grid, hidden: set[Node], period: Period, hub: str,
                 indicators: bool, min_count: int,
                 times: Mapping[tuple[str, str], Times]) -> None:
        self.grid, self.hidden, self.period = grid, hidden, period
        self.hub, self.indicators, self.k, self.times = hub, indicators, min_count, times

    def table(self, dimension: str) -> Table:
        label = "agency" if dimension == "agency" else dimension.replace("_", " ")
        if dimension == "agency":
            header: tuple[str, ...] = AGENCY_INDICATORS if self.indicators else AGENCY_HEADER
            rows = [self._agency_row(v, ("agency", self.period.label, self.hub, v))
                    for v in sorted(self.grid.values["agency"])]
            return Table(dimension, TITLES[dimension], (label, *header),
                         tuple(r for r in rows if r is not None))
        header = REFERRAL_INDICATORS if self.indicators else REFERRAL_HEADER
        time = self.period.label
        if dimension == "hub":
            nodes = [(h, ("*", time, h, "*")) for h in sorted(self.grid.hubs)]
        elif dimension == "month":
            nodes = [(m.label, ("*", m.label, self.hub, "*")) for m in self.period.months]
        else:
            nodes = [(v, (dimension, time, self.hub, v))
                     for v in sorted(self.grid.values[dimension])]
        rows = [self._row(name, node, (dimension, name)) for name, node in nodes]
        total = self._row("all", ("*", time, self.hub, "*"), ("*", "all"))
        return Table(dimension, TITLES[dimension], (label, *header),
                     tuple(r for r in [*rows, total] if r is not None))

    def _row(self, name: str, node: Node, timed: tuple[str, str],
             ) -> tuple[Value, ...] | None:
        sums = self.grid.sums.get(node)
        if sums is None or (sums[0] == 0 and name != "all"):
            return None
        width = len(REFERRAL_INDICATORS) if self.indicators else 1
        if node in self.hidden:
            return (name, *([HIDDEN] * width))
        if not self.indicators:
            return (name, sums[0])
        m = {key: sums[i] for key, i in _M.items()}
        hours = self._hours(timed)
        return (name, m["made"], m["ack_in_time"], m["ack_decided"],
                _share(m["ack_in_time"], m["ack_decided"]), *hours, m["closed_in_time"],
                m["case_decided"], _share(m["closed_in_time"], m["case_decided"]),
                m["accepted"], m["declined"], m["forwarded"], m["closed"],
                m["closed_notified"], _share(m["closed_notified"], m["closed"]),
                m["escalated_backup"], m["escalated_coordinator"], m["overdue"])

    def _agency_row(self, name: str, node: Node) -> tuple[Value, ...] | None:
        sums = self.grid.sums.get(node)
        if sums is None or not any(sums[:2]):
            return None
        width = len(AGENCY_INDICATORS) if self.indicators else 1
        if node in self.hidden:
            return (name, *([HIDDEN] * width))
        if not self.indicators:
            return (name, sums[0])
        a = {key: sums[i] for key, i in _A.items()}
        return (name, a["made_to"], a["received"], a["ack_in_time"], a["ack_decided"],
                _share(a["ack_in_time"], a["ack_decided"]), *self._hours(("agency", name)),
                a["accepted"], a["declined"], a["forwarded_on"], a["held_now"], a["overdue"])

    def _hours(self, timed: tuple[str, str]) -> tuple[Value, Value]:
        """Median and 90th percentile hours to acknowledge, hidden below k of them."""
        found = self.times.get(timed)
        if found is None:
            return None, None
        if found[0] < self.k:
            return HIDDEN, HIDDEN
        return round(found[1], 2), round(found[2], 2)

    def charts(self) -> dict[str, tuple[tuple[str, float | None], ...]]:
        """What the html page draws, from published figures only: referrals per hub and
        per agency, median hours to acknowledge per agency, the feedback share per month."""
        time = self.period.label
        charts: dict[str, tuple[tuple[str, float | None], ...]] = {}
        charts["hub"] = tuple(
            (h, self._number(("*", time, h, "*"), 0)) for h in sorted(self.grid.hubs)
            if self.hub in (ALL, h) and self.grid.sums.get(("*", time, h, "*"), [0])[0])
        agencies = [(a, ("agency", time, self.hub, a)) for a in sorted(self.grid.values["agency"])
                    if self.grid.sums.get(("agency", time, self.hub, a), [0])[0]]
        charts["agency"] = tuple((a, self._number(node, 0)) for a, node in agencies)
        charts["agency_hours"] = tuple(
            (a, _float(self._hours(("agency", a))[0]) if node not in self.hidden else None)
            for a, node in agencies)
        charts["agency_in_time"] = tuple(
            (a, None if node in self.hidden else _float(_share(
                self.grid.sums[node][_A["ack_in_time"]], self.grid.sums[node][_A["ack_decided"]])))
            for a, node in agencies)
        feedback = []
        for month in self.period.months:
            node = ("*", month.label, self.hub, "*")
            sums = self.grid.sums.get(node)
            share = (None if sums is None or node in self.hidden
                     else _share(sums[_M["closed_notified"]], sums[_M["closed"]]))
            feedback.append((month.label, _float(share)))
        charts["feedback"] = tuple(feedback)
        return charts

    def _number(self, node: Node, index: int) -> float | None:
        if node in self.hidden or node not in self.grid.sums:
            return None
        return float(self.grid.sums[node][index])


def _float(value: Value) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None

