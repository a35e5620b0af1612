"""Deadlines from risk and urgency, directory overrides, and reminders inside each window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.directory import Deadline, DeadlineTable, load_directory_text
from bot.routing.deadlines import case_deadline, compute_deadlines, reminder_times

SENT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DEFAULTS = DeadlineTable()


@pytest.mark.parametrize(("case_type", "risk", "urgent", "due_hours", "acknowledge",
                          "respond"), [
    ("protection", "high", False, None, 4, 48),      # PwSN high: within 48 hours
    ("protection", "medium", False, None, 24, 168),  # within 7 days
    ("protection", "low", False, None, 72, 336),     # within 2 weeks
    ("child_protection", "high", False, None, 1, 24),
    ("child_protection", "medium", False, None, 24, 72),  # within 3 days
    ("child_protection", "low", False, None, 72, 168),    # within a week
    ("gbv", None, False, None, 4, 48),               # not rated: treated as high
    ("child_protection", "none", False, None, 72, 168),  # "no risk" is at least low
    ("legal", "low", True, None, 1, 24),             # urgent shortens both clocks
    ("protection", "high", False, 24, 4, 24),        # the flow's shorter time wins
    ("protection", "medium", False, 336, 24, 168),   # ... and a longer one never loosens
    ("protection", "low", False, 2, 2, 2),           # acknowledgement never after response
])
def test_deadlines_follow_the_sops(case_type: str, risk: str | None, urgent: bool,
                                   due_hours: float | None, acknowledge: float,
                                   respond: float) -> None:
    due = compute_deadlines(SENT, DEFAULTS, case_type, risk, urgent, due_hours)
    assert due.acknowledge_by - SENT == timedelta(hours=acknowledge)
    assert due.respond_by - SENT == timedelta(hours=respond)


def test_a_directory_override_changes_only_its_row() -> None:
    directory = load_directory_text(
        "hubs: {kilis: {names: {en: Kilis}}}\n"
        "deadlines:\n  case_types:\n    legal:\n      medium: {respond_hours: 96}\n", "d.yaml")
    table = directory.deadlines
    assert table.lookup("legal", "medium") == Deadline(24, 96)
    assert table.lookup("medical", "medium") == Deadline(24, 168)


def test_reminders_fall_at_half_and_ninety_percent_of_the_window() -> None:
    due = compute_deadlines(SENT, DEFAULTS, "protection", "high")
    assert due.acknowledge_reminders() == (SENT + timedelta(hours=2),
                                           SENT + timedelta(hours=3, minutes=36))
    acknowledged = SENT + timedelta(hours=8)
    assert due.respond_reminders(acknowledged) == (acknowledged + timedelta(hours=20),
                                                   acknowledged + timedelta(hours=36))


def test_a_closed_window_has_no_reminders() -> None:
    assert reminder_times(SENT, SENT - timedelta(hours=1), (0.5,)) == ()


def test_a_time_without_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="must carry a time zone"):
        compute_deadlines(datetime(2026, 3, 2, 9, 0), DEFAULTS, "legal", "high")


@pytest.mark.parametrize(("case_type", "risk", "due_hours", "hours"), [
    ("protection", "high", None, 48),
    ("protection", "low", None, 336),   # PwSN low risk: within two weeks
    ("child_protection", "high", None, 24),
    ("protection", "high", 24, 24),     # the flow's shorter time wins here too
])
def test_the_case_deadline_runs_from_identification(case_type: str, risk: str,
                                                     due_hours: float | None,
                                                     hours: float) -> None:
    due = case_deadline(SENT, DEFAULTS, case_type, risk, due_hours=due_hours)
    assert due - SENT == timedelta(hours=hours)


@pytest.mark.parametrize(("after", "acknowledge", "respond"), [
    (2, 4, 46),    # forwarded early: respond by the case deadline, not 48 h from now
    (40, 4, 8),    # late: the case deadline is still ahead, the agency acknowledges first
    (46, 4, 4),    # the case deadline falls inside the acknowledgement window
    (60, 4, 4),    # already past it: the agency still gets its full acknowledgement window
])
def test_a_forward_keeps_the_case_deadline_and_gives_the_agency_its_own_clock(
        after: float, acknowledge: float, respond: float) -> None:
    case_due = case_deadline(SENT, DEFAULTS, "protection", "high")
    moved = SENT + timedelta(hours=after)
    due = compute_deadlines(moved, DEFAULTS, "protection", "high", case_due_at=case_due)
    assert due.acknowledge_by - moved == timedelta(hours=acknowledge)
    assert due.respond_by - moved == timedelta(hours=respond)
    assert due.acknowledge_by > moved  # never overdue on arrival


def test_a_naive_case_deadline_is_refused() -> None:
    with pytest.raises(ValueError, match="case_due_at must carry a time zone"):
        compute_deadlines(SENT, DEFAULTS, "protection", "high",
                          case_due_at=datetime(2026, 3, 4, 9, 0))
