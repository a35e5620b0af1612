"""A published report as one self-contained HTML page: the tables, and bar charts drawn
by :mod:`bot.report.svg` inline. No script, no style sheet, font or image to fetch, no
link: the page can be mailed or opened offline and shows exactly the published figures."""

from __future__ import annotations

from html import escape
from typing import TextIO

from bot.report import svg
from bot.report.render import note, scope, text_cell
from bot.report.tables import Published, Table

STYLE = ("body{font-family:sans-serif;margin:1.5em;color:#222}"
         "table{border-collapse:collapse;margin:.5em 0 1.5em}"
         "th,td{border:1px solid #bbb;padding:2px 6px;text-align:right}"
         "th:first-child,td:first-child{text-align:left}"
         "figure{display:inline-block;margin:0 1.5em 1em 0}")


def page(report: Published) -> str:
    charts = report.charts
    figures = [
        svg.bars(charts.get("hub", ()), title="Referrals per hub"),
        svg.bars(charts.get("agency", ()), title="Referrals per agency first sent to"),
        svg.bars(charts.get("agency_in_time", ()), share=True,
                 title="Acknowledged within the agency's clock"),
        svg.bars(charts.get("agency_hours", ()), unit=" h",
                 title="Median hours to acknowledge, per agency"),
        svg.bars(charts.get("feedback", ()), share=True,
                 title="Closed referrals whose outcome reached the referrer, per month"),
    ]
    body = [f"<h1>Referral indicators: {escape(report.period.label)}</h1>",
            f"<p>{escape(scope(report))}</p>", f"<p>{escape(note(report))}</p>",
            *(f"<figure>{figure}</figure>" for figure in figures),
            *(_table(table) for table in report.tables)]
    if report.no_focal_point:
        body.append("<p>Agencies with no enrolled focal point: "
                    f"{escape(', '.join(report.no_focal_point))}</p>")
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>Referral indicators {escape(report.period.label)}</title>"
            f"<style>{STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def _table(table: Table) -> str:
    head = "".join(f"<th>{escape(column)}</th>" for column in table.header)
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(str(cell) if i == 0 else text_cell(table.header[i], cell))}"
                         "</td>" for i, cell in enumerate(row)) + "</tr>"
        for row in table.rows)
    return (f"<h2>{escape(table.title)}</h2><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def write_html(report: Published, out: TextIO) -> None:
    out.write(page(report))
