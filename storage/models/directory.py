"""The hub directory and the people who use the product.

Hubs, agencies, focal points, emergency contacts, services and deadlines are coordinator
data: a directory load (``storage.directory``) replaces them as a whole. So staff and
referrals name a hub or an agency by its id without a foreign key: a reload must never be
blocked by history, and a referral keeps the agency it was sent to even after that agency
leaves the directory.

The tables take the rows of ``bot.directory.rows.directory_rows`` as they are: one table per
key, one column per row field. Semantic rules that span rows (a service listed twice for
overlapping hubs, a focal point naming an unknown agency) are the loader's job: it checks
them with file and line before anything reaches the database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, BlindIndex, Encrypted, UTCDateTime

ROLES = ("referrer", "focal_point", "coordinator")
#: "provider": the service is given to the profile without being the pathway's entry or
#: funnelling point (a matrix cell with a service and no number).
SERVICE_POINTS = ("entry", "funnelling", "provider")
#: Deadline rows: the risk levels of ``bot.directory.vocabulary.RISK_LEVELS``, and the
#: urgent row that caps every level for urgent referrals.
DEADLINE_LEVELS = ("high", "medium", "low", "unrated", "urgent")


class Hub(Base):
    """A catchment area; ``areas`` are the district names a referrer may type."""

    __tablename__ = "hubs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    names: Mapped[dict[str, str]] = mapped_column(JSON)
    areas: Mapped[list[str]] = mapped_column(JSON)
    #: Agency id of the hub coordinator, the escalation target of last resort.
    coordinator: Mapped[str | None] = mapped_column(String(64))
    #: Order in the directory file, which is the order of the referrer's hub picker.
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Agency(Base):
    """An organisation; its public contact details are directory data, not personal data."""

    __tablename__ = "agencies"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    names: Mapped[dict[str, str]] = mapped_column(JSON)
    kind: Mapped[str] = mapped_column(String(32))
    languages: Mapped[list[str]] = mapped_column(JSON)
    phone: Mapped[str] = mapped_column(String(64), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    website: Mapped[str] = mapped_column(String(254), default="")
    #: Hub ids the agency serves; empty means it did not say.
    hubs: Mapped[list[str]] = mapped_column(JSON)
    #: Order in the directory file (listings and exports follow the coordinator's order).
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class FocalPoint(Base):
    """Hub × case type → the agency that receives referrals first, and its backup."""

    __tablename__ = "focal_points"
    __table_args__ = (UniqueConstraint("hub_id", "case_type"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hub_id: Mapped[str] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"))
    case_type: Mapped[str] = mapped_column(String(64))
    primary_agency_id: Mapped[str | None] = mapped_column(
        ForeignKey("agencies.id", ondelete="SET NULL"))
    backup_agency_id: Mapped[str | None] = mapped_column(
        ForeignKey("agencies.id", ondelete="SET NULL"))


class EmergencyContact(Base):
    """The urgent action card: who to call for health, safety or interim care, and when."""

    __tablename__ = "emergency_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hub_id: Mapped[str] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(64))
    hours: Mapped[str] = mapped_column(String(100), default="")


class Service(Base):
    """One cell of the service mapping: an agency's service for a profile, as an entry
    point ("1" in the seeds' table), a funnelling point ("2") or a plain provider ("0").

    No unique key on (agency, service, profile): an agency may list the same service once
    per group of hubs (``hubs: [kilis]`` and ``hubs: [hatay]``), so only "no two entries
    for overlapping hubs" is the rule, which no table constraint can express; the loader
    enforces it.
    """

    __tablename__ = "services"
    __table_args__ = (
        CheckConstraint(f"point IN {SERVICE_POINTS!r}", name="point"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    service: Mapped[str] = mapped_column(String(64))
    profile: Mapped[str] = mapped_column(String(64))
    point: Mapped[str] = mapped_column(String(16))
    #: Hub ids where the service is offered; empty: every hub the agency serves.
    hubs: Mapped[list[str]] = mapped_column(JSON)
    names: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: Case types the service answers (the needs it is shown for); may be empty.
    case_types: Mapped[list[str]] = mapped_column(JSON, default=list)


class DeadlineRule(Base):
    """Hours an agency has to acknowledge and to respond, for a risk level.

    ``case_type`` None is the row for every case type without its own rows; level
    "urgent" (with case type None) caps every level for urgent referrals.
    """

    __tablename__ = "deadlines"
    __table_args__ = (
        CheckConstraint(f"level IN {DEADLINE_LEVELS!r}", name="level"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_type: Mapped[str | None] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))
    acknowledge_hours: Mapped[float] = mapped_column(Float)
    respond_hours: Mapped[float] = mapped_column(Float)


class DeadlineSettings(Base):
    """The one row of deadline settings that are not per level: when to remind, as
    fractions of a window (0.5, 0.9: at half time and at 90 %)."""

    __tablename__ = "deadline_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reminders_at: Mapped[list[float]] = mapped_column(JSON)


class DirectoryLoad(Base):
    """One directory load: written in the transaction that replaces the directory tables,
    so its number is the version every running process polls to serve the new directory."""

    __tablename__ = "directory_loads"

    #: Counts up by one per load; two loads at once cannot take the same number.
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: SHA-256 of the rows loaded.
    checksum: Mapped[str] = mapped_column(String(64))


class StaffMember(Base):
    """An enrolled referrer, focal point or coordinator.

    The Telegram user id is stored encrypted, with a keyed HMAC beside it for the lookup on
    every incoming message: a leaked database does not list who works for whom.
    """

    __tablename__ = "staff"
    __table_args__ = (CheckConstraint(f"role IN {ROLES!r}", name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id_index: Mapped[str] = mapped_column(BlindIndex(), unique=True,
                                                   info={"blind_index_of": "telegram_id"})
    telegram_id: Mapped[str] = mapped_column(Encrypted())
    role: Mapped[str] = mapped_column(String(16))
    agency: Mapped[str | None] = mapped_column(String(64))
    hub: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(16))
    #: A role description set by the coordinator ("MSF clinic nurse, Gaziantep"), not a name.
    label: Mapped[str | None] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Telegram said Forbidden: the person blocked the bot; escalate instead of waiting.
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ProcessedUpdate(Base):
    """Telegram update ids already handled: Telegram retries, handling must not repeat."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Invite(Base):
    """A one-time enrolment code. Only a keyed hash of the code is kept: a database dump
    does not hand anyone a way in."""

    __tablename__ = "invites"
    __table_args__ = (CheckConstraint(f"role IN {ROLES!r}", name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_index: Mapped[str] = mapped_column(BlindIndex(), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    agency: Mapped[str | None] = mapped_column(String(64))
    hub: Mapped[str | None] = mapped_column(String(64))
    label: Mapped[str | None] = mapped_column(String(80))  # given to the staff member enrolled
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
