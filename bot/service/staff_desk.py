"""Staff as a coordinator manages them in the console: invite, list, cancel, revoke, each
within the coordinator's scope.

A national coordinator (no hub) sees and manages everyone and is the only one who invites
coordinators. A hub coordinator sees the members and invitations of their own hub only,
invites referrers and focal points to it, and cancels or revokes only those. Nobody revokes
themselves here (a console with no coordinator left could only be recovered from a shell).

Revoking is the same whatever asks for it (``intake staff revoke``, the console):
:func:`revoke_member` ends the member's access, queues their referral cards and contact
reveals to be taken back from their chat, and erases a referrer's intake in progress, all in
one transaction with its audit entries and the end of their console sessions (which
``bot.console.sessions`` would refuse anyway: it checks the member is active).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.ports import AuditLog, Clock, NotFound, Role, Staff
from bot.service.invites import Invite, InviteDesk, check_days, check_label

Unit = Callable[[], AbstractContextManager[object]]
ROLES: tuple[Role, ...] = ("referrer", "focal_point", "coordinator")
#: What a hub coordinator may invite and manage.
HUB_ROLES: tuple[Role, ...] = ("referrer", "focal_point")


class Members(Protocol):
    def get(self, staff_id: int) -> Staff: ...

    def everyone(self) -> list[Staff]: ...

    def telegram_id(self, staff_id: int) -> int: ...

    def set_active(self, staff_id: int, active: bool, at: datetime | None = None) -> None: ...


class TakeBack(Protocol):
    def revoked(self, staff_id: int, at: datetime) -> int: ...


class Intakes(Protocol):
    def load(self, chat_id: int) -> Any: ...

    def delete(self, chat_id: int) -> None: ...


class ConsoleSessions(Protocol):
    def end_all(self, staff_id: int) -> int:
        """End every console session of the member; how many there were."""


class OutOfScope(PermissionError):
    """The coordinator may not do this (another hub's member, a coordinator invitation by
    a hub coordinator): the console answers 403 and nothing changes."""


class InvalidInvite(ValueError):
    """What the form asks for cannot be an invitation; the message says why."""


@dataclass(frozen=True)
class Revoked:
    member: Staff
    #: Cards and reveals queued to be taken back from their chat.
    taken_back: int
    #: A referrer's intake in progress was erased.
    dropped: bool
    #: Console sessions ended.
    signed_out: int = 0


def revoke_member(staff: Members, messages: TakeBack, sessions: Intakes, audit: AuditLog,
                  unit: Unit, member: Staff, actor: str, now: datetime,
                  consoles: ConsoleSessions | None = None) -> Revoked:
    """End ``member``'s access for good, with everything that follows from it."""
    with unit():
        staff.set_active(member.id, False, now)
        audit.record(actor, "revoke", None, now, subject=f"staff:{member.id}")
        signed_out = consoles.end_all(member.id) if consoles is not None else 0
        removed = messages.revoked(member.id, now)
        chat = staff.telegram_id(member.id)  # a private chat's id is the member's own
        # Loaded first: in a unit the row is locked, so a step of theirs in flight ends first.
        dropped = member.role == "referrer" and sessions.load(chat) is not None
        if dropped:
            sessions.delete(chat)
            audit.record(actor, "drop_intake", None, now, subject=f"staff:{member.id}")
    return Revoked(member, removed, dropped, signed_out)


@dataclass(frozen=True)
class Scope:
    """Whose staff a coordinator manages: ``hub`` None is national."""

    staff_id: int
    hub: str | None

    @property
    def national(self) -> bool:
        return self.hub is None

    def covers(self, role: str, hub: str | None) -> bool:
        return self.national or (hub == self.hub and role in HUB_ROLES)


class StaffDesk:
    def __init__(self, staff: Members, invites: InviteDesk, messages: TakeBack,
                 sessions: Intakes, audit: AuditLog, clock: Clock, unit: Unit,
                 consoles: ConsoleSessions | None = None) -> None:
        self.staff = staff
        self.consoles = consoles
        self.invites = invites
        self.messages = messages
        self.sessions = sessions
        self.audit = audit
        self.clock = clock
        self.unit = unit

    def members(self, scope: Scope) -> list[Staff]:
        """Everyone the coordinator may see, revoked members included, by id."""
        return [m for m in self.staff.everyone() if scope.national or m.hub == scope.hub]

    def pending(self, scope: Scope) -> list[Invite]:
        return [i for i in self.invites.pending() if scope.national or i.hub == scope.hub]

    def roles(self, scope: Scope) -> tuple[Role, ...]:
        return ROLES if scope.national else HUB_ROLES

    def invite(self, scope: Scope, *, role: str, agency: str | None, hub: str | None,
               label: str | None, days: int, agencies: set[str], hubs: set[str],
               ) -> tuple[str, Invite]:
        """A new one-time invitation; returns its code (shown once) and the invitation.
        ``agencies``, ``hubs``: the ids the directory knows."""
        if role not in ROLES:
            raise InvalidInvite(f"unknown role '{role}'")
        if not scope.national:
            if role not in HUB_ROLES:
                raise OutOfScope("only a national coordinator invites coordinators")
            if hub not in (None, scope.hub):
                raise OutOfScope(f"a hub coordinator invites to their own hub ({scope.hub})")
            hub = scope.hub
        try:
            valid_for: timedelta = check_days(days)
            label = check_label(label) if label else None
        except ValueError as error:
            raise InvalidInvite(str(error).replace("--days", "days")) from None
        if role == "focal_point" and not agency:
            raise InvalidInvite("a focal point needs an agency")
        if agency and agency not in agencies:
            raise InvalidInvite(f"unknown agency '{agency}'")
        if hub and hub not in hubs:
            raise InvalidInvite(f"unknown hub '{hub}'")
        return self.invites.create(role, agency or None, hub or None,
                                   valid_for, actor=f"staff:{scope.staff_id}", label=label)

    def cancel(self, scope: Scope, invite_id: int) -> None:
        """Cancel a pending invitation in scope; ``NotFound`` if there is none such."""
        found = next((i for i in self.invites.pending() if i.id == invite_id), None)
        if found is None:
            raise NotFound(f"no pending invitation {invite_id}")
        if not scope.covers(found.role, found.hub):
            raise OutOfScope("this invitation is not for your hub")
        self.invites.cancel(invite_id, actor=f"staff:{scope.staff_id}")

    def member(self, scope: Scope, staff_id: int) -> Staff:
        """A member the coordinator may revoke; ``NotFound``, ``OutOfScope`` otherwise."""
        member = self.staff.get(staff_id)
        if not scope.covers(member.role, member.hub):
            raise OutOfScope("this member is not one you manage")
        return member

    def revoke(self, scope: Scope, staff_id: int) -> Revoked:
        member = self.member(scope, staff_id)
        if member.id == scope.staff_id:
            raise OutOfScope("you cannot revoke yourself")
        if not member.active:
            raise NotFound(f"staff member {staff_id} is already revoked")
        return revoke_member(self.staff, self.messages, self.sessions, self.audit, self.unit,
                             member, f"staff:{scope.staff_id}", self.clock.now(),
                             self.consoles)
