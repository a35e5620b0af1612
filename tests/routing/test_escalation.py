"""The escalation policy, as a table: remind, escalate along the chain, or wait."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.routing.escalation import OpenReferral, next_action
from bot.routing.route import Via

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CHAIN: tuple[tuple[Via, str], ...] = (
    ("focal_point", "lead"), ("backup", "standby"), ("coordinator", "coord"))


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def referral(status: str = "sent", agency: str = "lead", via: Via = "focal_point",
             since: float = 0, ack: float = 4, respond: float = 48, level: int = 0,
             reminders: int = 0, tried: tuple[str, ...] = ()) -> OpenReferral:
    return OpenReferral(status, agency, via, h(since), h(ack), h(respond), level, reminders,
                        tried)


# (situation, referral, now in hours) -> (kind, agency, via, level, reminders, next check)
TABLE = [
    ("quiet before the first reminder", referral(), 1,
     ("nothing", None, None, 0, 0, h(2))),
    ("first reminder at half the window", referral(), 2,
     ("remind", "lead", "focal_point", 0, 1, h(3.6))),
    ("reminded once, waiting for the second", referral(reminders=1), 3,
     ("nothing", None, None, 0, 1, h(3.6))),
    ("a late worker sends one reminder, not two", referral(), 3.7,
     ("remind", "lead", "focal_point", 0, 2, h(4))),
    ("no acknowledgement by the deadline: backup", referral(reminders=2), 4,
     ("escalate_to_backup", "standby", "backup", 1, 0, None)),
    ("silent backup: hub coordinator",
     referral("forwarded", "standby", "backup", since=4, ack=8, level=1, tried=("lead",)), 8,
     ("escalate_to_coordinator", "coord", "coordinator", 2, 0, None)),
    ("silent coordinator: nobody left",
     referral("forwarded", "coord", "coordinator", since=8, ack=12, level=2,
              tried=("lead", "standby")), 12,
     ("nothing", None, None, 2, 0, None)),
    ("declined by the focal point: backup at once", referral("declined", since=1), 1.5,
     ("escalate_to_backup", "standby", "backup", 1, 0, None)),
    ("declined by the backup: coordinator",
     referral("declined", "standby", "backup", level=1, tried=("lead",)), 5,
     ("escalate_to_coordinator", "coord", "coordinator", 2, 0, None)),
    ("acknowledged: the response clock runs", referral("acknowledged", since=1), 2,
     ("nothing", None, None, 0, 0, h(24.5))),
    ("acknowledged, response half due", referral("acknowledged", since=1), 24.5,
     ("remind", "lead", "focal_point", 0, 1, h(43.3))),
    ("acknowledged but no response by the deadline",
     referral("acknowledged", since=1, reminders=2), 48,
     ("escalate_to_backup", "standby", "backup", 1, 0, None)),
    ("a silent partner escalates to the focal point",
     referral(agency="partner_org", via="partner"), 4,
     ("escalate_to_focal_point", "lead", "focal_point", 1, 0, None)),
    ("never back down the chain to an agency that declined",
     referral("declined", "coord", "coordinator", level=1), 5,
     ("nothing", None, None, 1, 0, None)),
    ("accepted: nothing waits", referral("accepted"), 100,
     ("nothing", None, None, 0, 0, None)),
    ("closed", referral("closed"), 100, ("nothing", None, None, 0, 0, None)),
    ("erased", referral("erased"), 100, ("nothing", None, None, 0, 0, None)),
]


@pytest.mark.parametrize(("open_referral", "now", "expected"), [row[1:] for row in TABLE],
                         ids=[row[0] for row in TABLE])
def test_the_next_action(open_referral: OpenReferral, now: float,
                         expected: tuple[object, ...]) -> None:
    action = next_action(open_referral, CHAIN, h(now))
    assert (action.kind, action.agency, action.via, action.level, action.reminders_sent,
            action.next_check) == expected


def test_the_reason_says_who_was_silent_and_until_when() -> None:
    action = next_action(referral(reminders=2), CHAIN, h(5))
    assert action.reason == "no acknowledgement from lead by 2026-03-02T13:00:00+00:00"


def test_with_nobody_left_the_reason_says_it_is_reported_overdue() -> None:
    action = next_action(referral("forwarded", "coord", "coordinator", tried=("lead",
                                                                              "standby")),
                         CHAIN, h(5))
    assert action.reason.endswith("nobody left to escalate to, the referral stays with coord "
                                  "and is reported overdue")


def test_custom_reminder_fractions_are_used() -> None:
    action = next_action(referral(), CHAIN, h(1), reminders_at=(0.25,))
    assert (action.kind, action.next_check) == ("remind", h(4))
