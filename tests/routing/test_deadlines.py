"""Deadlines from risk and urgency, directory overrides, and reminders inside each window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.directory import Deadline, DeadlineTable, load_directory_text
from bot.routing.deadlines import compute_deadlines, reminder_times

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
