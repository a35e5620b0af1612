"""The facts behind ``intake report``, read from the columns that survive erasure and
identify no one: per *cell* (month of creation, hub, case type, risk, agency) the closed-loop
counts of the referrals made, and per agency what happened while it held them.

What is read, and why:

* Only referrals whose consent scopes include ``statistics``, created in whole calendar
  months (``start`` to ``end``, both month boundaries in UTC). The number left out for want
  of that consent is counted apart, never which.
* Each referral's trail (``referral_events``), once, in order. A *holding* begins when the
  referral reaches an agency: its ``sent`` event, or a ``forwarded`` one (a manual forward,
  or an escalation, whose actor is ``system:escalation``). Each holding has its own
  acknowledgement clock, as long as the current one (``acknowledge_by`` minus the arrival
  at the current holder: the window depends on the case type and risk only), starting when
  the referral arrived.
* Time to acknowledgement is measured from the arrival at the agency that acknowledged.
* The case deadline (``case_due_at``) is set at identification and never restarts; a
  referral is closed in time if ``closed_at`` is no later.

The per-cell counts (:data:`MEASURES`) are summed by :mod:`bot.report.tables` into the
marginal tables, and suppressed there; this module returns nothing per referral.

Statuses only move forward in the trail and the queries read ordered rows, so SQLite and
PostgreSQL give the same figures whatever the session's time zone: months are bucketed in
Python from UTC times.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, literal, not_, select

from bot.ports import ACKNOWLEDGED, CLOSED, DECLINED, ERASED, FORWARDED, SENT
from bot.report.measures import AGENCY_MEASURES, MEASURES
from storage.models import Referral, ReferralEvent, Reminder
from storage.sql import Context

STATISTICS = "statistics"
NO_HUB = "unknown"
UNRATED = "unrated"
UNROUTED = "unrouted"
ESCALATION_ACTOR = "system:escalation"
ACCEPTED = "accepted"
OPEN = (SENT, ACKNOWLEDGED, DECLINED, FORWARDED)
SECONDS_PER_HOUR = 3600.0

_M = {name: i for i, name in enumerate(MEASURES)}
_A = {name: i for i, name in enumerate(AGENCY_MEASURES)}

CellKey = tuple[str, str, str, str]  # month, hub, case type, risk
AgencyKey = tuple[str, str, str]  # month, hub, agency


@dataclass
class Facts:
    """What the report is made of: counts per cell, times to acknowledgement per cell (in
    hours), the same per agency cell, the same per agency cell. Nothing names a referral."""

    cells: dict[CellKey, list[int]] = field(default_factory=dict)
    ack_hours: dict[CellKey, list[float]] = field(default_factory=dict)
    agencies: dict[AgencyKey, list[int]] = field(default_factory=dict)
    agency_hours: dict[AgencyKey, list[float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Escalations:
    """Who is the backup and the coordinator, from the directory, to tell the two kinds of
    escalation apart: the trail records the agency an escalation went to, not its role."""

    backups: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (hub, type)
    coordinators: Mapping[str, str] = field(default_factory=dict)  # hub -> agency


def month_of(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def read_facts(context: Context, start: datetime, end: datetime, now: datetime,
               escalations: Escalations | None = None) -> Facts:
    """The facts of the referrals created in ``[start, end)`` as of ``now``."""
    escalations = escalations or Escalations()
    window = [Referral.created_at >= start, Referral.created_at < end]
    facts = Facts()
    with context.reading() as db:
        rows = db.execute(_query(window)).all()
    _accumulate(facts, rows, now, escalations)
    return facts


def count_left_out(context: Context, start: datetime, end: datetime,
                   hub: str | None = None) -> int:
    """How many referrals made in ``[start, end)`` (of one hub) are not counted, for want
    of statistics consent."""
    query = select(func.count()).select_from(Referral).where(
        Referral.created_at >= start, Referral.created_at < end, not_(_allows_statistics()))
    if hub is not None:
        query = query.where(Referral.hub == hub)
    with context.reading() as db:
        return int(db.scalar(query) or 0)


def _allows_statistics() -> ColumnElement[bool]:
    """Scopes are stored space-separated ("refer share statistics"); padding both sides
    with a space matches the whole word only, with the same SQL on both databases."""
    padded = literal(" ") + Referral.consent_scopes + literal(" ")
    return padded.like(f"% {STATISTICS} %")


def _query(window: list[ColumnElement[bool]]) -> Any:
    """Every event of every counted referral, the referral's columns alongside, in trail
    order; whether its outcome notice was sent to a referrer is one EXISTS per referral."""
    notified = exists().where(Reminder.referral_id == Referral.id,
                              Reminder.kind == f"status:{CLOSED}",
                              Reminder.sent_at.is_not(None))
    notice = and_(Referral.referrer_id.is_not(None), notified)
    return (select(Referral.id, Referral.created_at, Referral.hub, Referral.case_type,
                   Referral.risk, Referral.status, Referral.agency, Referral.acknowledge_by,
                   Referral.case_due_at, Referral.due_at, Referral.closed_at,
                   Referral.erased_at, notice, ReferralEvent.status, ReferralEvent.at,
                   ReferralEvent.agency, ReferralEvent.actor)
            .outerjoin(ReferralEvent, ReferralEvent.referral_id == Referral.id)
            .where(_allows_statistics(), *window)
            .order_by(Referral.id, ReferralEvent.at, ReferralEvent.id))


@dataclass
class _Holding:
    agency: str
    arrived: datetime
    acknowledged: datetime | None = None
    accepted: bool = False
    declined: bool = False


def _accumulate(facts: Facts, rows: Iterable[Any], now: datetime,
                escalations: Escalations) -> None:
    group: list[Any] = []
    for row in rows:
        if group and row[0] != group[0][0]:
            _referral(facts, group, now, escalations)
            group = []
        group.append(row)
    if group:
        _referral(facts, group, now, escalations)


def _referral(facts: Facts, rows: list[Any], now: datetime, escalations: Escalations,
              ) -> None:
    (_, created, hub, case_type, risk, status, agency, acknowledge_by, case_due, due_at,
     closed_at, erased_at, notified) = rows[0][:13]
    hub = hub or NO_HUB
    key = (month_of(created), hub, case_type, risk or UNRATED)
    counts = facts.cells.setdefault(key, [0] * len(MEASURES))
    counts[_M["made"]] += 1
    holdings: list[_Holding] = []
    backup = escalations.backups.get((hub, case_type))
    coordinator = escalations.coordinators.get(hub)
    to_backup = to_coordinator = forwarded = accepted = declined = False
    for row in rows:
        event, at, event_agency, actor = row[13:17]
        if event in (SENT, FORWARDED) and event_agency is not None:
            holdings.append(_Holding(event_agency, at))
            if event == FORWARDED:
                forwarded = True
                if actor == ESCALATION_ACTOR:
                    to_backup |= event_agency == backup
                    to_coordinator |= event_agency == coordinator
        elif holdings and event == ACKNOWLEDGED and holdings[-1].acknowledged is None:
            holdings[-1].acknowledged = at
        elif holdings and event == ACCEPTED:
            holdings[-1].accepted = accepted = True
        elif holdings and event == DECLINED:
            holdings[-1].declined = declined = True
    open_now = status in OPEN and closed_at is None and erased_at is None
    overdue = open_now and due_at is not None and due_at <= now
    stopped = min(now, erased_at) if erased_at is not None else now
    clock = (acknowledge_by - holdings[-1].arrived
             if holdings and acknowledge_by is not None else None)
    if holdings and clock is not None:
        first = holdings[0]
        in_time, decided = _judged(first, clock, stopped)
        counts[_M["ack_in_time"]] += in_time
        counts[_M["ack_decided"]] += decided
    acknowledged = holdings[0].acknowledged if holdings else None
    if acknowledged is not None:
        facts.ack_hours.setdefault(key, []).append(
            (acknowledged - holdings[0].arrived).total_seconds() / SECONDS_PER_HOUR)
    if case_due is not None:
        if closed_at is not None:
            counts[_M["case_decided"]] += 1
            counts[_M["closed_in_time"]] += closed_at <= case_due
        elif case_due <= stopped:
            counts[_M["case_decided"]] += 1
    closed = status == CLOSED
    for name, flag in (("accepted", accepted), ("declined", declined),
                       ("forwarded", forwarded), ("closed", closed),
                       ("closed_notified", closed and bool(notified)),
                       ("escalated_backup", to_backup),
                       ("escalated_coordinator", to_coordinator), ("overdue", overdue)):
        counts[_M[name]] += flag
    for number, holding in enumerate(holdings):
        _holding(facts, key, holding, clock, stopped, first=number == 0,
                 last=number == len(holdings) - 1, agency=agency,
                 status=status, overdue=overdue)
    if not holdings:
        unrouted = facts.agencies.setdefault((key[0], key[1], UNROUTED),
                                             [0] * len(AGENCY_MEASURES))
        unrouted[_A["made_to"]] += 1


def _judged(holding: _Holding, clock: Any, stopped: datetime) -> tuple[bool, bool]:
    """(in time, decided) for one holding's acknowledgement clock."""
    deadline = holding.arrived + clock
    if holding.acknowledged is not None:
        return holding.acknowledged <= deadline, True
    return False, deadline <= stopped


def _holding(facts: Facts, key: CellKey, holding: _Holding, clock: Any, stopped: datetime,
             *, first: bool, last: bool, agency: str | None, status: str, overdue: bool,
             ) -> None:
    agency_key = (key[0], key[1], holding.agency)
    counts = facts.agencies.setdefault(agency_key, [0] * len(AGENCY_MEASURES))
    counts[_A["made_to"]] += first
    counts[_A["received"]] += 1
    if clock is not None:
        in_time, decided = _judged(holding, clock, stopped)
        counts[_A["ack_in_time"]] += in_time
        counts[_A["ack_decided"]] += decided
    acknowledged = holding.acknowledged
    if acknowledged is not None:
        facts.agency_hours.setdefault(agency_key, []).append(
            (acknowledged - holding.arrived).total_seconds() / SECONDS_PER_HOUR)
    counts[_A["accepted"]] += holding.accepted
    counts[_A["declined"]] += holding.declined
    holds = last and agency == holding.agency and status != ERASED
    counts[_A["forwarded_on"]] += not last
    counts[_A["held_now"]] += holds
    counts[_A["overdue"]] += holds and overdue


def earliest_referral(context: Context) -> datetime | None:
    """When the first referral was made: the start of the calendar a reader may choose
    periods from."""
    with context.reading() as db:
        found: datetime | None = db.scalar(select(func.min(Referral.created_at)))
    return found.astimezone(UTC) if found is not None else None
