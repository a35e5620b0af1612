"""Referrals by case code (``bot.ports.ReferralStore``).

A referral is created once routing has chosen an agency, with status ``sent`` and a first
event in its trail. The envelope and services (the "card" an agency sees before accepting)
and the contact details are encrypted separately, so reading a card never decrypts a phone
number: contact details come out only through :meth:`reveal_contact`.

Lists (``open``, ``overdue``) decrypt nothing, so the escalation scan stays cheap on
100,000 open referrals.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session as DbSession

from bot.casecode import new_code, parse
from bot.engine.events import ConsentRecorded, ReferralRequested
from bot.ports import (
    ACKNOWLEDGED,
    CLOSED,
    DECLINED,
    FORWARDED,
    SENT,
    Erased,
    NotFound,
    ReferralRecord,
    StatusEvent,
)
from storage.models import ConsentRecord, Referral, ReferralEvent
from storage.referral_facts import at_creation, fold, keep_holdings
from storage.retention import erase
from storage.sql import Context
from storage.statement import Statement

PARTNER = "partner"
#: Every column a listed record needs: all but the id and the encrypted ones.
LISTED = tuple(column for column in Referral.__table__.columns
               if column.name not in ("id", "card", "contact"))
#: The submission is the heaviest step of an intake, so its inserts run on the driver's
#: cursor. A clash of case codes inserts nothing and returns no id: another code is drawn.
_INSERT = Statement.insert(Referral.__table__, on_conflict="(code) DO NOTHING",
                           returning="id")
_CONSENT = Statement.insert(ConsentRecord.__table__)
_EVENT = Statement.insert(ReferralEvent.__table__)
#: New codes drawn before giving up; a clash among 31**8 codes is already very unlikely.
CODE_ATTEMPTS = 5


def staff_actor(staff_id: int | None) -> str:
    return f"staff:{staff_id}" if staff_id is not None else "system"


class SqlReferralStore:
    def __init__(self, context: Context) -> None:
        self._context = context

    def create(self, request: ReferralRequested, *, referrer_id: int | None,
               agency: str | None, at: datetime, acknowledge_by: datetime | None = None,
               respond_by: datetime | None = None, via: str | None = None,
               hub: str | None = None, consent: ConsentRecorded | None = None,
               case_due_at: datetime | None = None) -> str:
        cipher = self._context.cipher
        card = cipher.encrypt_json({"envelope": request.envelope,
                                    "services": list(request.services)})
        contact = cipher.encrypt_json(request.contact) if request.contact else None
        values: dict[str, Any] = dict(
            flow_id=request.flow_id, flow_revision=request.revision, hub=hub or request.hub,
            case_type=request.case_type, risk=request.risk, urgent=request.urgent,
            status=SENT, agency=agency, via=via, partner_chosen=via == PARTNER,
            referrer_id=referrer_id, acknowledge_by=acknowledge_by, respond_by=respond_by,
            due_at=acknowledge_by, case_due_at=case_due_at, status_since=at,
            escalation_level=0, reminders_sent=0,
            card=card, contact=contact, consent_scopes=" ".join(request.consent),
            override_reason=request.override_reason, created_at=at, closed_at=None,
            erased_at=None, **at_creation(agency, at))
        with self._context.writing() as db:
            for _ in range(CODE_ATTEMPTS):
                values["code"] = new_code()
                inserted = _INSERT.run(db, values)
                if inserted:
                    referral_id = inserted[0][0]
                    break
            else:
                raise RuntimeError(f"no unused case code in {CODE_ATTEMPTS} draws")
            if consent is not None:
                _CONSENT.run(db, dict(
                    referral_id=referral_id, granted=list(consent.granted),
                    refused=list(consent.refused), given_by=consent.given_by,
                    method=consent.method, override_reason=consent.override_reason,
                    language=consent.language, given_at=consent.given_at,
                    recorded_at=at, withdrawn_at=None))
            _EVENT.run(db, dict(referral_id=referral_id, status=SENT, at=at,
                                actor=staff_actor(referrer_id), agency=agency, reason=None))
            return str(values["code"])

    def get(self, code: str) -> ReferralRecord:
        with self._context.reading() as db:
            row = _find(db, code)
            return self._record(row, with_card=True)

    def reveal_contact(self, code: str) -> dict[str, object]:
        with self._context.reading() as db:
            token = _find(db, code).contact
        if token is None:
            return {}
        value = self._context.cipher.decrypt_json(token)
        assert isinstance(value, dict)
        return value

    def append_event(self, code: str, status: str, *, at: datetime, actor: str,
                     agency: str | None = None, reason: str | None = None,
                     via: str | None = None, acknowledge_by: datetime | None = None,
                     respond_by: datetime | None = None,
                     escalation_level: int | None = None) -> None:
        reason_token = self._context.cipher.encrypt(reason) if reason is not None else None
        with self._context.writing() as db:
            row = _find(db, code, for_update=True)
            if row.erased_at is not None:
                raise Erased(f"referral {row.code} was erased; it takes no further moves")
            row.status, row.status_since, row.reminders_sent = status, at, 0
            if agency is not None:
                row.agency = agency
            if via is not None:
                row.via, row.partner_chosen = via, via == PARTNER
            if acknowledge_by is not None:
                row.acknowledge_by = acknowledge_by
            if respond_by is not None:
                row.respond_by = respond_by
            if escalation_level is not None:
                row.escalation_level = escalation_level
            row.due_at = running_clock(row, at)
            if status == CLOSED:
                row.closed_at = at
            fold(row, status, at, actor=actor, agency=row.agency, via=via)
            db.add(ReferralEvent(referral_id=row.id, status=status, at=at, actor=actor,
                                 agency=row.agency, reason=reason_token))
            keep_holdings(db, row, status)

    def reminded(self, code: str) -> int:
        with self._context.writing() as db:
            row = _find(db, code, for_update=True)
            row.reminders_sent += 1
            return row.reminders_sent

    def erase(self, code: str, *, at: datetime, actor: str) -> bool:
        return not erase(self._context, code, at=at, actor=actor).already

    def events(self, code: str) -> list[StatusEvent]:
        cipher = self._context.cipher
        with self._context.reading() as db:
            referral = _find(db, code)
            rows = db.scalars(select(ReferralEvent).where(ReferralEvent.referral_id == referral.id)
                              .order_by(ReferralEvent.at, ReferralEvent.id)).all()
        return [StatusEvent(r.status, r.at, r.actor, r.agency,
                            cipher.decrypt(r.reason) if r.reason is not None else None)
                for r in rows]

    def open(self) -> list[ReferralRecord]:
        return self._list(select(*LISTED).where(*_is_open())
                          .order_by(Referral.created_at, Referral.id))

    def overdue(self, now: datetime, statuses: Sequence[str] | None = None,
                limit: int | None = None) -> list[ReferralRecord]:
        query = select(*LISTED).where(*_is_open(), Referral.due_at <= now)
        if statuses is not None:
            query = query.where(Referral.status.in_(list(statuses)))
        return self._list(query.order_by(Referral.due_at, Referral.id).limit(limit))

    def _list(self, query: Select[Any]) -> list[ReferralRecord]:
        # Plain tuples, not ORM objects nor named rows: a scan may return 100,000.
        with self._context.reading() as db:
            return [_listed(values) for values in db.execute(query)]

    def _record(self, row: Referral, with_card: bool) -> ReferralRecord:
        envelope: dict[str, object] | None = None
        services: tuple[str, ...] = ()
        if with_card:
            card = self._context.cipher.decrypt_json(row.card) if row.card else {}
            envelope = dict(card.get("envelope", {}))
            services = tuple(card.get("services", ()))
        return ReferralRecord(
            code=row.code, flow_id=row.flow_id, flow_revision=row.flow_revision,
            case_type=row.case_type, hub=row.hub, risk=row.risk, urgent=row.urgent,
            status=row.status, agency=row.agency, via=row.via,
            partner_chosen=row.partner_chosen, referrer_id=row.referrer_id,
            acknowledge_by=row.acknowledge_by, respond_by=row.respond_by, due_at=row.due_at,
            status_since=row.status_since, escalation_level=row.escalation_level,
            reminders_sent=row.reminders_sent,
            consent=scopes(row.consent_scopes), override_reason=row.override_reason,
            created_at=row.created_at, closed_at=row.closed_at, erased_at=row.erased_at,
            envelope=envelope, services=services, case_due_at=row.case_due_at)


_AT = {column.name: n for n, column in enumerate(LISTED)}


def _listed(values: tuple[Any, ...]) -> ReferralRecord:
    """A record from a row of :data:`LISTED` columns, by position (the fast path)."""
    at = _AT
    return ReferralRecord(
        code=values[at["code"]], flow_id=values[at["flow_id"]],
        flow_revision=values[at["flow_revision"]], case_type=values[at["case_type"]],
        hub=values[at["hub"]], risk=values[at["risk"]], urgent=values[at["urgent"]],
        status=values[at["status"]], agency=values[at["agency"]], via=values[at["via"]],
        partner_chosen=values[at["partner_chosen"]], referrer_id=values[at["referrer_id"]],
        acknowledge_by=values[at["acknowledge_by"]], respond_by=values[at["respond_by"]],
        due_at=values[at["due_at"]], status_since=values[at["status_since"]],
        escalation_level=values[at["escalation_level"]],
        reminders_sent=values[at["reminders_sent"]],
        consent=scopes(values[at["consent_scopes"]]),
        override_reason=values[at["override_reason"]], created_at=values[at["created_at"]],
        closed_at=values[at["closed_at"]], erased_at=values[at["erased_at"]],
        case_due_at=values[at["case_due_at"]])


def scopes(stored: str) -> tuple[str, ...]:
    """Consent scopes are stored space-separated ("refer share statistics"): cheap to read
    back in a scan, and ``LIKE '%statistics%'`` selects what may be counted."""
    return tuple(stored.split())


def running_clock(row: Referral, at: datetime) -> datetime | None:
    """Which deadline runs in the referral's status (see ``ReferralRecord``)."""
    if row.status in (SENT, FORWARDED):
        return row.acknowledge_by
    if row.status == ACKNOWLEDGED:
        return row.respond_by
    if row.status == DECLINED:
        return at
    return None


def _is_open() -> tuple[ColumnElement[bool], ...]:
    return (Referral.closed_at.is_(None), Referral.erased_at.is_(None))


def _find(db: DbSession, code: str, for_update: bool = False) -> Referral:
    canonical = parse(code)
    query = select(Referral).where(Referral.code == canonical)
    if for_update:
        query = query.with_for_update()
    row = db.scalar(query)
    if row is None:
        raise NotFound(f"no referral with case code {canonical}")
    return row
