"""Enrolment by invitation: a coordinator makes a one-time, expiring code; the staff member
opens the deep link ``t.me/<bot>?start=<code>`` and is enrolled with the role, agency, hub
and label the coordinator chose. Codes are stored only as a keyed hash; a used, expired or
cancelled code, like a made-up one, gets the same neutral answer as any stranger."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from bot.ports import AuditLog, Clock, NotFound, Role, Staff, StaffStore

Unit = Callable[[], AbstractContextManager[object]]
#: Deep-link payloads are limited to 64 characters of [A-Za-z0-9_-].
CODE_BYTES = 18
#: How long an invitation may stay valid: a link that lies around for months is a way in.
MAX_DAYS = 30
LABEL_LENGTH = 80
#: Five digits in a row, spaces, dots, dashes and brackets between them aside, look like a
#: phone number, not like a role.
_PHONE_LIKE = re.compile(r"\d(?:[\s().-]*\d){4}")


@dataclass(frozen=True)
class Invite:
    role: Role
    agency: str | None
    hub: str | None
    expires_at: datetime
    label: str | None = None
    id: int | None = None  # set once stored
    created_at: datetime | None = None


class InviteStore(Protocol):
    def add(self, code: str, invite: Invite, at: datetime) -> int:
        """Store the invitation; returns its id."""

    def take(self, code: str, at: datetime) -> Invite | None:
        """The invite if the code is known, unused and unexpired; it is used up at once."""

    def pending(self, at: datetime) -> list[Invite]:
        """Invitations neither used nor expired at ``at``."""

    def cancel(self, invite_id: int, at: datetime) -> bool:
        """Withdraw a pending invitation; False if none with this id is pending."""


def check_label(label: str) -> str:
    """A staff label describes a role ("MSF clinic nurse, Gaziantep"), never a person: it is
    shown in lists and kept in the clear. Returns it trimmed; ``ValueError`` says what is
    wrong with it."""
    text = " ".join(label.split())
    if not text:
        raise ValueError("a label cannot be empty")
    if len(text) > LABEL_LENGTH:
        raise ValueError(f"a label is at most {LABEL_LENGTH} characters (this one has "
                         f"{len(text)})")
    if "@" in text or _PHONE_LIKE.search(text) or not text.isprintable():
        raise ValueError("a label describes a role, such as 'MSF clinic nurse, Gaziantep': "
                         "no phone numbers, e-mail addresses or @usernames")
    return text


def check_days(days: int) -> timedelta:
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"--days must be between 1 and {MAX_DAYS} (got {days})")
    return timedelta(days=days)


@dataclass
class InviteDesk:
    invites: InviteStore
    staff: StaffStore
    audit: AuditLog
    clock: Clock
    unit: Unit

    def create(self, role: Role, agency: str | None, hub: str | None,
               valid_for: timedelta, actor: str = "cli",
               label: str | None = None) -> tuple[str, Invite]:
        if valid_for <= timedelta(0) or valid_for > timedelta(days=MAX_DAYS):
            raise ValueError(f"an invitation is valid for 1 to {MAX_DAYS} days")
        now = self.clock.now()
        code = secrets.token_urlsafe(CODE_BYTES)
        invite = Invite(role, agency, hub, now + valid_for,
                        check_label(label) if label is not None else None, created_at=now)
        with self.unit():
            invite = replace(invite, id=self.invites.add(code, invite, now))
            self.audit.record(actor, "invite", None, now, subject=f"invite:{invite.id}")
        return code, invite

    def pending(self) -> list[Invite]:
        with self.unit():
            return self.invites.pending(self.clock.now())

    def cancel(self, invite_id: int, actor: str = "cli") -> None:
        """Withdraw a pending invitation; ``NotFound`` if none with this id is pending."""
        now = self.clock.now()
        with self.unit():
            if not self.invites.cancel(invite_id, now):
                raise NotFound(f"no pending invitation {invite_id}")
            self.audit.record(actor, "cancel_invite", None, now, subject=f"invite:{invite_id}")

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
                                        hub=invite.hub, language=language, at=now,
                                        label=invite.label)
            self.audit.record(f"staff:{staff_id}", "enrol", None, now,
                              subject=f"invite:{invite.id}" if invite.id else None)
            return self.staff.get(staff_id)


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"
