"""Periods come from a fixed calendar grid (month, quarter, year, UTC) and count only the
months that have ended; anything else, a day above all, is refused with the forms known."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.report.periods import PeriodError, default_period, parse_period, year_grid

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "months", "complete", "described"), [
    ("2026-10", ["2026-10"], True, "2026-10"),
    ("2026-Q3", ["2026-07", "2026-08", "2026-09"], True, "2026-Q3"),
    ("2026-q3", ["2026-07", "2026-08", "2026-09"], True, "2026-Q3"),
    ("2026-Q4", ["2026-10"], False, "2026-Q4 through 2026-10 (the months that have ended)"),
    ("2025", [f"2025-{m:02d}" for m in range(1, 13)], True, "2025"),
    ("2026", [f"2026-{m:02d}" for m in range(1, 11)], False,
     "2026 through 2026-10 (the months that have ended)"),
])
def test_a_period_of_the_grid_counts_its_months_that_have_ended(
        text: str, months: list[str], complete: bool, described: str) -> None:
    period = parse_period(text, NOW)
    assert [m.label for m in period.months] == months
    assert (period.complete, period.describe()) == (complete, described)
    assert period.start == period.months[0].start
    assert period.end == period.months[-1].next().start


FORMS = "(give a month 2026-11, a quarter 2026-Q4 or a year 2026)"


@pytest.mark.parametrize(("text", "message"), [
    ("2026-11-15", f"not a period: '2026-11-15' {FORMS}"),
    ("2026-13", f"not a period: '2026-13' {FORMS}"),
    ("2026-00", f"not a period: '2026-00' {FORMS}"),
    ("2026-Q5", f"not a period: '2026-Q5' {FORMS}"),
    ("last week", f"not a period: 'last week' {FORMS}"),
    ("", f"not a period: '' {FORMS}"),
    ("2026-11", "the period 2026-11 has no month that has ended yet; the last month that "
                "has ended is 2026-10"),
    ("2027", "the period 2027 has no month that has ended yet; the last month that has "
             "ended is 2026-10"),
])
def test_anything_off_the_grid_or_not_yet_ended_is_refused(text: str, message: str) -> None:
    with pytest.raises(PeriodError) as refused:
        parse_period(text, NOW)
    assert str(refused.value) == message


def test_the_default_is_the_year_of_the_last_month_that_has_ended() -> None:
    assert default_period(NOW).label == "2026"
    assert default_period(datetime(2027, 1, 3, tzinfo=UTC)).describe() == "2026"


def test_the_grid_of_a_year_holds_the_year_its_quarters_and_months_that_have_ended() -> None:
    labels = [p.label for p in year_grid(2026, NOW)]
    assert labels == ["2026", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4",
                      *(f"2026-{m:02d}" for m in range(1, 11))]
