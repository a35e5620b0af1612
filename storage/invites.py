"""Enrolment invitations (``bot.service.invites.InviteStore``), kept as keyed hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from bot.service.invites import Invite
from storage.models import Invite as InviteRow
from storage.sql import Context, rowcount


class SqlInviteStore:
    def __init__(self, context: Context) -> None:
        self._context = context

    def add(self, code: str, invite: Invite, at: datetime) -> int:
        with self._context.writing() as db:
            row = InviteRow(code_index=self._context.cipher.blind_index(f"invite:{code}"),
                            role=invite.role, agency=invite.agency, hub=invite.hub,
                            label=invite.label, created_at=at, expires_at=invite.expires_at)
            db.add(row)
            db.flush()
            return row.id

    def take(self, code: str, at: datetime) -> Invite | None:
        index = self._context.cipher.blind_index(f"invite:{code}")
        with self._context.writing() as db:
            row = db.scalar(select(InviteRow).where(InviteRow.code_index == index))
            if row is None or row.used_at is not None or row.expires_at <= at:
                return None
            row.used_at = at
            return _invite(row)

    def pending(self, at: datetime) -> list[Invite]:
        """Invitations neither used nor expired at ``at``, the soonest to expire first."""
        with self._context.reading() as db:
            rows = db.scalars(select(InviteRow)
                              .where(InviteRow.used_at.is_(None), InviteRow.expires_at > at)
                              .order_by(InviteRow.expires_at, InviteRow.id))
            return [_invite(row) for row in rows]

    def cancel(self, invite_id: int, at: datetime) -> bool:
        """Delete a pending invitation, so its code enrols no one; False if there is none
        with this id still pending."""
        with self._context.writing() as db:
            done = db.execute(delete(InviteRow).where(
                InviteRow.id == invite_id, InviteRow.used_at.is_(None),
                InviteRow.expires_at > at))
            return bool(rowcount(done))


def _invite(row: InviteRow) -> Invite:
    return Invite(row.role, row.agency, row.hub, row.expires_at,  # type: ignore[arg-type]
                  label=row.label, id=row.id, created_at=row.created_at)
