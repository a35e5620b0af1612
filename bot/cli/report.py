"""``intake report``: aggregate statistics for coordinators, as a table or as CSV.

Only referrals whose consent allows statistics are counted (``storage.report`` says what is
counted and how). The output holds ids of hubs and agencies, case types, levels, statuses,
months and numbers: no case code and nothing about a person, so it can be shared with a
working group as it is. Each run is written to the audit log as an export.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, TextIO

from bot.settings import Settings

if TYPE_CHECKING:
    from storage.report import AcknowledgementRow, Report

FORMATS = ("table", "csv")
SECTIONS = ("counts", "acknowledgement")
COUNT_HEADER = ("month", "hub", "case_type", "risk", "status", "referrals")
ACK_HEADER = ("agency", "acknowledged", "median_hours_to_acknowledge",
              "acknowledged_in_time", "decided", "share_in_time")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "report", help="print referral statistics (no personal data)",
        description="Print, for referrals whose consent allows statistics: the number of "
        "referrals per month of creation, hub, case type, risk and current status; and per "
        "agency the median time to the first acknowledgement and the share acknowledged "
        "within the deadline (counting referrals acknowledged, or whose deadline has "
        "passed). Referrals without statistics consent, such as child-safety overrides, are "
        "left out and only their number is given. No case codes, no personal data.")
    parser.add_argument("--hub", metavar="H", help="only referrals of this hub (hub id)")
    parser.add_argument("--since", type=_day, metavar="YYYY-MM-DD",
                        help="only referrals created on or after this day (UTC)")
    parser.add_argument("--format", choices=FORMATS, default="table",
                        help="table (default) for reading, csv for a spreadsheet")
    parser.add_argument("--only", choices=SECTIONS,
                        help="print one section only (a CSV then holds a single table)")
    parser.set_defaults(handler=run_report)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a day in the form YYYY-MM-DD: {text!r}") from None


def run_report(args: argparse.Namespace, settings: Settings) -> int:
    from storage.clock import SystemClock
    from storage.crypto import KeyConfigError
    from storage.migrate import upgrade
    from storage.report import build_report
    from storage.stores import Storage

    try:
        storage = Storage.from_settings(settings)
    except KeyConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    now = SystemClock().now()
    try:
        upgrade(storage.engine)
        with storage.unit():
            report = build_report(storage.context, now, hub=args.hub, since=args.since)
            storage.audit.record("cli", "report", None, now)
    finally:
        storage.close()
    sections = (args.only,) if args.only else SECTIONS
    scope = _scope(args.hub, args.since, report)
    if args.format == "csv":
        print(scope, file=sys.stderr)
        write_csv(report, sys.stdout, sections)
    else:
        print(f"{scope}; as of {now:%Y-%m-%d %H:%M} UTC")
        write_table(report, sys.stdout, sections)
    return 0


def _scope(hub: str | None, since: date | None, report: Report) -> str:
    where = f"hub {hub}" if hub else "all hubs"
    when = f"created since {since.isoformat()}" if since else "all time"
    return (f"Referrals with statistics consent, {where}, {when}: {report.counted} counted, "
            f"{report.left_out} left out (no statistics consent)")


def write_csv(report: Report, out: TextIO, sections: Sequence[str] = SECTIONS) -> None:
    """One header row per section; two sections are parted by an empty row."""
    writer = csv.writer(out, lineterminator="\n")
    for number, section in enumerate(sections):
        if number:
            writer.writerow([])
        if section == "counts":
            writer.writerow(COUNT_HEADER)
            writer.writerows((r.month, r.hub, r.case_type, r.risk, r.status, r.referrals)
                             for r in report.counts)
        else:
            writer.writerow(ACK_HEADER)
            for row in [*report.acknowledgement, report.total]:
                share = row.share_in_time
                writer.writerow((row.agency, row.acknowledged,
                                 "" if row.median_hours is None else f"{row.median_hours:.2f}",
                                 row.in_time, row.decided,
                                 "" if share is None else f"{share:.3f}"))


def write_table(report: Report, out: TextIO, sections: Sequence[str] = SECTIONS) -> None:
    for section in sections:
        out.write("\n")
        if section == "counts":
            out.write("Referrals per month created, hub, case type, risk and current status\n")
            _aligned(out, ("month", "hub", "case type", "risk", "status", "referrals"),
                     [(r.month, r.hub, r.case_type, r.risk, r.status, str(r.referrals))
                      for r in report.counts])
        else:
            out.write("Acknowledgement per agency (time from referral to first "
                      "acknowledgement; in time: by the deadline)\n")
            _aligned(out, ("agency", "acknowledged", "median hours", "in time", "decided",
                           "share in time"),
                     [_ack_cells(row) for row in [*report.acknowledgement, report.total]]
                     if report.counted else [])


def _ack_cells(row: AcknowledgementRow) -> tuple[str, ...]:
    share = row.share_in_time
    return (row.agency if row.agency != "all" else "all agencies", str(row.acknowledged),
            "-" if row.median_hours is None else f"{row.median_hours:.1f}",
            str(row.in_time), str(row.decided), "-" if share is None else f"{share:.0%}")


def _aligned(out: TextIO, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """Text columns left-aligned, numbers right-aligned, two spaces apart."""
    if not rows:
        out.write("  (no referrals to count)\n")
        return
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    numeric = [all(_number(row[i]) for row in rows) for i in range(len(header))]
    for row in (header, *rows):
        cells = [cell.rjust(width) if right else cell.ljust(width)
                 for cell, width, right in zip(row, widths, numeric, strict=True)]
        out.write("  ".join(cells).rstrip() + "\n")


def _number(cell: str) -> bool:
    return cell == "-" or cell.rstrip("%").replace(".", "", 1).isdigit()
