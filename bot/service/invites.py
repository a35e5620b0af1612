"""Enrolment by invitation: a coordinator makes a one-time, expiring code; the staff member
opens the deep link ``t.me/<bot>?start=<code>`` and is enrolled with the role, agency and hub
the coordinator chose. Codes are stored only as a keyed hash; a used or expired code, like a
made-up one, gets the same neutral answer as any stranger."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.ports import AuditLog, Clock, Role, Staff, StaffStore

Unit = Callable[[], AbstractContextManager[object]]
#: Deep-link payloads are limited to 64 characters of [A-Za-z0-9_-].
CODE_BYTES = 18


@dataclass(frozen=True)
class Invite:
    role: Role
    agency: str | None
    hub: str | None
    expires_at: datetime


class InviteStore(Protocol):
    def add(self, code: str, invite: Invite, at: datetime) -> None: ...

    def take(self, code: str, at: datetime) -> Invite | None:
        """The invite if the code is known, unused and unexpired; it is used up at once."""


@dataclass
class InviteDesk:
    invites: InviteStore
    staff: StaffStore
    audit: AuditLog
    clock: Clock
    unit: Unit

    def create(self, role: Role, agency: str | None, hub: str | None,
               valid_for: timedelta, actor: str = "cli") -> tuple[str, Invite]:
        now = self.clock.now()
        code = secrets.token_urlsafe(CODE_BYTES)
        invite = Invite(role, agency, hub, now + valid_for)
        with self.unit():
            self.invites.add(code, invite, now)
            self.audit.record(actor, "invite", None, now)
        return code, invite

    def redeem(self, code: str, telegram_id: int, language: str) -> Staff | None:
        now = self.clock.now()
        with self.unit():
            invite = self.invites.take(code, now)
            if invite is None:
                self.audit.record("stranger", "refused_invite", None, now)
                return None
            existing = self.staff.by_telegram(telegram_id)
            if existing is not None and existing.active:
                return existing
            staff_id = self.staff.enrol(telegram_id, invite.role, agency=invite.agency,
                                        hub=invite.hub, language=language, at=now)
            self.audit.record(f"staff:{staff_id}", "enrol", None, now)
            return self.staff.get(staff_id)


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"
