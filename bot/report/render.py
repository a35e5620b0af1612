"""A published report as text: an aligned table, CSV or JSON.

Every writer takes a :class:`~bot.report.tables.Published`, already suppressed, and nothing
else, so no format can show a figure another one hides. A hidden count is ``x`` in every
format; a share or time that does not exist (nothing decided, nothing acknowledged) is
``-`` in the text table, an empty cell in CSV and ``null`` in JSON.
"""

from __future__ import annotations

import csv
import json
from typing import TextIO

from bot.report.tables import HIDDEN, Published, Table, Value


def scope(report: Published) -> str:
    where = f"hub {report.hub}" if report.hub else "all hubs"
    return (f"Referrals with statistics consent made in {report.period.describe()}, {where}; "
            f"without statistics consent (not counted): {report.left_out}")


def note(report: Published) -> str:
    """What the marks mean, printed with every report."""
    if report.min_count == 1:
        return ("warning: --min-count 1: every count is shown, however small; do not share "
                "this report beyond people allowed to see case-level data")
    k = report.min_count
    return (f"x: hidden, a count from 1 to {k - 1}, or a figure hidden so that no count from "
            f"1 to {k - 1} can be worked out from this or any other report "
            f"(--min-count {k}); medians and percentiles of fewer than {k} are hidden too.")


def is_share(column: str) -> bool:
    return column.startswith("share")


def text_cell(column: str, value: Value) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if is_share(column):
        return f"{value:.0%}"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def write_table(report: Published, out: TextIO) -> None:
    out.write(scope(report) + "\n")
    out.write(note(report) + "\n")
    for table in report.tables:
        out.write(f"\n{table.title}\n")
        _aligned(out, table)
    if report.no_focal_point:
        out.write("\nAgencies with no enrolled focal point: "
                  + ", ".join(report.no_focal_point) + "\n")


def _aligned(out: TextIO, table: Table) -> None:
    if not table.rows:
        out.write("  (no referrals to count)\n")
        return
    rows = [tuple(str(row[0]) if i == 0 else text_cell(table.header[i], cell)
                  for i, cell in enumerate(row)) for row in table.rows]
    widths = [max(len(cell) for cell in column)
              for column in zip(table.header, *rows, strict=True)]
    for row in (table.header, *rows):
        cells = [cell.ljust(width) if i == 0 else cell.rjust(width)
                 for i, (cell, width) in enumerate(zip(row, widths, strict=True))]
        out.write("  ".join(cells).rstrip() + "\n")


def csv_cell(column: str, value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}" if is_share(column) else f"{value:.2f}"
    return str(value)


def write_csv(report: Published, out: TextIO) -> None:
    """One header row per table, tables parted by an empty row; the scope and the note go
    to standard error beside it (see the command)."""
    writer = csv.writer(out, lineterminator="\n")
    for number, table in enumerate(report.tables):
        if number:
            writer.writerow([])
        writer.writerow(table.header)
        writer.writerows([str(row[0]), *(csv_cell(table.header[i], cell)
                                         for i, cell in enumerate(row) if i)]
                         for row in table.rows)


def as_json(report: Published) -> dict[str, object]:
    return {
        "period": report.period.label,
        "months": [month.label for month in report.period.months],
        "complete": report.period.complete,
        "hub": report.hub,
        "min_count": report.min_count,
        "hidden_mark": HIDDEN,
        "without_statistics_consent": report.left_out,
        "agencies_without_focal_point": list(report.no_focal_point),
        "tables": [{"by": table.dimension, "title": table.title,
                    "columns": list(table.header), "rows": [list(row) for row in table.rows]}
                   for table in report.tables],
    }


def write_json(report: Published, out: TextIO) -> None:
    json.dump(as_json(report), out, indent=1, ensure_ascii=False)
    out.write("\n")
