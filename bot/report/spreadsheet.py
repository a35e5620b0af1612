"""A published report as an .xlsx workbook (openpyxl): a "how to read this" sheet first,
then one sheet per table, each with its header row frozen. Hidden counts are the text
``x``; shares are numbers formatted as percentages, hours as numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.report.render import is_share, note, scope
from bot.report.tables import Published

README = "How to read this"


def how_to_read(report: Published) -> list[str]:
    return [
        scope(report),
        note(report),
        "Each following sheet is one table: a row per hub, case type, risk, month or "
        "agency, and a last row 'all' (the agency sheet has none: a forwarded referral "
        "counts for every agency that held it).",
        "Acknowledged in time: the agency acknowledged within its acknowledgement clock; "
        "decided: acknowledged, or the clock ran out without. Closed in time: closed by the "
        "case deadline set at identification.",
        "Only referrals whose person consented to statistics are counted; no case code, "
        "name or contact appears anywhere.",
        "Periods are whole calendar months, quarters or years (UTC).",
    ]


def write_xlsx(report: Published, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet: Any = book.active
    sheet.title = README
    for line in how_to_read(report):
        sheet.append([line])
    if report.no_focal_point:
        sheet.append(["Agencies with no enrolled focal point: "
                      + ", ".join(report.no_focal_point)])
    sheet.column_dimensions["A"].width = 120
    for table in report.tables:
        sheet = book.create_sheet(table.dimension.replace("_", " ")[:31])
        sheet.append(list(table.header))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(list(row))
        for column, name in enumerate(table.header, start=1):
            letter = sheet.cell(row=1, column=column).column_letter
            sheet.column_dimensions[letter].width = max(12, min(len(name) + 2, 30))
            if is_share(name):
                for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                    cell.number_format = "0%"
        sheet.freeze_panes = "B2"
    book.save(path)
