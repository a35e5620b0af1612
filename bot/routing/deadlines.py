"""When an agency must acknowledge and respond, and when it is reminded before that.

Two clocks run on a referral: *acknowledge* (the agency has seen it) and *respond* (the
agency accepted, declined or forwarded it). Both start when the referral reaches the
agency, so a forward restarts them. The directory's table gives the hours per case type
and risk (:class:`~bot.directory.deadlines.DeadlineTable`); the flow that made the
referral may also state a response time (``due_hours`` of its risk level). We keep the
*earlier* of the two: a coordinator may tighten a pathway in either place, and neither can
silently loosen the other.

Reminders fall at fractions of a window (by default half-way and at 90 %), so a high-risk
referral (acknowledge within 4 h) reminds after 2 h and 3 h 36 min.

Times must carry a time zone: a naive time would shift every deadline by the server's
offset from UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.directory.deadlines import DeadlineTable


def require_aware(moment: datetime, what: str = "time") -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must carry a time zone (got naive {moment.isoformat()})")


@dataclass(frozen=True)
class Deadlines:
    sent_at: datetime
    acknowledge_by: datetime
    respond_by: datetime
    reminders_at: tuple[float, ...] = (0.5, 0.9)

    def acknowledge_reminders(self) -> tuple[datetime, ...]:
        return reminder_times(self.sent_at, self.acknowledge_by, self.reminders_at)

    def respond_reminders(self, acknowledged_at: datetime) -> tuple[datetime, ...]:
        return reminder_times(acknowledged_at, self.respond_by, self.reminders_at)


def reminder_times(start: datetime, deadline: datetime, fractions: tuple[float, ...],
                   ) -> tuple[datetime, ...]:
    """The moments at ``fractions`` of the window; none if the window is already closed."""
    window = deadline - start
    if window <= timedelta(0):
        return ()
    return tuple(start + window * fraction for fraction in fractions)


def compute_deadlines(sent_at: datetime, table: DeadlineTable, case_type: str,
                      risk: str | None, urgent: bool = False, due_hours: float | None = None,
                      ) -> Deadlines:
    """Deadlines of a referral that reaches an agency at ``sent_at``."""
    require_aware(sent_at, "sent_at")
    row = table.lookup(case_type, risk, urgent)
    respond = row.respond_hours
    if due_hours is not None and due_hours > 0:
        respond = min(respond, float(due_hours))
    acknowledge = min(row.acknowledge_hours, respond)
    return Deadlines(sent_at, sent_at + timedelta(hours=acknowledge),
                     sent_at + timedelta(hours=respond), table.reminders_at)
