"""The facts behind the indicators: each closed-loop count per cell of month, hub, case type
and risk, and per agency cell, over referrals with statistics consent only, read the same
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.report.measures import AGENCY_MEASURES, MEASURES
from storage.report import Escalations, ack_times, count_left_out, read_facts
from storage.stores import Storage
from tests.storage.builders import consent, request

START = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
OCTOBER = (datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
KEY = ("2026-10", "gaziantep", "medical", "high")
ACK = timedelta(hours=4)


def refer(storage: Storage, at: datetime = START, *, agency: str | None = "health_ngo",
          case_hours: float = 48, referrer_id: int | None = None, **changes: Any) -> str:
    """A referral made at ``at`` with a 4-hour acknowledgement clock and a case deadline."""
    made = request(**changes)
    return storage.referrals.create(
        made, referrer_id=referrer_id, agency=agency, at=at,
        acknowledge_by=at + ACK if agency else None, respond_by=at + timedelta(hours=24),
        case_due_at=at + timedelta(hours=case_hours), consent=consent(granted=made.consent))


def move(storage: Storage, code: str, status: str, hours: float, **changes: Any) -> None:
    """A move ``hours`` after START; a forward starts the new agency's own clock, as the
    referral desk does."""
    at = START + timedelta(hours=hours)
    if status == "forwarded":
        changes.setdefault("acknowledge_by", at + ACK)
    changes.setdefault("actor", "staff:1")
    storage.referrals.append_event(code, status, at=at, **changes)


def facts_at(storage: Storage, hours: float, escalations: Escalations | None = None) -> Any:
    return read_facts(storage.context, *OCTOBER, START + timedelta(hours=hours), escalations)


def measures(storage: Storage, hours: float = 24 * 20, key: tuple[str, ...] = KEY,
             escalations: Escalations | None = None) -> dict[str, int]:
    counts = facts_at(storage, hours, escalations).cells[key]
    return dict(zip(MEASURES, counts, strict=True))


def agency_measures(storage: Storage, agency: str, hours: float = 24 * 20,
                    ) -> dict[str, int]:
    counts = facts_at(storage, hours).agencies[("2026-10", "gaziantep", agency)]
    return dict(zip(AGENCY_MEASURES, counts, strict=True))


def test_referrals_are_counted_per_month_hub_case_type_and_risk(storage: Storage) -> None:
    refer(storage)
    refer(storage, START + timedelta(days=1))
    refer(storage, case_type="legal", risk=None, hub=None)
    refer(storage, datetime(2026, 11, 1, tzinfo=UTC))  # the next month: not in October
    facts = facts_at(storage, 24 * 30)
    assert {key: counts[0] for key, counts in facts.cells.items()} == {
        KEY: 2, ("2026-10", "unknown", "legal", "unrated"): 1}


@pytest.mark.parametrize(("scopes", "counted"), [
    (("statistics",), True),
    (("statistics", "refer"), True),
    (("refer", "statistics"), True),
    (("refer", "statistics", "share"), True),
    (("refer", "statistics_later"), False),
    (("nostatistics",), False),
    (("statistics_later", "refer"), False),
    (("refer", "share"), False),
])
def test_statistics_consent_is_the_whole_word_wherever_it_stands(
        storage: Storage, scopes: tuple[str, ...], counted: bool) -> None:
    refer(storage, consent=scopes)
    assert facts_at(storage, 24).cells.get(KEY, [0])[0] == int(counted)
    assert count_left_out(storage.context, *OCTOBER) == int(not counted)


def test_only_referrals_with_statistics_consent_are_counted_the_rest_only_numbered(
        storage: Storage) -> None:
    refer(storage)
    refer(storage, consent=("refer", "share"))
    refer(storage, consent=(), override_reason="immediate_danger")
    refer(storage, consent=("refer", "statistics_later"))
    refer(storage, hub="hatay", consent=("refer",))
    assert measures(storage)["made"] == 1
    assert count_left_out(storage.context, *OCTOBER) == 4
    assert count_left_out(storage.context, *OCTOBER, hub="hatay") == 1


def test_acknowledged_in_time_counts_decided_referrals_only(storage: Storage) -> None:
    in_time = refer(storage)
    move(storage, in_time, "acknowledged", 4)  # at the clock: in time
    late = refer(storage)
    move(storage, late, "acknowledged", 5)
    refer(storage)  # never acknowledged: decided once the clock ran out
    young = refer(storage, START + timedelta(hours=10))  # still within its clock at 11 h
    assert young
    found = measures(storage, hours=11)
    assert (found["ack_in_time"], found["ack_decided"]) == (1, 3)
    assert measures(storage, hours=15)["ack_decided"] == 4


def test_time_to_acknowledge_runs_from_arrival_at_the_agency_that_acknowledged(
        storage: Storage) -> None:
    for hours in (1, 2, 3):
        move(storage, refer(storage), "acknowledged", hours)
    forwarded = refer(storage)
    move(storage, forwarded, "forwarded", 6, agency="law_ngo")
    move(storage, forwarded, "acknowledged", 8)
    times = ack_times(storage.context, *OCTOBER, START + timedelta(hours=24))
    # the first agency's times: 1, 2, 3 h, and never for the forwarded one
    assert times[("*", "all")] == (3, 2.0, 3.0)
    assert times[("hub", "gaziantep")] == times[("case_type", "medical")] == (3, 2.0, 3.0)
    assert times[("agency", "law_ngo")] == (1, 2.0, 2.0)  # from its own arrival at 6 h
    assert times[("agency", "health_ngo")] == (3, 2.0, 3.0)
    assert ack_times(storage.context, *OCTOBER, START, hub="hatay") == {}
    # law_ngo's own clock (4 h from its arrival at 6 h) was kept, health_ngo's ran out
    assert agency_measures(storage, "law_ngo")["ack_in_time"] == 1
    health = agency_measures(storage, "health_ngo")
    assert (health["received"], health["ack_in_time"], health["ack_decided"]) == (4, 3, 4)


def test_a_forwarded_referral_counts_for_the_agency_that_forwarded_it_and_the_holder(
        storage: Storage) -> None:
    code = refer(storage)
    move(storage, code, "acknowledged", 1)
    move(storage, code, "forwarded", 2, agency="law_ngo")
    move(storage, code, "acknowledged", 3)
    move(storage, code, "accepted", 4)
    declined = refer(storage)
    move(storage, declined, "declined", 1)
    # the declined one waits to be passed on at once: its clock is the moment of decline
    assert agency_measures(storage, "health_ngo") == dict(
        made_to=2, received=2, ack_in_time=1, ack_decided=2, accepted=0, declined=1, forwarded_on=1,
        held_now=1, overdue=1)
    assert agency_measures(storage, "law_ngo") == dict(
        made_to=0, received=1, ack_in_time=1, ack_decided=1, accepted=1, declined=0, forwarded_on=0,
        held_now=1, overdue=0)
    found = measures(storage)
    assert (found["made"], found["accepted"], found["declined"], found["forwarded"]) == (
        2, 1, 1, 1)


def test_closed_within_the_case_deadline_which_a_forward_does_not_restart(
        storage: Storage) -> None:
    early = refer(storage, case_hours=48)
    for status, hours in (("acknowledged", 1), ("accepted", 2), ("closed", 30)):
        move(storage, early, status, hours)
    late = refer(storage, case_hours=48)
    for status, hours in (("acknowledged", 1), ("forwarded", 40), ("acknowledged", 41),
                          ("accepted", 42), ("closed", 60)):
        move(storage, late, status, hours, **({"agency": "law_ngo"} if status == "forwarded"
                                              else {}))
    refer(storage, case_hours=48)  # open, deadline passed: decided, not in time
    refer(storage, START + timedelta(days=10), case_hours=48)  # open, deadline ahead
    found = measures(storage, hours=24 * 11)
    assert (found["closed_in_time"], found["case_decided"], found["closed"]) == (1, 3, 2)


def test_closed_referrals_whose_outcome_notice_reached_the_referrer(
        storage: Storage) -> None:
    referrer = storage.staff.enrol(7, "referrer", agency=None, hub="gaziantep",
                                   language="en", at=START)
    codes = [refer(storage, referrer_id=referrer) for _ in range(3)]
    for code in codes:
        for status, hours in (("acknowledged", 1), ("accepted", 2), ("closed", 3)):
            move(storage, code, status, hours)
    delivered = storage.reminders.schedule("status:closed", START, code=codes[0])
    storage.reminders.mark_sent(delivered, START + timedelta(hours=3))
    storage.reminders.schedule("status:closed", START, code=codes[1])  # not sent yet
    sent_other = storage.reminders.schedule("status:accepted", START, code=codes[2])
    storage.reminders.mark_sent(sent_other, START)  # a notice, but not of the outcome
    found = measures(storage)
    assert (found["closed"], found["closed_notified"]) == (3, 1)


def test_escalations_are_told_apart_by_the_role_they_gave_the_agency(
        storage: Storage) -> None:
    escalated = {"actor": "system:escalation"}
    to_backup = refer(storage)
    move(storage, to_backup, "forwarded", 4, agency="backup_ngo", via="backup", **escalated)
    both = refer(storage)
    move(storage, both, "forwarded", 4, agency="backup_ngo", via="backup", **escalated)
    move(storage, both, "forwarded", 8, agency="unhcr", via="coordinator", **escalated)
    by_hand = refer(storage)  # a person, not an escalation
    move(storage, by_hand, "forwarded", 1, agency="backup_ngo", via="backup")
    to_focal_point = refer(storage)  # from a partner to the focal point: neither
    move(storage, to_focal_point, "forwarded", 4, agency="health_ngo", via="focal_point",
         **escalated)
    found = measures(storage)
    assert (found["escalated_backup"], found["escalated_coordinator"], found["forwarded"]) \
        == (2, 1, 4)


def test_overdue_now_counts_open_referrals_whose_running_clock_has_passed(
        storage: Storage) -> None:
    refer(storage)  # sent, clock at 4 h
    waiting = refer(storage)
    move(storage, waiting, "acknowledged", 1)  # now the response clock (24 h) runs
    done = refer(storage)
    for status, hours in (("acknowledged", 1), ("accepted", 2)):
        move(storage, done, status, hours)
    assert measures(storage, hours=5)["overdue"] == 1
    assert measures(storage, hours=25)["overdue"] == 2
    assert agency_measures(storage, "health_ngo", hours=25)["overdue"] == 2


def test_an_erased_referral_is_counted_but_never_judged_after_its_erasure(
        storage: Storage) -> None:
    code = refer(storage)
    storage.referrals.erase(code, at=START + timedelta(hours=1), actor="cli")
    found = measures(storage)
    assert (found["made"], found["ack_decided"], found["case_decided"], found["overdue"]) \
        == (1, 0, 0, 0)
    assert agency_measures(storage, "health_ngo")["held_now"] == 0


def test_an_unrouted_referral_is_made_to_no_agency_and_counted_as_unrouted(
        storage: Storage) -> None:
    refer(storage, agency=None)
    facts = facts_at(storage, 24)
    assert facts.cells[KEY][0] == 1
    assert facts.agencies == {("2026-10", "gaziantep", "unrouted"): [1, 0, 0, 0, 0, 0, 0, 0,
                                                                       0]}


@pytest.mark.parametrize("hours", [0, 24])
def test_an_empty_period_has_no_cells(storage: Storage, hours: float) -> None:
    facts = facts_at(storage, hours)
    assert (facts.cells, facts.agencies) == ({}, {})
