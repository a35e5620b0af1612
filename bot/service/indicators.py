"""The closed-loop indicators as the console serves them: the published report of one period
and one scope (a hub, or every hub), kept for up to a minute.

The report itself is made by whatever ``build`` is given; in the product it is the very
function behind ``intake report --indicators`` (:func:`report_builder`), so the console
shows the figures the command prints and hides the ones it hides: the same facts, the same
year-wide suppression pattern, the same calendar grid. Nothing here computes a figure.

Counting 100,000 referrals takes the database a second or more; a coordinator who moves
between pages should not pay that each time. So each report is kept for ``ttl`` (one
minute) per scope and period, in this process only, and the clock that says when it is
stale is the one given, so tests move time instead of sleeping. A report asked for when it
is older than ``refresh_after`` (45 seconds) is served as it is while it is counted again
in the background, one count at a time: a coordinator who keeps reading never waits for a
count, and no figure served is older than ``ttl``. Only the first request of a scope and
period, or one after a minute nobody asked, waits for its count.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.ports import Clock
from bot.report.periods import Period, default_period, last_ended, parse_period, year_grid

if TYPE_CHECKING:
    from bot.report.tables import Published
    from bot.wiring import Services

#: Makes the report of a period for one hub (or all: None) as of a moment.
Build = Callable[[Period, "str | None", datetime], "Published"]
TTL = timedelta(minutes=1)
REFRESH_AFTER = timedelta(seconds=45)
#: Runs a job later, off the request (by default on the board's one background thread).
Later = Callable[[Callable[[], None]], object]
log = logging.getLogger("intake.console")
#: Reports kept at most; the oldest go first (a few hubs times a few periods in practice).
MAX_KEPT = 256


@dataclass(frozen=True)
class _Kept:
    at: datetime
    report: Published


class IndicatorBoard:
    """Reports per (hub, period), each served for up to ``ttl`` after it was made."""

    def __init__(self, build: Build, clock: Clock, *, ttl: timedelta = TTL,
                 refresh_after: timedelta = REFRESH_AFTER,
                 first_referral: Callable[[], datetime | None] | None = None,
                 later: Later | None = None) -> None:
        self._build = build
        self._clock = clock
        self._ttl = ttl
        self._refresh_after = refresh_after
        self._first_referral = first_referral or (lambda: None)
        self._later = later or self._in_background
        self._kept: dict[tuple[str | None, str], _Kept] = {}
        self._counting: set[tuple[str | None, str]] = set()
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    def now(self) -> datetime:
        return self._clock.now()

    def period(self, label: str | None) -> Period:
        """The period a reader chose (``2026-11``, ``2026-Q4``, ``2026``), or the default:
        the year of the last month that has ended. ``PeriodError`` for anything else."""
        now = self.now()
        return parse_period(label, now) if label else default_period(now)

    def report(self, period: Period, hub: str | None) -> Published:
        """The published report of ``period`` for ``hub`` (None: every hub), made at most
        ``ttl`` ago."""
        now = self.now()
        key = (hub, period.label)
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None and kept.at <= now < kept.at + self._ttl:
            if now >= kept.at + self._refresh_after:
                self._count_again(key, period)
            return kept.report
        report = self._build(period, hub, now)
        self._keep(key, now, report)
        return report

    def _keep(self, key: tuple[str | None, str], at: datetime, report: Published) -> None:
        now = self.now()
        with self._lock:
            kept = self._kept.get(key)
            if kept is None or kept.at <= at:
                self._kept[key] = _Kept(at, report)
            for stale in [k for k, v in self._kept.items() if not v.at <= now < v.at + self._ttl]:
                del self._kept[stale]
            while len(self._kept) > MAX_KEPT:
                del self._kept[min(self._kept, key=lambda k: self._kept[k].at)]

    def _count_again(self, key: tuple[str | None, str], period: Period) -> None:
        """Count ``key`` again off the request, unless that is already under way."""
        with self._lock:
            if key in self._counting:
                return
            self._counting.add(key)

        def count() -> None:
            try:
                at = self.now()
                self._keep(key, at, self._build(period, key[0], at))
            except Exception:  # the next request counts it again, and shows the error
                log.exception("counting the indicators again failed")
            finally:
                with self._lock:
                    self._counting.discard(key)

        self._later(count)

    def settle(self) -> None:
        """Wait for the background counts under way (tests, benchmarks, shutting down)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def _in_background(self, job: Callable[[], None]) -> object:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1,
                                                thread_name_prefix="indicators")
        return self._pool.submit(job)

    def choices(self) -> list[Period]:
        """Every period a reader may choose, newest first: per year from the first
        referral's to the last month that has ended, the year, its quarters and its
        months (only those with a month that has ended)."""
        now = self.now()
        last = last_ended(now).year
        first = self._first_referral()
        start = min(first.year, last) if first is not None else last
        found: list[Period] = []
        for year in range(last, start - 1, -1):
            grid = year_grid(year, now)
            years = [p for p in grid if p.kind == "year"]
            quarters = sorted((p for p in grid if p.kind == "quarter"),
                              key=lambda p: p.label, reverse=True)
            months = sorted((p for p in grid if p.kind == "month"),
                            key=lambda p: p.label, reverse=True)
            found.extend([*years, *quarters, *months])
        return found


def report_builder(services: Services, *, indicators: bool = True) -> Build:
    """The report behind ``intake report --indicators`` (every table, the default minimum
    count), over the directory loaded now, for the console."""
    from bot.report.tables import DIMENSIONS, MIN_COUNT
    from bot.service.reporting import build_report
    from bot.wiring import current_directory

    def made(period: Period, hub: str | None, now: datetime) -> Published:
        storage = services.storage
        directory = current_directory(services.settings, storage)
        with storage.unit():
            return build_report(storage, directory, period, now, hub=hub, agency=None,
                                dimensions=DIMENSIONS, indicators=indicators, min_count=MIN_COUNT)

    return made


def board_for(services: Services) -> IndicatorBoard:
    """A board over the product's storage, with the first referral's month as the start of
    the calendar a reader picks from."""
    from storage.report import earliest_referral

    return IndicatorBoard(report_builder(services), services.clock,
                          first_referral=lambda: earliest_referral(services.storage.context))
