"""The two clocks of a referral: the case deadline, and each agency's own clocks.

* The **case deadline** is set once, when the person is identified, from their risk: the
  response time of the directory's table for the case type and level, or the flow's own
  ``due_hours`` if shorter (a coordinator may tighten a pathway in either place, and
  neither can silently loosen the other). Forwarding and escalation move the referral;
  they never restart it (DOMAIN.md, "Deadlines run from identification").
* Each agency that receives the referral gets its own **acknowledgement clock** from the
  moment it arrives, and a **response clock**: the case deadline, but never sooner than its
  acknowledgement window ends, so a backup agency never receives a referral already
  overdue. These clocks drive reminders and escalation.

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


def _respond_hours(table: DeadlineTable, case_type: str, risk: str | None, urgent: bool,
                   due_hours: float | None) -> tuple[float, float]:
    row = table.lookup(case_type, risk, urgent)
    respond = row.respond_hours
    if due_hours is not None and due_hours > 0:
        respond = min(respond, float(due_hours))
    return min(row.acknowledge_hours, respond), respond


def case_deadline(identified_at: datetime, table: DeadlineTable, case_type: str,
                  risk: str | None, urgent: bool = False, due_hours: float | None = None,
                  ) -> datetime:
    """The case deadline of a person identified at ``identified_at``; it never restarts."""
    require_aware(identified_at, "identified_at")
    _, respond = _respond_hours(table, case_type, risk, urgent, due_hours)
    return identified_at + timedelta(hours=respond)


def compute_deadlines(sent_at: datetime, table: DeadlineTable, case_type: str,
                      risk: str | None, urgent: bool = False, due_hours: float | None = None,
                      case_due_at: datetime | None = None) -> Deadlines:
    """The clocks of the agency a referral reaches at ``sent_at``.

    With ``case_due_at`` (a forward, an escalation) the response is due at the case
    deadline, or when the agency's acknowledgement window ends if that is later: the
    acknowledgement window is the agency's own and always starts in full.
    """
    require_aware(sent_at, "sent_at")
    acknowledge, respond = _respond_hours(table, case_type, risk, urgent, due_hours)
    acknowledge_by = sent_at + timedelta(hours=acknowledge)
    respond_by = sent_at + timedelta(hours=respond)
    if case_due_at is not None:
        require_aware(case_due_at, "case_due_at")
        respond_by = max(acknowledge_by, min(respond_by, case_due_at))
    return Deadlines(sent_at, acknowledge_by, respond_by, table.reminders_at)
