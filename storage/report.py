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

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    exists,
    func,
    literal,
    not_,
    null,
    or_,
    select,
    union_all,
)

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
#: Two times the database turned into seconds may differ by float rounding: an
#: acknowledgement at the very second of its deadline is in time.
TOLERANCE = 0.001

CellKey = tuple[str, str, str, str]  # month, hub, case type, risk
AgencyKey = tuple[str, str, str]  # month, hub, agency
Times = dict[tuple[str, str], tuple[int, float, float]]  # (table, value) -> n, median, p90


@dataclass
class Facts:
    """What the report is made of: counts per cell, and per agency cell. Nothing names a
    referral."""

    cells: dict[CellKey, list[int]] = field(default_factory=dict)
    agencies: dict[AgencyKey, list[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Escalations:
    """Who is the backup and the coordinator, from the directory, to tell the two kinds of
    escalation apart: the trail records the agency an escalation went to, not its role."""

    backups: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (hub, type)
    coordinators: Mapping[str, str] = field(default_factory=dict)  # hub -> agency


def month_of(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def months_between(start: datetime, end: datetime) -> list[tuple[str, datetime]]:
    """The months from ``start`` (a month's first instant, UTC) to ``end``, each with its
    first instant."""
    found = []
    moment = start
    while moment < end:
        found.append((month_of(moment), moment))
        moment = (moment.replace(year=moment.year + 1, month=1) if moment.month == 12
                  else moment.replace(month=moment.month + 1))
    return found


class _Query:
    """The SQL of the facts, for one window of creation times, one database and one now.

    Everything is counted by the database: the trail is cut into holdings with a window
    function (the running number of arrivals), each holding judged against its clock in
    seconds, and the results summed per cell. Only the sums come back."""

    def __init__(self, context: Context, start: datetime, end: datetime, now: datetime,
                 escalations: Escalations, hub: str | None = None) -> None:
        self.now = now
        self.dialect = context.dialect
        self.window: list[ColumnElement[bool]] = [
            _allows_statistics(), Referral.created_at >= start, Referral.created_at < end]
        if hub is not None:
            self.window.append(Referral.hub == hub)
        self.month = _month_case(months_between(start, end))
        self.hub = func.coalesce(Referral.hub, NO_HUB)
        self.risk = func.coalesce(Referral.risk, UNRATED)
        arrival = and_(ReferralEvent.status.in_([SENT, FORWARDED]),
                       ReferralEvent.agency.is_not(None))
        events = (select(ReferralEvent.referral_id.label("rid"), ReferralEvent.status,
                         ReferralEvent.at, ReferralEvent.agency, ReferralEvent.actor,
                         func.sum(case((arrival, 1), else_=0)).over(
                             partition_by=ReferralEvent.referral_id,
                             order_by=(ReferralEvent.at, ReferralEvent.id),
                             rows=(None, 0)).label("holding"))
                  .join(Referral, Referral.id == ReferralEvent.referral_id)
                  .where(*self.window)).subquery("ev")
        arrived = and_(events.c.status.in_([SENT, FORWARDED]), events.c.agency.is_not(None))
        self.h = (select(
            events.c.rid, events.c.holding,
            func.max(case((arrived, events.c.agency))).label("agency"),
            func.min(case((arrived, events.c.at))).label("arrived"),
            func.min(case((events.c.status == ACKNOWLEDGED, events.c.at))).label("acked"),
            func.max(case((events.c.status == ACCEPTED, 1), else_=0)).label("accepted"),
            func.max(case((events.c.status == DECLINED, 1), else_=0)).label("declined"),
            func.max(case((and_(events.c.status == FORWARDED,
                                events.c.actor == ESCALATION_ACTOR), events.c.agency)))
            .label("escalated_to"))
            .where(events.c.holding > 0)
            .group_by(events.c.rid, events.c.holding)).cte("h")
        h = self.h
        self.p = (select(
            h.c.rid, func.max(h.c.holding).label("holdings"),
            func.max(h.c.arrived).label("last_arrived"),
            func.max(h.c.accepted).label("accepted"), func.max(h.c.declined).label("declined"),
            func.max(case((h.c.escalated_to == _backup(escalations), 1), else_=0))
            .label("to_backup"),
            func.max(case((h.c.escalated_to == _coordinator(escalations), 1), else_=0))
            .label("to_coordinator"))
            .join(Referral, Referral.id == h.c.rid)
            .group_by(h.c.rid)).cte("p")

    def seconds(self, column: Any) -> Any:
        if self.dialect == "postgresql":
            return func.extract("epoch", column)
        return (func.julianday(column) - 2440587.5) * 86400.0

    def judged(self, h: Any) -> tuple[Any, Any]:
        """(in time, decided) of a holding's acknowledgement, as 0/1 SQL expressions."""
        p = self.p
        clock = self.seconds(Referral.acknowledge_by) - self.seconds(p.c.last_arrived)
        stopped = case((and_(Referral.erased_at.is_not(None), Referral.erased_at < self.now),
                        self.seconds(Referral.erased_at)),
                       else_=literal(self.now.timestamp()))
        running = Referral.acknowledge_by.is_not(None)
        in_time = case((and_(running, h.c.acked.is_not(None),
                             self.seconds(h.c.acked) - self.seconds(h.c.arrived)
                             <= clock + TOLERANCE), 1), else_=0)
        decided = case((and_(running, or_(h.c.acked.is_not(None),
                                          self.seconds(h.c.arrived) + clock <= stopped)), 1),
                       else_=0)
        return in_time, decided

    def overdue(self) -> ColumnElement[bool]:
        return and_(Referral.status.in_(OPEN), Referral.closed_at.is_(None),
                    Referral.erased_at.is_(None), Referral.due_at.is_not(None),
                    Referral.due_at <= self.now)

    def cells(self) -> Any:
        p, first = self.p, self.h.alias("h1")
        in_time, decided = self.judged(first)
        notified = exists().where(Reminder.referral_id == Referral.id,
                                  Reminder.kind == f"status:{CLOSED}",
                                  Reminder.sent_at.is_not(None))
        closed = Referral.status == CLOSED
        case_decided = and_(Referral.case_due_at.is_not(None), or_(
            Referral.closed_at.is_not(None),
            and_(Referral.case_due_at <= self.now,
                 or_(Referral.erased_at.is_(None), Referral.case_due_at <= Referral.erased_at))))
        closed_in_time = and_(Referral.closed_at.is_not(None),
                              Referral.case_due_at.is_not(None),
                              Referral.closed_at <= Referral.case_due_at)
        measures = {
            "made": func.count(),
            "ack_in_time": func.sum(in_time),
            "ack_decided": func.sum(decided),
            "closed_in_time": _count(closed_in_time),
            "case_decided": _count(case_decided),
            "accepted": func.sum(func.coalesce(p.c.accepted, 0)),
            "declined": func.sum(func.coalesce(p.c.declined, 0)),
            "forwarded": _count(p.c.holdings > 1),
            "closed": _count(closed),
            "closed_notified": _count(and_(closed, Referral.referrer_id.is_not(None),
                                           notified)),
            "escalated_backup": func.sum(func.coalesce(p.c.to_backup, 0)),
            "escalated_coordinator": func.sum(func.coalesce(p.c.to_coordinator, 0)),
            "overdue": _count(self.overdue()),
        }
        assert tuple(measures) == MEASURES
        return (select(self.month, self.hub, Referral.case_type, self.risk,
                       *measures.values(), _count(p.c.rid.is_(None)))
                .select_from(Referral)
                .outerjoin(p, p.c.rid == Referral.id)
                .outerjoin(first, and_(first.c.rid == Referral.id, first.c.holding == 1))
                .where(*self.window)
                .group_by(self.month, self.hub, Referral.case_type, self.risk))

    def agencies(self) -> Any:
        h, p = self.h, self.p
        in_time, decided = self.judged(h)
        holds = and_(h.c.holding == p.c.holdings, Referral.agency == h.c.agency,
                     Referral.status != ERASED)
        measures = {
            "made_to": _count(h.c.holding == 1),
            "received": func.count(),
            "ack_in_time": func.sum(in_time),
            "ack_decided": func.sum(decided),
            "accepted": func.sum(h.c.accepted),
            "declined": func.sum(h.c.declined),
            "forwarded_on": _count(h.c.holding < p.c.holdings),
            "held_now": _count(holds),
            "overdue": _count(and_(holds, self.overdue())),
        }
        assert tuple(measures) == AGENCY_MEASURES
        return (select(self.month, self.hub, h.c.agency, *measures.values())
                .select_from(h).join(p, p.c.rid == h.c.rid)
                .join(Referral, Referral.id == h.c.rid)
                .group_by(self.month, self.hub, h.c.agency))

    def times(self) -> Any:
        """Per table and value, the nearest-rank median and 90th percentile of the hours to
        acknowledge (the first agency's for referrals, every holding's for agencies)."""
        h = self.h
        hours = ((self.seconds(h.c.acked) - self.seconds(h.c.arrived)) / SECONDS_PER_HOUR)
        acks = (select(self.month.label("month"), self.hub.label("hub"),
                       Referral.case_type.label("case_type"), self.risk.label("risk"),
                       h.c.agency, h.c.holding, hours.label("hours"))
                .select_from(h).join(Referral, Referral.id == h.c.rid)
                .where(h.c.acked.is_not(None))).cte("acks")
        first = acks.c.holding == 1
        parts = [select(literal("*").label("t"), literal("all").label("v"),
                        acks.c.hours).where(first)]
        for table in ("hub", "case_type", "risk", "month"):
            parts.append(select(literal(table), acks.c[table], acks.c.hours).where(first))
        parts.append(select(literal("agency"), acks.c.agency, acks.c.hours))
        every = union_all(*parts).subquery("every")
        ranked = select(
            every.c.t, every.c.v, every.c.hours,
            func.row_number().over(partition_by=(every.c.t, every.c.v),
                                   order_by=every.c.hours).label("rank"),
            func.count().over(partition_by=(every.c.t, every.c.v)).label("n")).subquery("r")
        return (select(ranked.c.t, ranked.c.v, ranked.c.n, ranked.c.rank, ranked.c.hours)
                .where(or_(ranked.c.rank == (ranked.c.n + 1) // 2,
                           ranked.c.rank == (ranked.c.n * 9 + 9) // 10)))


def _count(condition: ColumnElement[bool]) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _month_case(months: list[tuple[str, datetime]]) -> Any:
    """The month of creation as a label, by comparing with month boundaries bound as
    parameters: the same on both databases, whatever the session's time zone."""
    if len(months) == 1:
        return literal(months[0][0])
    whens = [(Referral.created_at < start, label)
             for (label, _), (_, start) in pairwise(months)]
    return case(*whens, else_=literal(months[-1][0]))


def _backup(escalations: Escalations) -> Any:
    whens = [(and_(Referral.hub == hub, Referral.case_type == case_type), agency)
             for (hub, case_type), agency in sorted(escalations.backups.items())]
    return case(*whens, else_=null()) if whens else null()


def _coordinator(escalations: Escalations) -> Any:
    whens = [(Referral.hub == hub, agency)
             for hub, agency in sorted(escalations.coordinators.items())]
    return case(*whens, else_=null()) if whens else null()


def read_facts(context: Context, start: datetime, end: datetime, now: datetime,
               escalations: Escalations | None = None) -> Facts:
    """The facts of the referrals created in ``[start, end)`` (whole months) as of ``now``.
    """
    query = _Query(context, start, end, now, escalations or Escalations())
    facts = Facts()
    with context.reading() as db:
        for month, hub, case_type, risk, *counts in db.execute(query.cells()):
            unrouted = int(counts.pop())
            facts.cells[(month, hub, case_type, risk)] = [int(n or 0) for n in counts]
            if unrouted:
                key = (month, hub, UNROUTED)
                row = facts.agencies.setdefault(key, [0] * len(AGENCY_MEASURES))
                row[0] += unrouted
        for month, hub, agency, *counts in db.execute(query.agencies()):
            row = facts.agencies.setdefault((month, hub, agency), [0] * len(AGENCY_MEASURES))
            for i, n in enumerate(counts):
                row[i] += int(n or 0)
    return facts


def ack_times(context: Context, start: datetime, end: datetime, now: datetime,
              hub: str | None = None) -> Times:
    """Hours to acknowledge of the referrals created in ``[start, end)`` (of one hub): per
    table and value, how many were acknowledged, the median and the 90th percentile
    (nearest rank). Tables: ``*`` (value ``all``), hub, case_type, risk, month, agency."""
    query = _Query(context, start, end, now, Escalations(), hub)
    found: dict[tuple[str, str], dict[str, Any]] = {}
    with context.reading() as db:
        for table, value, n, rank, hours in db.execute(query.times()):
            entry = found.setdefault((table, value), {"n": int(n)})
            if rank == (n + 1) // 2:
                entry["median"] = float(hours)
            if rank == (n * 9 + 9) // 10:
                entry["p90"] = float(hours)
    return {key: (entry["n"], round(entry["median"], 4), round(entry["p90"], 4))
            for key, entry in found.items()}


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


def earliest_referral(context: Context) -> datetime | None:
    """When the first referral was made: the start of the calendar a reader may choose
    periods from."""
    with context.reading() as db:
        found: datetime | None = db.scalar(select(func.min(Referral.created_at)))
    return found.astimezone(UTC) if found is not None else None
