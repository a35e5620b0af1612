"""Enrolment invitations (``bot.service.invites.InviteStore``), kept as keyed hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.service.invites import Invite
from storage.models import Invite as InviteRow
from storage.sql import Context


class SqlInviteStore:
    def __init__(self, context: Context) -> None:
        self._context = context

    def add(self, code: str, invite: Invite, at: datetime) -> None:
        with self._context.writing() as db:
            db.add(InviteRow(code_index=self._context.cipher.blind_index(f"invite:{code}"),
                             role=invite.role, agency=invite.agency, hub=invite.hub,
                             created_at=at, expires_at=invite.expires_at))

    def take(self, code: str, at: datetime) -> Invite | None:
        index = self._context.cipher.blind_index(f"invite:{code}")
        with self._context.writing() as db:
            row = db.scalar(select(InviteRow).where(InviteRow.code_index == index))
            if row is None or row.used_at is not None or row.expires_at <= at:
                return None
            row.used_at = at
            return Invite(row.role, row.agency, row.hub, row.expires_at)  # type: ignore[arg-type]
