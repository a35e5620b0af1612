"""The referral desk: send a referral to its agency, and let that agency act on it.

Every move is checked three times: the actor must be an active focal point of the agency
the referral is with (anyone else is refused and audited), the lifecycle must allow it, and
the change, its audit entry and the messages it causes are written in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime

from bot.directory.model import Directory
from bot.engine.events import ConsentRecorded, ReferralRequested
from bot.ports import AuditLog, Clock, ReferralRecord, ReferralStore, ReminderQueue, Staff
from bot.routing import lifecycle
from bot.routing.deadlines import case_deadline, compute_deadlines
from bot.routing.partners import may_receive
from bot.routing.route import NoRoute, Route, route
from bot.service import outbox

Unit = Callable[[], AbstractContextManager[object]]
#: The open statuses in which the agency holding a referral has to answer it.
AWAITING_AGENCY = tuple(s for s in lifecycle.OPEN if s != "declined")
#: The statuses in which a referral is still the holding agency's to act on: its answer
#: awaited, or accepted and not yet closed.
IN_HAND = (*AWAITING_AGENCY, "accepted")


class Refused(Exception):
    """The actor may not do this; the message is safe to show them. ``code`` is set when
    the refusal is to be audited (a try on a referral that is not the actor's)."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Submitted:
    code: str
    route: Route | NoRoute


def staff_actor(staff: Staff) -> str:
    return f"staff:{staff.id}"


@dataclass
class ReferralDesk:
    referrals: ReferralStore
    reminders: ReminderQueue
    audit: AuditLog
    directory: Directory
    clock: Clock
    unit: Unit
    #: Whether an agency has an active focal point enrolled: a partner the referrer chose
    #: must have one (``bot.routing.partners``). None: no partner choice is honoured.
    enrolled: Callable[[str], bool] | None = None

    # -- sending -------------------------------------------------------------------------
    def submit(self, request: ReferralRequested, referrer: Staff,
               consent: ConsentRecorded | None, partner: str | None = None) -> Submitted:
        """Route and store a referral; the caller's transaction makes it stick or vanish.

        A partner the referrer chose in the flow (``request.partner``) is honoured only if it
        is still one the service map offers, with a focal point enrolled; else the referral
        goes to the hub's focal point as usual.

        The consent stored is the one the referral was made under (``request.consent_record``);
        ``consent`` is for a request that carries none (one built by hand), and must be that
        same record when both are given, so no other consent is ever stored for it."""
        if request.consent_record is not None:
            if consent is not None and consent != request.consent_record:
                raise ValueError("a referral is stored with the consent it was made under, "
                                 "not another one")
            consent = request.consent_record
        now = self.clock.now()
        directory = self.directory.current()  # one directory for the whole routing
        if partner is None and request.partner is not None and self.enrolled is not None \
                and may_receive(directory, request.hub or "", request.case_type,
                                request.partner, self.enrolled):
            partner = request.partner
        decision = route(request, directory, partner)
        case_type = decision.case_type
        case_due = case_deadline(now, directory.deadlines, case_type, request.risk,
                                 request.urgent, request.due_hours)
        if isinstance(decision, NoRoute):
            code = self.referrals.create(request, referrer_id=referrer.id, agency=None, at=now,
                                         consent=consent, case_due_at=case_due)
            self.reminders.schedule(outbox.UNROUTED, now, code=code)
            self.audit.record(staff_actor(referrer), "refer_unrouted", code, now)
            return Submitted(code, decision)
        deadlines = compute_deadlines(now, directory.deadlines, decision.case_type,
                                      request.risk, request.urgent, request.due_hours)
        code = self.referrals.create(
            request, referrer_id=referrer.id, agency=decision.agency, at=now,
            acknowledge_by=deadlines.acknowledge_by, respond_by=deadlines.respond_by,
            via=decision.via, hub=decision.hub, consent=consent, case_due_at=case_due)
        self.reminders.schedule(outbox.CARD, now, code=code, agency=decision.agency)
        self.reminders.schedule(outbox.CHECK, self._first_check(deadlines.sent_at,
                                                                deadlines.acknowledge_by),
                                code=code, agency=decision.agency)
        self.audit.record(staff_actor(referrer), "refer", code, now)
        return Submitted(code, decision)

    @staticmethod
    def _first_check(start: datetime, deadline: datetime) -> datetime:
        return start + (deadline - start) / 2

    # -- acting --------------------------------------------------------------------------
    def _held_by(self, staff: Staff, code: str, action: str) -> ReferralRecord:
        record = self.referrals.get(code)
        if (not staff.active or staff.role not in ("focal_point", "coordinator")
                or record.agency is None or staff.agency != record.agency):
            raise Refused("This referral is not with your agency.", record.code)
        return record

    @contextmanager
    def _guard(self, staff: Staff, action: str) -> Iterator[None]:
        """One transaction; a refusal rolls it back, then is audited in its own."""
        try:
            with self.unit():
                yield
        except Refused as refusal:
            if refusal.code is not None:
                with self.unit():
                    self.audit.record(staff_actor(staff), f"refused_{action}", refusal.code,
                                      self.clock.now())
            raise

    def act(self, staff: Staff, code: str, action: str, arg: str | None = None) -> str:
        """acknowledge | accept | decline(reason) | forward(agency) | close(outcome).

        Accepting or declining a referral nobody acknowledged yet acknowledges it first, in
        the same transaction: the card offers the decision, not the bookkeeping step."""
        with self._guard(staff, action):
            record = self._held_by(staff, code, action)
            if action in ("accept", "decline") and record.status in ("sent", "forwarded"):
                self._move(staff, record, "acknowledge", None)
                record = self.referrals.get(record.code)
            return self._move(staff, record, action, arg)

    def _move(self, staff: Staff, record: ReferralRecord, action: str, arg: str | None) -> str:
        now = self.clock.now()
        try:
            move = lifecycle.move(record.status, action, staff_actor(staff), now,
                                  reason=arg if action != "forward" else None,
                                  agency=arg if action == "forward" else None)
        except lifecycle.LifecycleError as error:
            raise Refused(str(error)) from None
        changes: dict[str, object] = {}
        if action == "forward":
            directory = self.directory.current()
            target = directory.find_agency(arg or "")
            if target is None:
                raise Refused("That agency is not in the directory.")
            deadlines = compute_deadlines(now, directory.deadlines, record.case_type,
                                          record.risk, record.urgent,
                                          case_due_at=record.case_due_at)
            changes = {"agency": target.id, "via": "forwarded",
                       "acknowledge_by": deadlines.acknowledge_by,
                       "respond_by": deadlines.respond_by}
            self.reminders.cancel(record.code, kinds=(outbox.CARD, outbox.CHECK))
            self.reminders.schedule(outbox.CARD, now, code=record.code, agency=target.id)
            self.reminders.schedule(outbox.CHECK, self._first_check(
                now, deadlines.acknowledge_by), code=record.code, agency=target.id)
        self.referrals.append_event(record.code, move.to_status, at=now, actor=move.actor,
                                    reason=move.reason, **changes)  # type: ignore[arg-type]
        if action in ("accept", "close", "acknowledge"):
            self.reminders.cancel(record.code, kinds=(outbox.CHECK,))
        if action == "acknowledge" and record.respond_by:
            self.reminders.schedule(outbox.CHECK, self._first_check(now, record.respond_by),
                                    code=record.code, agency=record.agency)
        if action == "decline":
            self.reminders.schedule(outbox.CHECK, now, code=record.code, agency=record.agency)
        self.reminders.schedule(outbox.status_kind(move.to_status), now, code=record.code)
        self.audit.record(staff_actor(staff), action, record.code, now)
        return move.to_status

    def reveal(self, staff: Staff, code: str) -> dict[str, object]:
        """Contact details, only for the agency that accepted; every reveal is audited."""
        with self._guard(staff, "reveal"):
            record = self._held_by(staff, code, "reveal")
            if record.status != "accepted":
                raise Refused("Contact details are shown only after you accept the referral.",
                              record.code)
            contact = self.referrals.reveal_contact(record.code)
            self.audit.record(staff_actor(staff), "reveal", record.code, self.clock.now())
            return contact

    def view(self, staff: Staff, code: str) -> ReferralRecord:
        with self._guard(staff, "view"):
            record = self._held_by(staff, code, "view")
            self.audit.record(staff_actor(staff), "view", record.code, self.clock.now())
            return record

    def inbox(self, staff: Staff) -> list[ReferralRecord]:
        """The agency's referrals still in hand, the most urgent deadline first: awaiting its
        answer, or accepted and not yet closed (closing is its last step). One it declined is
        left out: the agency has answered, and the referral waits on the next agency of the
        hub's chain or the coordinators, not on it (its card offers it nothing more)."""
        if staff.role not in ("focal_point", "coordinator") or not staff.agency:
            return []
        mine = [r for r in self.referrals.open()
                if r.agency == staff.agency and r.status in IN_HAND]
        far = datetime.max.replace(tzinfo=self.clock.now().tzinfo)
        return sorted(mine, key=lambda r: r.due_at or far)
