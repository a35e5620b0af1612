"""Conversations, referrals and everything that happens to a referral afterwards.

What stays readable is what aggregate statistics and routing need: codes, flow ids, hub,
case type, risk, status, agency ids and times. Everything that describes the person (the
envelope, contact details, free-text reasons, the conversation) is an :class:`Encrypted`
column, and is set to NULL when the personal data is erased.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, Encrypted, UTCDateTime


class Conversation(Base):
    """The engine session of one chat, encrypted whole: it holds every answer."""

    __tablename__ = "conversations"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    state: Mapped[str] = mapped_column(Encrypted())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    #: The flow revision the conversation is pinned to, readable beside the encrypted state
    #: so ``intake flows list`` can count conversations still open on older revisions
    #: (NULL for a conversation saved before these columns existed).
    flow_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    revision: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Referral(Base):
    __tablename__ = "referrals"
    __table_args__ = (
        # The escalation scan: settled referrals have no running clock (NULL), so the
        # index holds only what may fall due.
        Index("ix_referrals_due_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    flow_id: Mapped[str] = mapped_column(String(64))
    flow_revision: Mapped[int] = mapped_column(Integer)
    hub: Mapped[str | None] = mapped_column(String(64), index=True)
    case_type: Mapped[str] = mapped_column(String(64))
    risk: Mapped[str | None] = mapped_column(String(16))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20))
    agency: Mapped[str | None] = mapped_column(String(64), index=True)
    #: The referrer chose a known partner instead of the hub's focal point.
    partner_chosen: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The agency's role: partner, focal_point, backup or coordinator (``bot.routing``).
    via: Mapped[str | None] = mapped_column(String(16))
    referrer_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"))
    #: The clocks of the agency that holds the referral now, restarted by a forward.
    acknowledge_by: Mapped[datetime | None] = mapped_column(UTCDateTime())
    respond_by: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The case deadline, set at identification from the risk; never restarted.
    case_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The clock that runs now (indexed with status for the escalation scan); None: settled.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status_since: Mapped[datetime] = mapped_column(UTCDateTime())
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    #: Reminders sent in the current window (since ``status_since``).
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    #: JSON {"envelope": {...}, "services": [...]}: what the agency sees before accepting.
    card: Mapped[str | None] = mapped_column(Encrypted())
    #: JSON of the contact answers; released only to the accepting agency.
    contact: Mapped[str | None] = mapped_column(Encrypted())
    #: Granted scopes, space-separated: "refer share statistics".
    consent_scopes: Mapped[str] = mapped_column(String(200))
    #: Child-safety override: the reason id from the flow (never free text).
    override_reason: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What the report reads of the trail, kept with each move (``storage.referral_facts``)
    # so ``intake report`` reads one row per referral. Each is a fold of the trail: a first
    # or last time, or a count, whatever order the moves came in.
    #: The agency the referral was first sent to (NULL: made unrouted).
    first_agency: Mapped[str | None] = mapped_column(String(64))
    #: Arrivals at an agency (sent or forwarded there): the number of holdings.
    holdings: Mapped[int] = mapped_column(Integer, server_default="0")
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # first arrival
    last_arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: First forward to an agency, by hand or by escalation (NULL: never moved on).
    forwarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # first
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # first
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # first
    #: First escalation to the backup focal point, and to the hub coordinator.
    escalated_backup_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_coordinator_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When a notice of the closing first reached the referrer.
    outcome_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReferralHolding(Base):
    """One agency's holding of a referral that moved on: from its arrival there (sent or
    forwarded) to the next arrival, with what that agency did in it. Kept for the referrals
    forwarded at least once (``forwarded_at``), written with each of their moves
    (``storage.referral_facts``); a referral that stayed where it was sent has one holding,
    whose facts are its own row's. The report reads these instead of cutting trails."""

    __tablename__ = "referral_holdings"

    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), primary_key=True)
    #: 1 for the first arrival, 2 for the next, in the trail's order (time, then id).
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    agency: Mapped[str] = mapped_column(String(64))
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: The first acknowledgement while this agency held it.
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted: Mapped[bool] = mapped_column(Boolean)
    declined: Mapped[bool] = mapped_column(Boolean)


class ConsentRecord(Base):
    """Who consented to what, how; kept after erasure as proof of the lawful basis."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    granted: Mapped[list[str]] = mapped_column(JSON)
    refused: Mapped[list[str]] = mapped_column(JSON)
    given_by: Mapped[str] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(32))
    override_reason: Mapped[str | None] = mapped_column(String(64))
    #: The language the consent script and its questions were shown to the person in; NULL
    #: for records stored before it was kept (migration 0017).
    language: Mapped[str | None] = mapped_column(String(16))
    #: When the person gave this consent: earlier than ``recorded_at`` when a consent given
    #: before /urgent governs a later referral; NULL for records stored before 0017.
    given_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the referral it was stored with was made.
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReferralEvent(Base):
    """One move in the trail. Status, agency and time survive erasure (they feed the
    statistics); the reason may be free text typed by a focal point, so it is encrypted."""

    __tablename__ = "referral_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    agency: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Encrypted())


class Reminder(Base):
    """A reminder, escalation or notice to send when due, claimed by one worker at a time
    (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite)."""

    __tablename__ = "reminders"
    __table_args__ = (
        Index("ix_reminders_sent_at_due_at", "sent_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int | None] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    agency: Mapped[str | None] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """Who did what to which case code, when. Never personal data, by construction: every
    column is an id, a fixed verb, a case code or a time."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    referral_code: Mapped[str | None] = mapped_column(String(16), index=True)
    #: What the action was done to when that is not a referral: ``staff:12``, ``invite:3``.
    subject: Mapped[str | None] = mapped_column(String(64))
    #: How many times the action happened in the row's hour (strangers' refusals are
    #: counted on one row, ``storage.audit``); 1 for everything else.
    count: Mapped[int] = mapped_column(Integer, server_default="1")
