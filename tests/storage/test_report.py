"""Statistics for coordinators: counts per month, hub, case type, risk and status, and
acknowledgement times per agency, over referrals with statistics consent only, with the
same figures on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from storage.clock import FixedClock
from storage.report import AcknowledgementRow, CountRow, build_report
from storage.stores import Storage
from tests.storage.builders import consent, request

START = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


def refer(storage: Storage, clock: FixedClock, *, agency: str = "health_ngo",
          acknowledge_hours: float = 4, **changes: Any) -> str:
    """A referral sent now, with an acknowledgement deadline ``acknowledge_hours`` away."""
    made = request(**changes)
    return storage.referrals.create(
        made, referrer_id=None, agency=agency, at=clock.now(),
        acknowledge_by=clock.now() + timedelta(hours=acknowledge_hours),
        consent=consent(granted=made.consent))


def acknowledge(storage: Storage, code: str, at: datetime) -> None:
    storage.referrals.append_event(code, "acknowledged", at=at, actor="staff:1")


def test_counts_group_referrals_by_month_hub_case_type_risk_and_current_status(
        storage: Storage, clock: FixedClock) -> None:
    refer(storage, clock, hub="hatay", case_type="legal", risk="low")  # 23:30 UTC, 31 Oct
    clock.advance(days=2)
    first = refer(storage, clock)
    acknowledge(storage, first, clock.now() + timedelta(hours=1))
    refer(storage, clock)
    refer(storage, clock)
    refer(storage, clock, hub=None, case_type="gbv", risk=None)
    report = build_report(storage.context, clock.advance(days=1))
    assert report.counts == [
        CountRow("2026-10", "hatay", "legal", "low", "sent", 1),
        CountRow("2026-11", "gaziantep", "medical", "high", "acknowledged", 1),
        CountRow("2026-11", "gaziantep", "medical", "high", "sent", 2),
        CountRow("2026-11", "unknown", "gbv", "unrated", "sent", 1)]
    assert (report.counted, report.left_out) == (5, 0)


def test_referrals_without_statistics_consent_are_left_out_and_only_their_number_given(
        storage: Storage, clock: FixedClock) -> None:
    refer(storage, clock)
    refer(storage, clock, consent=("refer", "share"))
    refer(storage, clock, consent=(), override_reason="immediate_danger",
          case_type="child_protection")
    refer(storage, clock, consent=("refer", "statistics_later"))
    report = build_report(storage.context, clock.advance(days=1))
    assert [(row.case_type, row.referrals) for row in report.counts] == [("medical", 1)]
    assert (report.counted, report.left_out) == (1, 3)
    assert report.total.decided == 1


def test_a_child_safety_override_with_statistics_consent_is_counted(
        storage: Storage, clock: FixedClock) -> None:
    refer(storage, clock, consent=("statistics",), override_reason="immediate_danger",
          case_type="child_protection")
    report = build_report(storage.context, clock.advance(days=1))
    assert [(row.case_type, row.referrals) for row in report.counts] == [
        ("child_protection", 1)]


def test_median_time_to_acknowledgement_is_per_agency_from_the_first_acknowledgement(
        storage: Storage, clock: FixedClock) -> None:
    for agency, hours in [("health_ngo", 1), ("health_ngo", 3), ("health_ngo", 8),
                          ("law_ngo", 2), ("law_ngo", 5)]:
        code = refer(storage, clock, agency=agency, acknowledge_hours=24)
        acknowledge(storage, code, clock.now() + timedelta(hours=hours))
    forwarded = refer(storage, clock, agency="law_ngo", acknowledge_hours=24)
    acknowledge(storage, forwarded, clock.now() + timedelta(hours=6))
    storage.referrals.append_event(forwarded, "forwarded", at=clock.now() + timedelta(hours=7),
                                   actor="staff:1", agency="health_ngo")
    acknowledge(storage, forwarded, clock.now() + timedelta(hours=9))
    report = build_report(storage.context, clock.advance(days=2))
    assert [(row.agency, row.acknowledged, row.median_hours)
            for row in report.acknowledgement] == [("health_ngo", 3, 3.0),
                                                   ("law_ngo", 3, 5.0)]
    assert (report.total.acknowledged, report.total.median_hours) == (6, 4.0)


def test_the_share_in_time_counts_acknowledged_and_overdue_referrals_not_pending_ones(
        storage: Storage, clock: FixedClock) -> None:
    in_time = refer(storage, clock, acknowledge_hours=4)
    acknowledge(storage, in_time, clock.now() + timedelta(hours=4))
    late = refer(storage, clock, acknowledge_hours=4)
    acknowledge(storage, late, clock.now() + timedelta(hours=5))
    refer(storage, clock, acknowledge_hours=4)  # never acknowledged: overdue by now
    clock.advance(hours=10)
    refer(storage, clock, acknowledge_hours=4)  # still within its deadline
    report = build_report(storage.context, clock.advance(hours=1))
    assert report.acknowledgement == [AcknowledgementRow("health_ngo", 2, 4.5, 1, 3)]
    assert report.total.share_in_time == pytest.approx(1 / 3)


def test_an_erased_referral_is_still_counted_under_its_status(
        storage: Storage, clock: FixedClock) -> None:
    code = refer(storage, clock)
    storage.referrals.erase(code, at=clock.advance(hours=1), actor="cli")
    report = build_report(storage.context, clock.advance(days=1))
    assert [(row.status, row.referrals) for row in report.counts] == [("erased", 1)]
    assert report.total.decided == 0  # erased before its deadline: never judged


def test_the_hub_and_since_filters_narrow_both_the_counts_and_the_left_out(
        storage: Storage, clock: FixedClock) -> None:
    refer(storage, clock, hub="hatay")
    refer(storage, clock, hub="hatay", consent=("refer",))
    clock.advance(days=1)
    refer(storage, clock, hub="hatay")
    refer(storage, clock, hub="kilis")
    refer(storage, clock, hub="kilis", consent=("refer",))
    hatay = build_report(storage.context, clock.now(), hub="hatay")
    assert (hatay.counted, hatay.left_out) == (2, 1)
    since = build_report(storage.context, clock.now(), since=date(2026, 11, 1))
    assert (since.counted, since.left_out) == (2, 1)
    assert {row.hub for row in since.counts} == {"hatay", "kilis"}


def test_an_empty_database_gives_an_empty_report(storage: Storage) -> None:
    report = build_report(storage.context, START)
    assert (report.counts, report.acknowledgement, report.counted) == ([], [], 0)
    assert report.total == AcknowledgementRow("all", 0, None, 0, 0)
    assert report.total.share_in_time is None
