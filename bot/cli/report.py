"""``intake report``: aggregate statistics for coordinators, as a table or as CSV.

Only referrals whose consent allows statistics are counted (``storage.report`` says what is
counted and how). The output holds ids of hubs and agencies, case types, levels, statuses,
months and numbers: no case code and nothing about a person. Each run is written to the
audit log as an export.

No case code is not enough in a small hub, where "1 referral of a girl aged 12-17 with a
disability in hub X" can point at one person. So both formats print only what
``storage.report.protect`` lets through, with the same rule (threshold k, ``--min-count``,
default 5):

* a count from 1 to k-1 is shown as ``<k`` (zero stays 0);
* a total is withheld (``x``) when a count it adds up is hidden, since the total minus the
  visible counts would give the hidden count back (and two hidden 1s both: a difference of
  2); the number counted is then given as the range the visible rows imply;
* a share in time is withheld when its numerator or denominator is hidden, and a median of
  fewer than k acknowledgements is withheld;
* the number left out for want of statistics consent is a count too.

Withholding a total was chosen over suppressing a second cell: the count table has no margins
but its grand total, so this keeps every count of k or more, and a second suppressed cell
leaks to a reader who knows the rule. ``--min-count 1`` shows everything, for people allowed to
see case-level data only, and says so on standard error; 2 is refused, as "<2" can only mean 1.
The CSV carries the same marks in the same cells, so a spreadsheet gets nothing the table
does not show.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, TextIO

from bot.cli.common import existing_storage
from bot.settings import Settings

if TYPE_CHECKING:
    from storage.report import ProtectedReport, ShownAcknowledgementRow

#: ``storage.report.MIN_COUNT`` and ``WITHHELD`` again (a test holds them equal), so that the
#: parser is built without importing the storage layer, as for every other command.
MIN_COUNT = 5
WITHHELD = "x"

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
        "left out and only their number is given. No case codes, no personal data. "
        "Small counts are hidden, in the table and the CSV alike, so that no one can be "
        "picked out in a small hub: with N the --min-count (default 5), a count from 1 to "
        "N-1 is shown as <N; a total is withheld (shown as x) whenever one of the counts it "
        "adds up is hidden, since the total minus the visible counts would give it back; "
        "the number of referrals counted is then given as the range the visible rows "
        "imply; a share in time is withheld when its in-time or decided count is hidden, "
        "and a median of fewer than N acknowledgements is withheld. Reports over "
        "overlapping hubs or days can be subtracted from each other: share whole months "
        "(see docs/report.md).")
    parser.add_argument("--hub", metavar="H", help="only referrals of this hub (hub id)")
    parser.add_argument("--since", type=_day, metavar="YYYY-MM-DD",
                        help="only referrals created on or after this day (UTC)")
    parser.add_argument("--format", choices=FORMATS, default="table",
                        help="table (default) for reading, csv for a spreadsheet")
    parser.add_argument("--only", choices=SECTIONS,
                        help="print one section only (a CSV then holds a single table)")
    parser.add_argument("--min-count", type=_min_count, default=MIN_COUNT, metavar="N",
                        help=f"hide counts from 1 to N-1 as <N (default {MIN_COUNT}); 1 "
                        "shows every count, for people allowed to see case-level data only; "
                        "2 is refused, as <2 could only mean 1")
    parser.set_defaults(handler=run_report)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a day in the form YYYY-MM-DD: {text!r}") from None


def _min_count(text: str) -> int:
    """The threshold as argparse wants it: a clear usage error, never a traceback."""
    from storage.report import check_min_count

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a whole number: {text!r} (give 1 or more; 1 hides nothing)") from None
    try:
        check_min_count(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return value


def run_report(args: argparse.Namespace, settings: Settings) -> int:
    from storage.clock import SystemClock
    from storage.report import build_report, protect

    storage = existing_storage(settings)
    now = SystemClock().now()
    try:
        with storage.unit():
            report = protect(build_report(storage.context, now, hub=args.hub,
                                          since=args.since), args.min_count)
            storage.audit.record("cli", "report", None, now)
    finally:
        storage.close()
    sections = (args.only,) if args.only else SECTIONS
    scope = _scope(args.hub, args.since, report)
    note = suppression_note(report.min_count)
    if args.format == "csv":
        print(scope, file=sys.stderr)
        print(note, file=sys.stderr)
        write_csv(report, sys.stdout, sections)
    else:
        print(f"{scope}; as of {now:%Y-%m-%d %H:%M} UTC")
        print(note)  # in the table itself, so a saved copy says how it was protected
        write_table(report, sys.stdout, sections)
    return 0


def _scope(hub: str | None, since: date | None, report: ProtectedReport) -> str:
    where = f"hub {hub}" if hub else "all hubs"
    when = f"created since {since.isoformat()}" if since else "all time"
    low, high = report.counted
    counted = f"{low} counted" if low == high else f"between {low} and {high} counted"
    return (f"Referrals with statistics consent, {where}, {when}: {counted}, "
            f"{report.left_out} left out (no statistics consent)")


def suppression_note(min_count: int) -> str:
    """What the marks mean, printed with every report so a reader never takes "<5" or "x"
    for data, or an unprotected report for a protected one."""
    if min_count == 1:
        return ("warning: --min-count 1: every count is shown, however small; do not share "
                "this report beyond people allowed to see case-level data")
    return (f"Counts from 1 to {min_count - 1} are shown as <{min_count}; x: withheld, a "
            f"total or share that would give a hidden count back, or a median of fewer "
            f"than {min_count} (--min-count {min_count}).")


def write_csv(report: ProtectedReport, out: TextIO, sections: Sequence[str] = SECTIONS,
              ) -> None:
    """One header row per section; two sections are parted by an empty row. Hidden and
    withheld figures carry the same marks as in the table ("<5", "x"); an empty cell is a
    median or share that does not exist (nothing acknowledged, nothing decided)."""
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
            writer.writerows((row.agency, row.acknowledged,
                              _figure(row.median_hours, "", "{:.2f}"), row.in_time,
                              row.decided, _figure(row.share_in_time, "", "{:.3f}"))
                             for row in [*report.acknowledgement, report.total])


def write_table(report: ProtectedReport, out: TextIO, sections: Sequence[str] = SECTIONS,
                ) -> None:
    for section in sections:
        out.write("\n")
        if section == "counts":
            out.write("Referrals per month created, hub, case type, risk and current status\n")
            _aligned(out, ("month", "hub", "case type", "risk", "status", "referrals"),
                     [(r.month, r.hub, r.case_type, r.risk, r.status, r.referrals)
                      for r in report.counts])
        else:
            out.write("Acknowledgement per agency (time from referral to first "
                      "acknowledgement; in time: by the deadline)\n")
            _aligned(out, ("agency", "acknowledged", "median hours", "in time", "decided",
                           "share in time"),
                     [_ack_cells(row) for row in [*report.acknowledgement, report.total]]
                     if report.any_counted else [])


def _ack_cells(row: ShownAcknowledgementRow) -> tuple[str, ...]:
    return (row.agency if row.agency != "all" else "all agencies", row.acknowledged,
            _figure(row.median_hours, "-", "{:.1f}"), row.in_time, row.decided,
            _figure(row.share_in_time, "-", "{:.0%}"))


def _figure(value: float | str | None, none: str, form: str) -> str:
    """A median or share: the number formatted, ``none`` if there is none, or its mark."""
    if value is None:
        return none
    return value if isinstance(value, str) else form.format(value)


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
    """Figures, including the marks that stand for one ("-", "x", "<5")."""
    return (cell in ("-", WITHHELD) or cell.removeprefix("<").isdigit()
            or cell.rstrip("%").replace(".", "", 1).isdigit())
