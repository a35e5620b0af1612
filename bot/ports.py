"""The ports that domain code (routing, the Telegram adapter, the worker loop) talks to.

Each port is a small :class:`typing.Protocol`, so the domain never imports ``sqlalchemy``
or ``telegram``: ``storage/`` implements these with SQLAlchemy, and a test may pass any
object that has the methods. The records handed back are plain frozen dataclasses, already
decrypted; they carry no database session, so nothing is lazily loaded behind the caller's
back.

Two-stage disclosure is built into the shape: :class:`ReferralRecord` carries the envelope
an agency may see before accepting, never the contact details, which only
:meth:`ReferralStore.reveal_contact` returns (and the caller audits).

All times are timezone-aware UTC ``datetime`` values.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from bot.engine.events import ConsentRecorded, ReferralRequested
from bot.engine.session import Session

Role = Literal["referrer", "focal_point", "coordinator"]

#: Statuses the storage layer knows by name; ``bot.routing.lifecycle`` owns the moves.
SENT = "sent"
FORWARDED = "forwarded"
ACKNOWLEDGED = "acknowledged"
DECLINED = "declined"
CLOSED = "closed"
ERASED = "erased"


class NotFound(LookupError):
    """No record with that key (a case code, a staff id)."""


class Erased(LookupError):
    """The referral's personal data was erased; it takes no further moves."""


class Unreadable(RuntimeError):
    """A stored value none of the configured keys decrypts (``storage.crypto``)."""


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""


@dataclass(frozen=True)
class ReferralRecord:
    """A referral as routing sees it: codes and levels, plus the envelope for the agency.

    ``status``, ``agency``, ``via``, ``status_since``, the two clocks, ``escalation_level``
    and ``reminders_sent`` are what ``bot.routing.escalation.OpenReferral`` needs (the
    agencies tried before are those of :meth:`ReferralStore.events`). ``due_at`` is the
    clock that runs now: ``acknowledge_by`` while sent or forwarded, ``respond_by`` once
    acknowledged, the moment of decline when declined (pass it on at once), else None.
    """

    code: str
    flow_id: str
    flow_revision: int
    case_type: str
    hub: str | None
    risk: str | None
    urgent: bool
    status: str
    agency: str | None
    via: str | None
    partner_chosen: bool
    referrer_id: int | None
    acknowledge_by: datetime | None
    respond_by: datetime | None
    due_at: datetime | None
    status_since: datetime
    escalation_level: int
    reminders_sent: int
    consent: tuple[str, ...]
    override_reason: str | None
    created_at: datetime
    closed_at: datetime | None = None
    erased_at: datetime | None = None
    #: What the receiving agency sees before accepting; empty once erased. Lists
    #: (``open``, ``overdue``) leave it None so a scan decrypts nothing: ``get`` reads it.
    envelope: dict[str, Any] | None = None
    services: tuple[str, ...] = ()
    #: The case deadline: set at identification from the person's risk, kept through every
    #: forward and escalation (``acknowledge_by``/``respond_by`` are the holder's own clocks).
    case_due_at: datetime | None = None

    @property
    def erased(self) -> bool:
        return self.erased_at is not None


@dataclass(frozen=True)
class StatusEvent:
    """One move in a referral's trail."""

    status: str
    at: datetime
    actor: str
    agency: str | None = None
    reason: str | None = None


class SessionStore(Protocol):
    """Conversation state by Telegram chat id, encrypted at rest."""

    def load(self, chat_id: int) -> Session | None: ...

    def save(self, chat_id: int, session: Session, at: datetime) -> None: ...

    def delete(self, chat_id: int) -> None: ...

    def idle(self, before: datetime) -> list[int]:
        """Chat ids whose conversation was last saved before ``before``."""


class ReferralStore(Protocol):
    def create(self, request: ReferralRequested, *, referrer_id: int | None,
               agency: str | None, at: datetime, acknowledge_by: datetime | None = None,
               respond_by: datetime | None = None, via: str | None = None,
               hub: str | None = None, consent: ConsentRecorded | None = None,
               case_due_at: datetime | None = None) -> str:
        """Store a routed referral with status ``sent`` and return its new case code.

        ``case_due_at`` is the case deadline the person's risk set at identification; no
        later move changes it.

        ``hub`` overrides the request's hub when routing resolved it (a fuzzy district
        match); ``via`` is the agency's role from routing, and ``"partner"`` records that
        the referrer chose a known partner instead of the focal point.
        """

    def get(self, code: str) -> ReferralRecord:
        """The referral, or :class:`NotFound`; ``code`` may be typed loosely."""

    def reveal_contact(self, code: str) -> dict[str, Any]:
        """The decrypted contact details; empty once erased. The caller audits the reveal."""

    def append_event(self, code: str, status: str, *, at: datetime, actor: str,
                     agency: str | None = None, reason: str | None = None,
                     via: str | None = None, acknowledge_by: datetime | None = None,
                     respond_by: datetime | None = None,
                     escalation_level: int | None = None) -> None:
        """Record a move: the referral takes ``status`` from ``at`` on, with a fresh count
        of reminders, and whatever else is given (a forward gives the new agency, its role
        and clocks, and the escalation level). ``closed`` also stamps the closing time. An
        erased referral raises :class:`Erased`: nothing may be attached to it any more."""

    def reminded(self, code: str) -> int:
        """Count one more reminder sent in the current window; returns the new count."""

    def erase(self, code: str, *, at: datetime, actor: str) -> bool:
        """Erase the referral's personal data now (consent withdrawn): it is marked erased,
        its reminders dropped, a notice queued to its agency and an audit entry written; the
        referrer's conversation, if still open with answers it shared, is deleted too
        (``storage.retention.erase``). False if it was already erased."""

    def events(self, code: str) -> list[StatusEvent]: ...

    def open(self) -> list[ReferralRecord]:
        """Referrals neither closed nor erased, oldest first."""

    def overdue(self, now: datetime, statuses: Sequence[str] | None = None,
                limit: int | None = None) -> list[ReferralRecord]:
        """Open referrals whose running clock (``due_at``) has passed, most overdue first,
        optionally only those in one of ``statuses``, at most ``limit`` of them."""


class AuditLog(Protocol):
    def record(self, actor: str, action: str, code: str | None, at: datetime,
               subject: str | None = None) -> None:
        """Who did what to which case code, when. Never personal data: ``actor`` is a staff
        id or a component name, ``action`` a fixed verb such as ``view`` or ``reveal``,
        ``subject`` what a non-referral action was done to (``staff:12``)."""


@dataclass(frozen=True)
class Reminder:
    id: int
    kind: str
    due_at: datetime
    code: str | None
    agency: str | None


class ReminderQueue(Protocol):
    """Due reminders, escalations and notices, claimed so that no two workers send one twice."""

    def schedule(self, kind: str, due_at: datetime, *, code: str | None = None,
                 agency: str | None = None) -> int: ...

    def claim_due(self, worker: str, now: datetime, limit: int = 50) -> list[Reminder]: ...

    def mark_sent(self, reminder_id: int, at: datetime) -> None: ...

    def cancel(self, code: str, kinds: Sequence[str] | None = None) -> int:
        """Drop the unsent reminders of a referral (all, or of ``kinds``), as when it is
        acknowledged in time; returns how many."""


@dataclass(frozen=True)
class Staff:
    id: int
    role: Role
    agency: str | None
    hub: str | None
    language: str
    active: bool
    unreachable: bool
    label: str | None = None  # a role description ("clinic nurse, Gaziantep"), never a name


class StaffStore(Protocol):
    """Enrolled staff, found by Telegram user id through a blind index."""

    def enrol(self, telegram_id: int, role: Role, *, agency: str | None, hub: str | None,
              language: str, at: datetime, label: str | None = None) -> int: ...

    def by_telegram(self, telegram_id: int) -> Staff | None: ...

    def get(self, staff_id: int) -> Staff: ...

    def members(self, *, role: Role | None = None, agency: str | None = None,
                hub: str | None = None) -> list[Staff]:
        """Active members matching every filter given, by id (unreachable ones included:
        the caller decides whether to skip them)."""

    def telegram_id(self, staff_id: int) -> int:
        """Where to send a message to this staff member."""

    def set_active(self, staff_id: int, active: bool) -> None: ...

    def set_unreachable(self, staff_id: int, unreachable: bool) -> None:
        """Telegram answered ``Forbidden``: the person blocked the bot."""

    def set_language(self, staff_id: int, language: str) -> None:
        """The member chose another language (/language): remembered for every chat."""


@dataclass(frozen=True)
class PurgeReport:
    """What a retention purge erased (or, in a dry run, would erase): counts only."""

    referrals: int
    conversations: int
    update_ids: int
    dry_run: bool = False
    #: Cards and reveals in agencies' chats handed to the worker to take back.
    messages: int = 0


#: A :class:`SentMessage`'s kind, the reason it is taken back, and how it was.
CARD_MESSAGE, REVEAL_MESSAGE = "card", "reveal"
EXPIRED_REASON, ERASED_REASON, REVOKED_REASON = "expired", "erased", "revoked"
DELETED, EDITED, GONE, BLOCKED = "deleted", "edited", "gone", "blocked"


@dataclass(frozen=True)
class SentMessage:
    """A card or contact reveal in a focal point's chat whose time to be taken back has
    come (``storage.agency_messages``): ``reason`` is ``expired``, ``erased`` or
    ``revoked``; ``language`` is the member's, for the text it is edited to."""

    id: int
    code: str
    chat_id: int
    message_id: int
    kind: str
    reason: str
    sent_at: datetime
    language: str


class AgencyMessages(Protocol):
    """Cards and reveals sent to agencies, recorded so the worker can take them back."""

    def record(self, code: str, *, staff_id: int, chat_id: int, message_id: int, kind: str,
               at: datetime, remove_at: datetime | None = None) -> None:
        """Remember a message just sent; ``remove_at``: when it deletes itself (a reveal).
        One of an erased referral or a revoked member is due for removal at once."""

    def claim_due(self, worker: str, now: datetime, limit: int = 50) -> list[SentMessage]:
        """Claim messages due for removal, so no other process takes them too."""

    def done(self, row_id: int, outcome: str, at: datetime) -> None:
        """The message was taken back: ``deleted``, ``edited`` or ``gone``."""

    def blocked(self, row_id: int, retry_at: datetime) -> tuple[bool, int | None]:
        """The member blocked the bot: the message is still in their chat, to be tried
        again at ``retry_at``. Whether it was the first time, and the member's staff id."""


class Retention(Protocol):
    """The retention purge, claimed so that of several processes one runs it per period."""

    def purge_due(self, worker: str, now: datetime, *, every: timedelta,
                  older_than: timedelta, idle: timedelta) -> PurgeReport | None:
        """Purge (personal data of referrals closed over ``older_than`` ago, conversations
        idle over ``idle``, old update ids) unless some process did within ``every`` or is
        doing it now: then None. The claim commits with the purge, so a purge that fails
        is due again at once."""


class UpdateLedger(Protocol):
    def first_time(self, update_id: int, at: datetime) -> bool:
        """Remember a Telegram update id; False if it was already processed (a retry)."""

    def seen(self, update_id: int) -> bool:
        """Whether the update id was already processed; records nothing."""


class ChatLocks(Protocol):
    """One chat's updates, one at a time, across processes."""

    #: False where the database needs no lock of its own (one SQLite file): the channel
    #: then skips the calls, and the in-process lock is the whole story.
    shared: bool

    def try_acquire(self, chat_id: int) -> object:
        """The lock (what :meth:`release` needs) if the chat is free, else ``"busy"``."""

    def bound(self, held: object) -> AbstractContextManager[None]:
        """While inside, this task's database work runs where the lock is held."""

    def release(self, held: object) -> None: ...
