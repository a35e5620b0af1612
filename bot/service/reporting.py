"""The published report over the stored facts: what ``intake report`` prints and the
console's Overview charts, built in one place so the two can never disagree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from bot.directory.model import Directory
from bot.report.periods import Period, year_grid
from bot.report.tables import Published, publish
from storage.report import read_facts
from storage.stores import Storage


def build_report(storage: Storage, directory: Directory, period: Period, now: datetime, *,
                 hub: str | None, agency: str | None, dimensions: Sequence[str],
                 indicators: bool, min_count: int) -> Published:
    """Read the facts of the period's whole year (suppression is consistent over it), in
    one pass that also gives the period's times to acknowledge and how many were left
    out, and publish the tables asked for; ``agency`` keeps only that agency's row of its
    table."""
    whole_year = year_grid(period.year, now)[0]
    facts = read_facts(storage.context, whole_year.start, whole_year.end, now)
    enrolled = {member.agency for member in storage.staff.members(role="focal_point")}
    months = {month.label for month in period.months}
    left = facts.count_left_out(months, hub)
    times = facts.times(months, hub) if indicators else {}
    report = publish(period, now, cells=facts.cells, agencies=facts.agencies, times=times,
                     left_out=left, hub=hub, dimensions=dimensions, indicators=indicators,
                     min_count=min_count,
                     no_focal_point=sorted(a for a in directory.agencies if a not in enrolled))
    if agency is None:
        return report
    tables = tuple(replace(table, rows=tuple(r for r in table.rows if r[0] == agency))
                   if table.dimension == "agency" else table for table in report.tables)
    return replace(report, tables=tables)
