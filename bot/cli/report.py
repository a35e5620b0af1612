"""``intake report``: indicators for coordinators, as marginal tables over a calendar period.

Only referrals whose consent allows statistics are counted (``storage.report`` says what is
read and how). The output holds ids of hubs and agencies, case types, levels, months and
numbers: no case code and nothing about a person. Each run is written to the audit log as
an export.

Periods come from a fixed calendar grid: a month (2026-11), a quarter (2026-Q4) or a year
(2026), counted over the months that have ended, so no two reports differ by less than a
whole month. Small counts are hidden with one pattern worked out over the whole year, every
table and every hub at once (``bot.report.suppression``): no sum or difference of figures
this command can print, in any format, gives a hidden count back.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.common import CommandError, existing_storage
from bot.settings import Settings

if TYPE_CHECKING:

    from bot.report.tables import Published

#: ``bot.report.tables.MIN_COUNT`` and ``DIMENSIONS`` again (a test holds them equal), so
#: that the parser is built without importing the report modules.
MIN_COUNT = 5
DIMENSIONS = ("hub", "case_type", "risk", "month", "agency")
FORMATS = ("table", "csv", "json", "xlsx", "html")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "report", help="print referral indicators (no personal data)",
        description="Print, for referrals whose consent allows statistics, the number of "
        "referrals made per hub, case type, risk, month and agency over one calendar "
        "period; with --indicators, the closed-loop figures too: acknowledged within the "
        "agency's clock, median and 90th-percentile hours to acknowledge, closed within "
        "the case deadline, accepted, declined, forwarded (a forwarded referral counts for "
        "each agency that held it), closed with the outcome notice delivered to the "
        "referrer, escalated to the backup or the coordinator, overdue now, and agencies "
        "with no enrolled focal point. No case codes, no personal data. Counts from 1 to "
        "N-1 (N: --min-count, default 5) are hidden as x, and so are the figures that "
        "would give one back from this or any other report: one pattern over the whole "
        "year, every table and every hub. See docs/report.md.")
    parser.add_argument("--indicators", action="store_true",
                        help="the closed-loop indicators, not only the number of referrals")
    parser.add_argument("--by", action="append", choices=DIMENSIONS, metavar="DIMENSION",
                        help=f"one table per option given ({', '.join(DIMENSIONS)}); "
                        "default: all")
    parser.add_argument("--period", metavar="P",
                        help="a month 2026-11, a quarter 2026-Q4 or a year 2026 (UTC), "
                        "counted over its months that have ended; default: the year of the "
                        "last month that has ended")
    parser.add_argument("--hub", metavar="H", help="only referrals of this hub (hub id)")
    parser.add_argument("--agency", metavar="A",
                        help="in the agency table, only this agency (agency id)")
    parser.add_argument("--format", choices=FORMATS, default="table",
                        help="table (default), csv, json, xlsx (needs --output) or html")
    parser.add_argument("--output", type=Path, metavar="FILE",
                        help="write to FILE instead of standard output")
    parser.add_argument("--min-count", type=_min_count, default=MIN_COUNT, metavar="N",
                        help=f"hide counts from 1 to N-1 (default {MIN_COUNT}); 1 shows "
                        "every count, for people allowed to see case-level data only; 2 is "
                        "refused")
    parser.set_defaults(handler=run_report)


def _min_count(text: str) -> int:
    """The threshold as argparse wants it: a clear usage error, never a traceback."""
    from bot.report.tables import check_min_count

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
    from bot.report.periods import PeriodError, default_period, parse_period
    from bot.service.reporting import build_report
    from bot.wiring import current_directory
    from storage.clock import SystemClock

    if args.format == "xlsx" and args.output is None:
        raise CommandError("--format xlsx writes a file: give --output FILE")
    now = SystemClock().now()
    try:
        period = parse_period(args.period, now) if args.period else default_period(now)
    except PeriodError as error:
        raise CommandError(str(error)) from None
    storage = existing_storage(settings)
    try:
        directory = current_directory(settings, storage)
        _known("--hub", args.hub, sorted(directory.hubs))
        _known("--agency", args.agency, sorted(directory.agencies))
        with storage.unit():
            report = build_report(storage, directory, period, now, hub=args.hub,
                                  agency=args.agency, dimensions=tuple(args.by or DIMENSIONS),
                                  indicators=args.indicators, min_count=args.min_count)
            storage.audit.record("cli", "report", None, now)
    finally:
        storage.close()
    write(report, args.format, args.output)
    return 0


def _known(option: str, value: str | None, values: Sequence[str]) -> None:
    if value is not None and value not in values:
        raise CommandError(f"unknown {option} '{value}' (known: {', '.join(values)})")


def write(report: Published, form: str, output: Path | None) -> None:
    from bot.report import page, render, spreadsheet

    if form == "xlsx":
        assert output is not None
        spreadsheet.write_xlsx(report, output)
        return
    writers = {"table": render.write_table, "csv": render.write_csv,
               "json": render.write_json, "html": page.write_html}
    if output is None:
        if form == "csv":
            print(render.scope(report), file=sys.stderr)
            print(render.note(report), file=sys.stderr)
        writers[form](report, sys.stdout)
        return
    with output.open("w", encoding="utf-8", newline="") as out:
        writers[form](report, out)
