"""The facts behind ``intake report``, read from the columns that survive erasure and
identify no one: per *cell* (month of creation, hub, case type, risk, agency) the closed-loop
counts of the referrals made, and per agency what happened while it held them.

What is read, and why:

* Only referrals whose consent scopes include ``statistics``, created in whole calendar
  months (``start`` to ``end``, both month boundaries in UTC). The number left out for want
  of that consent is counted apart, never which.
* Each referral's trail (``referral_events``). A *holding* begins when the
  referral reaches an agency: its ``sent`` event, or a ``forwarded`` one (a manual forward,
  or an escalation, whose actor is ``system:escalation``). Each holding has its own
  acknowledgement clock, as long as the current one (``acknowledge_by`` minus the arrival
  at the current holder: the window depends on the case type and risk only), starting when
  the referral arrived.
* Time to acknowledgement is measured from the arrival at the agency that acknowledged, to
  the minute.
* The case deadline (``case_due_at``) is set at identification and never restarts; a
  referral is closed in time if ``closed_at`` is no later.

The database does the counting (see :class:`_Query`); what comes back are sums per cell
(:data:`~bot.report.measures.MEASURES`), per agency cell, and histograms of minutes, which
:mod:`bot.report.tables` adds up into the marginal tables and suppresses. Nothing per
referral leaves the database. Months are told apart by comparing creation times with month
boundaries bound as parameters, so SQLite and PostgreSQL give the same figures whatever
the session's time zone (the tests run on both).
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

    Everything is counted by the database, and only sums come back. Most referrals stay
    with the agency they were sent to: one pass over the trail, grouped per referral,
    gives what they need (``r1``). Only the referrals forwarded at least once have more
    than one holding; their trails are cut into holdings with a window function (the
    running number of arrivals, ``h``), and the agency figures of those holdings added.
    Clocks are compared in seconds from the epoch, as each database computes them."""

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
        e = ReferralEvent
        arrival = and_(e.status.in_([SENT, FORWARDED]), e.agency.is_not(None))
        escalated = and_(e.status == FORWARDED, e.actor == ESCALATION_ACTOR)
        self.r1 = (select(
            Referral.id.label("rid"),
            func.sum(case((arrival, 1), else_=0)).label("arrivals"),
            func.max(case((and_(arrival, e.status == SENT), e.agency))).label("agency"),
            func.min(case((arrival, e.at))).label("arrived"),
            func.min(case((and_(arrival, e.status == FORWARDED), e.at))).label("moved"),
            func.max(case((arrival, e.at))).label("last_arrived"),
            func.min(case((e.status == ACKNOWLEDGED, e.at))).label("acked"),
            func.max(case((e.status == ACCEPTED, 1), else_=0)).label("accepted"),
            func.max(case((e.status == DECLINED, 1), else_=0)).label("declined"),
            func.max(case((and_(escalated, e.agency == _backup(escalations)), 1), else_=0))
            .label("to_backup"),
            func.max(case((and_(escalated, e.agency == _coordinator(escalations)), 1),
                          else_=0)).label("to_coordinator"))
            .select_from(Referral).join(e, e.referral_id == Referral.id)
            .where(*self.window).group_by(Referral.id)).cte("r1")
        r1 = self.r1
        #: The first holding's acknowledgement: before the referral first moved on.
        self.first_acked = case((or_(r1.c.moved.is_(None), r1.c.acked < r1.c.moved),
                                 r1.c.acked))
        forwarded = select(e.referral_id).where(e.status == FORWARDED, e.agency.is_not(None))
        events = (select(e.referral_id.label("rid"), e.status, e.at, e.agency,
                         func.sum(case((arrival, 1), else_=0)).over(
                             partition_by=e.referral_id, order_by=(e.at, e.id),
                             rows=(None, 0)).label("holding"))
                  .join(Referral, Referral.id == e.referral_id)
                  .where(*self.window, e.referral_id.in_(forwarded))).subquery("ev")
        arrived = and_(events.c.status.in_([SENT, FORWARDED]), events.c.agency.is_not(None))
        self.h = (select(
            events.c.rid, events.c.holding,
            func.max(case((arrived, events.c.agency))).label("agency"),
            func.min(case((arrived, events.c.at))).label("arrived"),
            func.min(case((events.c.status == ACKNOWLEDGED, events.c.at))).label("acked"),
            func.max(case((events.c.status == ACCEPTED, 1), else_=0)).label("accepted"),
            func.max(case((events.c.status == DECLINED, 1), else_=0)).label("declined"))
            .where(events.c.holding > 0)
            .group_by(events.c.rid, events.c.holding)).cte("h")

    def seconds(self, column: Any) -> Any:
        if self.dialect == "postgresql":
            return func.extract("epoch", column)
        return (func.julianday(column) - 2440587.5) * 86400.0

    def minutes(self, end: Any, start: Any) -> Any:
        """Whole minutes from ``start`` to ``end``: times to acknowledge are counted to the
        minute, so the database returns a histogram rather than every time."""
        return func.round((self.seconds(end) - self.seconds(start)) / 60.0)

    def judged(self, arrived: Any, acked: Any, last_arrived: Any,
               moved: Any = None) -> tuple[Any, Any]:
        """(in time, decided) of one holding's acknowledgement, as 0/1 SQL expressions: its
        clock is as long as the current holder's (``acknowledge_by`` minus the last
        arrival) and starts when the referral arrived.

        With ``moved`` (NULL when the referral never moved on, so its one holding's clock
        is ``acknowledge_by`` itself), those referrals, nearly all, are judged by comparing
        times as stored, without any arithmetic."""
        clock = self.seconds(Referral.acknowledge_by) - self.seconds(last_arrived)
        stopped = case((and_(Referral.erased_at.is_not(None), Referral.erased_at < self.now),
                        self.seconds(Referral.erased_at)),
                       else_=literal(self.now.timestamp()))
        running = and_(Referral.acknowledge_by.is_not(None), arrived.is_not(None))
        in_time = case((and_(running, acked.is_not(None),
                             self.seconds(acked) - self.seconds(arrived) <= clock + TOLERANCE),
                        1), else_=0)
        decided = case((and_(running, or_(acked.is_not(None),
                                          self.seconds(arrived) + clock <= stopped)), 1),
                       else_=0)
        if moved is None:
            return in_time, decided
        deadline = Referral.acknowledge_by
        still = and_(deadline <= self.now,
                     or_(Referral.erased_at.is_(None), deadline <= Referral.erased_at))
        return (case((moved.is_not(None), in_time),
                     else_=_count_case(and_(deadline.is_not(None), acked.is_not(None),
                                            acked <= deadline))),
                case((moved.is_not(None), decided),
                     else_=_count_case(and_(deadline.is_not(None), arrived.is_not(None),
                                            or_(acked.is_not(None), still)))))

    def overdue(self) -> ColumnElement[bool]:
        return and_(Referral.status.in_(OPEN), Referral.closed_at.is_(None),
                    Referral.erased_at.is_(None), Referral.due_at.is_not(None),
                    Referral.due_at <= self.now)

    def cells(self) -> Any:
        """Sums per cell and first agency, with whether the referral moved on: the cells,
        and the agency figures of the referrals that stayed where they were sent."""
        r1 = self.r1
        in_time, decided = self.judged(r1.c.arrived, self.first_acked, r1.c.last_arrived,
                                       r1.c.moved)
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
            "accepted": func.sum(func.coalesce(r1.c.accepted, 0)),
            "declined": func.sum(func.coalesce(r1.c.declined, 0)),
            "forwarded": _count(r1.c.moved.is_not(None)),
            "closed": _count(closed),
            "closed_notified": _count(and_(closed, Referral.referrer_id.is_not(None),
                                           notified)),
            "escalated_backup": func.sum(func.coalesce(r1.c.to_backup, 0)),
            "escalated_coordinator": func.sum(func.coalesce(r1.c.to_coordinator, 0)),
            "overdue": _count(self.overdue()),
        }
        assert tuple(measures) == MEASURES
        moved = case((r1.c.moved.is_not(None), 1), else_=0)
        holds = _count(Referral.status != ERASED)
        return (select(self.month, self.hub, Referral.case_type, self.risk, r1.c.agency,
                       moved, *measures.values(), holds)
                .select_from(Referral)
                .outerjoin(r1, r1.c.rid == Referral.id)
                .where(*self.window)
                .group_by(self.month, self.hub, Referral.case_type, self.risk, r1.c.agency,
                          moved))

    def moved(self) -> Any:
        """The agency figures of every holding of the referrals forwarded at least once,
        from their trails alone (the number of holdings and the last arrival by a window
        over the holdings)."""
        h = self.h
        whole = (select(h, func.max(h.c.holding).over(partition_by=h.c.rid).label("holdings"),
                        func.max(h.c.arrived).over(partition_by=h.c.rid).label("last_arrived"))
                 .subquery("whole"))
        in_time, decided = self.judged(whole.c.arrived, whole.c.acked, whole.c.last_arrived)
        holds = and_(whole.c.holding == whole.c.holdings, Referral.agency == whole.c.agency,
                     Referral.status != ERASED)
        measures = {
            "made_to": _count(whole.c.holding == 1),
            "received": func.count(),
            "ack_in_time": func.sum(in_time),
            "ack_decided": func.sum(decided),
            "accepted": func.sum(whole.c.accepted),
            "declined": func.sum(whole.c.declined),
            "forwarded_on": _count(whole.c.holding < whole.c.holdings),
            "held_now": _count(holds),
            "overdue": _count(and_(holds, self.overdue())),
        }
        assert tuple(measures) == AGENCY_MEASURES
        return (select(self.month, self.hub, whole.c.agency, *measures.values())
                .select_from(whole).join(Referral, Referral.id == whole.c.rid)
                .group_by(self.month, self.hub, whole.c.agency))

    def times(self) -> Any:
        """Per table and value, how many acknowledgements took each whole number of minutes
        (the first agency's for referrals, every holding's for agencies)."""
        r1, h = self.r1, self.h
        first = (select(self.month.label("month"), self.hub.label("hub"),
                        Referral.case_type.label("case_type"), self.risk.label("risk"),
                        r1.c.agency, r1.c.moved,
                        self.minutes(self.first_acked, r1.c.arrived).label("minutes"))
                 .select_from(r1).join(Referral, Referral.id == r1.c.rid)
                 .where(self.first_acked.is_not(None))).cte("acks")
        later = (select(h.c.agency, self.minutes(h.c.acked, h.c.arrived).label("minutes"))
                 .where(h.c.acked.is_not(None))).subquery("later")
        parts = [select(literal("*").label("t"), literal("all").label("v"), first.c.minutes)]
        for table in ("hub", "case_type", "risk", "month"):
            parts.append(select(literal(table), first.c[table], first.c.minutes))
        parts.append(select(literal("agency"), first.c.agency, first.c.minutes)
                     .where(first.c.moved.is_(None)))
        parts.append(select(literal("agency"), later.c.agency, later.c.minutes))
        every = union_all(*parts).subquery("every")
        return (select(every.c.t, every.c.v, every.c.minutes, func.count())
                .group_by(every.c.t, every.c.v, every.c.minutes))


def _count_case(condition: ColumnElement[bool]) -> Any:
    return case((condition, 1), else_=0)


def _count(condition: ColumnElement[bool]) -> Any:
    return func.sum(_count_case(condition))


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

    def add(key: AgencyKey, counts: list[int]) -> None:
        row = facts.agencies.setdefault(key, [0] * len(AGENCY_MEASURES))
        for i, n in enumerate(counts):
            row[i] += n

    with context.reading() as db:
        for month, hub, case_type, risk, agency, moved, *sums in db.execute(query.cells()):
            counts = [int(n or 0) for n in sums]
            holds = counts.pop()
            cell = facts.cells.setdefault((month, hub, case_type, risk),
                                          [0] * len(MEASURES))
            for i, n in enumerate(counts):
                cell[i] += n
            m = dict(zip(MEASURES, counts, strict=True))
            if moved:
                continue  # every holding of it comes from the trail below
            if agency is None:
                add((month, hub, UNROUTED), [m["made"]] + [0] * (len(AGENCY_MEASURES) - 1))
            else:  # one holding: the referral's figures are its agency's
                add((month, hub, agency), [
                    m["made"], m["made"], m["ack_in_time"], m["ack_decided"], m["accepted"],
                    m["declined"], 0, holds, m["overdue"]])
        for month, hub, agency, *sums in db.execute(query.moved()):
            add((month, hub, agency), [int(n or 0) for n in sums])
    return facts


def ack_times(context: Context, start: datetime, end: datetime, now: datetime,
              hub: str | None = None) -> Times:
    """Hours to acknowledge of the referrals created in ``[start, end)`` (of one hub), to the
    minute: per table and value, how many were acknowledged, the median and the 90th
    percentile (nearest rank). Tables: ``*`` (value ``all``), hub, case_type, risk, month,
    agency."""
    query = _Query(context, start, end, now, Escalations(), hub)
    histograms: dict[tuple[str, str], dict[int, int]] = {}
    with context.reading() as db:
        for table, value, minutes, n in db.execute(query.times()):
            histogram = histograms.setdefault((table, value), {})
            histogram[int(minutes)] = histogram.get(int(minutes), 0) + int(n)
    return {key: _percentiles(histogram) for key, histogram in histograms.items()}


def _percentiles(histogram: Mapping[int, int]) -> tuple[int, float, float]:
    """The count, and the nearest-rank median and 90th percentile in hours, of a histogram
    of minutes."""
    total = sum(histogram.values())
    ranks = {"median": (total + 1) // 2, "p90": (total * 9 + 9) // 10}
    found: dict[str, float] = {}
    seen = 0
    for minutes in sorted(histogram):
        seen += histogram[minutes]
        for name, rank in ranks.items():
            if name not in found and seen >= rank:
                found[name] = minutes / 60
    return total, round(found["median"], 4), round(found["p90"], 4)


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
