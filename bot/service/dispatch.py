"""The dispatcher: turns due rows of the queue into deliveries, and carries out escalation.

A ``check`` row asks :func:`bot.routing.escalation.next_action` what the referral's clock
says: remind the agency, escalate (a ``forward`` to the next agency of the chain, with a new
card, that agency's own clocks and a notice to the referrer; the case deadline stays), or
nothing yet. Every other row is a message to deliver. Rows are claimed with ``FOR UPDATE
SKIP LOCKED`` on PostgreSQL, so several processes may dispatch at once and none sends twice.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from bot.directory.model import Directory
from bot.ports import (
    AuditLog,
    Clock,
    ReferralRecord,
    ReferralStore,
    Reminder,
    ReminderQueue,
    Staff,
    StaffStore,
)
from bot.routing import lifecycle
from bot.routing.deadlines import compute_deadlines
from bot.routing.escalation import OpenReferral, next_action
from bot.routing.route import escalation_chain
from bot.service import outbox

Unit = Callable[[], AbstractContextManager[object]]
SYSTEM = "system:escalation"


@dataclass(frozen=True)
class Delivery:
    """One message for the channel to send, to each recipient."""

    reminder_id: int
    kind: str  # card | status | reminder | erasure_notice | unrouted
    record: ReferralRecord | None
    recipients: tuple[Staff, ...]
    status: str | None = None  # the status a status notice announces
    #: The agency an erasure notice is for (it may have held the referral before).
    agency: str | None = None
    #: An erasure notice for this agency, going to coordinators: it has no focal point.
    instead_of: str | None = None


@dataclass
class Dispatcher:
    referrals: ReferralStore
    reminders: ReminderQueue
    staff: StaffStore
    audit: AuditLog
    directory: Directory
    clock: Clock
    unit: Unit

    def claim(self, worker: str, limit: int = 50) -> list[Delivery]:
        """Claim due rows; checks are carried out here, the rest come back to be sent."""
        deliveries = []
        for reminder in self.reminders.claim_due(worker, self.clock.now(), limit):
            with self.unit():
                delivery = self._resolve(reminder)
            if delivery is None:
                self.reminders.mark_sent(reminder.id, self.clock.now())
            else:
                deliveries.append(delivery)
        return deliveries

    def sent(self, delivery: Delivery) -> None:
        self.reminders.mark_sent(delivery.reminder_id, self.clock.now())

    def unreachable(self, member: Staff) -> list[Staff]:
        """Telegram refused delivery (the bot is blocked): flag it; the hub's coordinators
        are returned so the channel can tell them."""
        self.staff.set_unreachable(member.id, True)
        self.audit.record(f"staff:{member.id}", "unreachable", None, self.clock.now())
        return [c for c in self.staff.members(role="coordinator", hub=member.hub)
                if c.id != member.id]

    def _resolve(self, reminder: Reminder) -> Delivery | None:
        record = self.referrals.get(reminder.code) if reminder.code else None
        if record is None:
            return None
        if reminder.kind == outbox.CHECK:
            return self._check(reminder, record)
        if record.erased and reminder.kind not in outbox.ERASURE_NOTICES:
            return None
        if reminder.kind in outbox.TO_REFERRER:
            if record.referrer_id is None:  # the member was deleted: no one to tell
                return None
            return Delivery(reminder.id, reminder.kind, record,
                            (self.staff.get(record.referrer_id),))
        status = outbox.announced(reminder.kind)
        if status is not None or reminder.kind == outbox.STATUS:
            if record.referrer_id is None:
                return None
            return Delivery(reminder.id, outbox.STATUS, record,
                            (self.staff.get(record.referrer_id),), status or record.status)
        if reminder.kind == outbox.UNROUTED:
            coordinators = self.staff.members(role="coordinator", hub=record.hub) or \
                self.staff.members(role="coordinator")
            return Delivery(reminder.id, outbox.UNROUTED, record, tuple(coordinators))
        agency = reminder.agency or record.agency
        if reminder.kind == outbox.CARD and agency != record.agency:
            return None  # forwarded since: the card would go to the wrong agency
        members = tuple(self.staff.members(role="focal_point", agency=agency))
        if reminder.kind not in outbox.ERASURE_NOTICES:
            return Delivery(reminder.id, reminder.kind, record, members)
        if not members:
            return Delivery(reminder.id, reminder.kind, record, self.coordinators(record),
                            agency=agency, instead_of=agency)
        return Delivery(reminder.id, reminder.kind, record, members, agency=agency)

    def coordinators(self, record: ReferralRecord) -> tuple[Staff, ...]:
        """Who answers for an agency no one of which can be told: the coordinators of the
        referral's hub, else every coordinator."""
        return tuple(self.staff.members(role="coordinator", hub=record.hub)
                     or self.staff.members(role="coordinator"))

    def _check(self, reminder: Reminder, record: ReferralRecord) -> Delivery | None:
        if record.agency is None or record.hub is None or record.status not in lifecycle.OPEN:
            return None
        now = self.clock.now()
        tried = tuple(e.agency for e in self.referrals.events(record.code)
                      if e.agency and e.agency != record.agency)
        state = OpenReferral(
            record.status, record.agency, record.via or "focal_point",  # type: ignore[arg-type]
            record.status_since, record.acknowledge_by or now, record.respond_by or now,
            record.escalation_level, record.reminders_sent, tried)
        directory = self.directory.current()  # one directory for the whole check
        chain = escalation_chain(directory, record.hub, record.case_type)
        action = next_action(state, chain, now, directory.deadlines.reminders_at)
        if action.next_check is not None and action.kind == "nothing":
            self.reminders.schedule(outbox.CHECK, action.next_check, code=record.code,
                                    agency=record.agency)
        if action.kind == "remind":
            self.referrals.reminded(record.code)
            if action.next_check is not None:
                self.reminders.schedule(outbox.CHECK, action.next_check, code=record.code,
                                        agency=record.agency)
            members = tuple(self.staff.members(role="focal_point", agency=record.agency))
            return Delivery(reminder.id, "reminder", record, members)
        if action.kind.startswith("escalate") and action.agency:
            self._escalate(directory, record, action.agency, action.via or "focal_point",
                           action.level, action.reason)
        return None

    def _escalate(self, directory: Directory, record: ReferralRecord, agency: str, via: str,
                  level: int, why: str) -> None:
        now = self.clock.now()
        move = lifecycle.forward(record.status, SYSTEM, now, agency, reason=why)
        deadlines = compute_deadlines(now, directory.deadlines, record.case_type,
                                      record.risk, record.urgent,
                                      case_due_at=record.case_due_at)
        self.referrals.append_event(record.code, move.to_status, at=now, actor=SYSTEM,
                                    agency=agency, reason="escalated", via=via,
                                    acknowledge_by=deadlines.acknowledge_by,
                                    respond_by=deadlines.respond_by, escalation_level=level)
        self.reminders.schedule(outbox.CARD, now, code=record.code, agency=agency)
        self.reminders.schedule(outbox.CHECK, now + (deadlines.acknowledge_by - now) / 2,
                                code=record.code, agency=agency)
        self.reminders.schedule(outbox.status_kind(move.to_status), now, code=record.code)
        self.audit.record(SYSTEM, "escalate", record.code, now)
