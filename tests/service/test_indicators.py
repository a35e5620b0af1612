"""The console's indicator board serves each (hub, period) report for up to a minute of the
clock it is given and makes it again after, counting it again in the background once it is
45 seconds old, one count per report at a time; periods come from the calendar grid, newest
first, from the first referral's year to the last month that has ended."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from bot.report.periods import Period, PeriodError
from bot.report.tables import Published, publish
from bot.service.indicators import MAX_KEPT, IndicatorBoard
from storage.clock import FixedClock

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class Counting:
    """A report maker that counts its calls and says for whom it made each report."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None]] = []

    def __call__(self, period: Period, hub: str | None, now: datetime) -> Published:
        self.calls.append((period.label, hub))
        return publish(period, now, cells={}, agencies={}, left_out=len(self.calls), hub=hub)


def test_a_report_is_kept_for_a_minute_per_hub_and_period() -> None:
    clock, build = FixedClock(NOW), Counting()
    board = IndicatorBoard(build, clock, later=lambda job: None)
    year = board.period(None)
    first = board.report(year, None)
    clock.advance(seconds=59)
    assert board.report(year, None) is first
    assert build.calls == [("2026", None)]
    board.report(year, "hatay")  # another scope is another report
    board.report(board.period("2026-Q3"), None)  # and so is another period
    assert build.calls == [("2026", None), ("2026", "hatay"), ("2026-Q3", None)]
    clock.advance(seconds=1)  # a minute after the first was made: made again
    again = board.report(year, None)
    assert again is not first and len(build.calls) == 4


def test_a_report_is_counted_again_in_the_background_before_its_minute_ends() -> None:
    clock, build = FixedClock(NOW), Counting()
    jobs: list[Callable[[], None]] = []
    board = IndicatorBoard(build, clock, later=jobs.append)
    month = board.period("2026-10")
    first = board.report(month, None)
    clock.advance(seconds=44)
    assert board.report(month, None) is first and not jobs
    clock.advance(seconds=1)
    assert board.report(month, None) is first  # served as it is, counted again later
    clock.advance(seconds=5)
    assert board.report(month, None) is first and len(jobs) == 1  # one count at a time
    jobs.pop()()
    assert len(build.calls) == 2
    again = board.report(month, None)
    assert again is not first and again.left_out == "1 to 9"
    clock.advance(seconds=40)  # 90 s after the first, 40 after the count: no wait
    assert board.report(month, None) is again and len(build.calls) == 2
    clock.advance(seconds=5)
    board.report(month, None)
    assert len(jobs) == 1  # a new count may start once the last one ended


def test_a_failed_background_count_leaves_the_report_and_is_tried_again() -> None:
    clock = FixedClock(NOW)
    jobs: list[Callable[[], None]] = []
    failing = {"now": False}

    def build(period: Period, hub: str | None, now: datetime) -> Published:
        if failing["now"]:
            raise RuntimeError("database gone")
        return publish(period, now, cells={}, agencies={}, left_out=0, hub=hub)

    board = IndicatorBoard(build, clock, later=jobs.append)
    month = board.period("2026-10")
    first = board.report(month, None)
    failing["now"] = True
    clock.advance(seconds=50)
    board.report(month, None)
    jobs.pop()()
    assert board.report(month, None) is first and len(jobs) == 1


def test_the_default_background_counts_on_a_thread() -> None:
    clock, build = FixedClock(NOW), Counting()
    board = IndicatorBoard(build, clock)
    month = board.period("2026-10")
    board.report(month, "hatay")
    clock.advance(seconds=50)
    board.report(month, "hatay")
    board.settle()
    assert build.calls == [("2026-10", "hatay")] * 2


def test_a_clock_set_back_does_not_serve_a_report_from_the_future() -> None:
    clock, build = FixedClock(NOW), Counting()
    board = IndicatorBoard(build, clock)
    board.report(board.period("2026-10"), None)
    clock.advance(seconds=-5)
    board.report(board.period("2026-10"), None)
    assert len(build.calls) == 2


def test_no_more_than_the_limit_is_kept() -> None:
    clock, build = FixedClock(NOW), Counting()
    board = IndicatorBoard(build, clock)
    period = board.period("2026-10")
    for number in range(MAX_KEPT + 3):
        board.report(period, f"hub{number}")
        clock.advance(microseconds=1)
    assert len(board._kept) == MAX_KEPT
    board.report(period, "hub0")  # the oldest went first: made again
    assert build.calls[-1] == ("2026-10", "hub0")


def test_the_default_period_is_the_year_of_the_last_month_that_has_ended() -> None:
    board = IndicatorBoard(Counting(), FixedClock(datetime(2027, 1, 5, tzinfo=UTC)))
    period = board.period(None)
    assert period.label == "2026" and period.complete


@pytest.mark.parametrize(("label", "error"), [
    ("2026-13", "not a period: '2026-13'"),
    ("last week", "not a period: 'last week'"),
    ("2026-12", "the period 2026-12 has no month that has ended yet"),
])
def test_periods_off_the_grid_are_refused(label: str, error: str) -> None:
    board = IndicatorBoard(Counting(), FixedClock(NOW))
    with pytest.raises(PeriodError) as raised:
        board.period(label)
    assert str(raised.value).startswith(error)


def test_choices_run_from_the_first_referral_to_the_last_ended_month_newest_first() -> None:
    board = IndicatorBoard(Counting(), FixedClock(datetime(2026, 3, 2, tzinfo=UTC)),
                           first_referral=lambda: datetime(2025, 7, 9, tzinfo=UTC))
    labels = [period.label for period in board.choices()]
    assert labels[:4] == ["2026", "2026-Q1", "2026-02", "2026-01"]
    assert labels[4:10] == ["2025", "2025-Q4", "2025-Q3", "2025-Q2", "2025-Q1", "2025-12"]
    assert labels[-1] == "2025-01" and len(labels) == 4 + 1 + 4 + 12


def test_without_referrals_the_choices_are_the_current_year() -> None:
    board = IndicatorBoard(Counting(), FixedClock(NOW))
    labels = [period.label for period in board.choices()]
    assert labels[0] == "2026" and labels[-1] == "2026-01" and "2025" not in labels
