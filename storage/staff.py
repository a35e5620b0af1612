"""Enrolled staff (``bot.ports.StaffStore``), found by Telegram user id.

Every incoming message is matched to a staff member, so the lookup must be an equality
on an indexed column; the id itself is encrypted, so the column holds a keyed HMAC of it
(a blind index). Without the index key, the column cannot be tested against guesses.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session as DbSession

from bot.ports import NotFound, Role, Staff
from storage.models import StaffMember
from storage.sql import Context, rowcount


class SqlStaffStore:
    def __init__(self, context: Context) -> None:
        self._context = context

    def enrol(self, telegram_id: int, role: Role, *, agency: str | None, hub: str | None,
              language: str, at: datetime, label: str | None = None) -> int:
        """Enrol a new member, or re-activate and update the one with this Telegram id."""
        cipher = self._context.cipher
        index = cipher.blind_index(str(telegram_id))
        with self._context.writing() as db:
            row = db.scalar(select(StaffMember).where(StaffMember.telegram_id_index == index))
            if row is None:
                row = StaffMember(telegram_id_index=index, enrolled_at=at)
                db.add(row)
            row.telegram_id = cipher.encrypt(str(telegram_id))
            row.role, row.agency, row.hub, row.language = role, agency, hub, language
            row.label = label
            row.active, row.unreachable, row.revoked_at = True, False, None
            db.flush()
            return row.id

    def by_telegram(self, telegram_id: int) -> Staff | None:
        index = self._context.cipher.blind_index(str(telegram_id))
        with self._context.reading() as db:
            row = db.scalar(select(StaffMember).where(StaffMember.telegram_id_index == index))
            return _staff(row) if row is not None else None

    def get(self, staff_id: int) -> Staff:
        with self._context.reading() as db:
            return _staff(self._row(db, staff_id))

    def members(self, *, role: Role | None = None, agency: str | None = None,
                hub: str | None = None) -> list[Staff]:
        query = select(StaffMember).where(StaffMember.active.is_(True))
        for column, wanted in ((StaffMember.role, role), (StaffMember.agency, agency),
                               (StaffMember.hub, hub)):
            if wanted is not None:
                query = query.where(column == wanted)
        with self._context.reading() as db:
            return [_staff(row) for row in db.scalars(query.order_by(StaffMember.id))]

    def everyone(self) -> list[Staff]:
        """Every member, revoked ones included, for the coordinator's list."""
        with self._context.reading() as db:
            return [_staff(row) for row in db.scalars(select(StaffMember)
                                                       .order_by(StaffMember.id))]

    def telegram_id(self, staff_id: int) -> int:
        with self._context.reading() as db:
            token = self._row(db, staff_id).telegram_id
        return int(self._context.cipher.decrypt(token))

    def set_active(self, staff_id: int, active: bool, at: datetime | None = None) -> None:
        self._set(staff_id, active=active, revoked_at=None if active else at)

    def set_unreachable(self, staff_id: int, unreachable: bool) -> None:
        self._set(staff_id, unreachable=unreachable)

    def set_language(self, staff_id: int, language: str) -> None:
        self._set(staff_id, language=language)

    def _set(self, staff_id: int, **values: object) -> None:
        with self._context.writing() as db:
            done = db.execute(update(StaffMember).where(StaffMember.id == staff_id)
                              .values(**values))
            if not rowcount(done):
                raise NotFound(f"no staff member {staff_id}")

    @staticmethod
    def _row(db: DbSession, staff_id: int) -> StaffMember:
        row = db.get(StaffMember, staff_id)
        if row is None:
            raise NotFound(f"no staff member {staff_id}")
        return row


def _staff(row: StaffMember) -> Staff:
    return Staff(id=row.id, role=row.role,  # type: ignore[arg-type]
                 agency=row.agency, hub=row.hub, language=row.language, active=row.active,
                 unreachable=row.unreachable, label=row.label)
