"""The facts behind ``intake report``, read from the columns that survive erasure and
identify no one: per *cell* (month of creation, hub, case type, risk, agency) the closed-loop
counts of the referrals made, and per agency what happened while it held them.

What is read, and why:

* Only referrals whose consent scopes include ``statistics``, created in whole calendar
  months (``start`` to ``end``, both month boundaries in UTC). The number left out for want
  of that consent is counted apart, never which.
* Each referral's facts of its trail (``storage.referral_facts``: first and last arrival,
  holdings, first forward, acknowledgement, acceptance, decline, escalation, outcome
  notice), kept on its row with each move; and, for the referrals forwarded at least once,
  each of their holdings (``referral_holdings``), kept the same way. The trail itself
  (``referral_events``) is not read. A *holding* begins when the
  referral reaches an agency: its ``sent`` event, or a ``forwarded`` one (a manual forward,
  or an escalation, whose actor is ``system:escalation``). Each holding has its own
  acknowledgement clock, as long as the current one (``acknowledge_by`` minus the arrival
  at the current holder: the window depends on the case type and risk only), starting when
  the referral arrived.
* Time to acknowledgement is measured from the arrival at the agency that acknowledged, to
  the minute.
* The case deadline (``case_due_at``) is set at identification and never restarts; a
  referral is closed in time if ``closed_at`` is no later.

The database does the counting (see :class:`_Query`), in one pass over the referrals and
one over the holdings: what comes back are sums per cell
(:data:`~bot.report.measures.MEASURES`) and per agency cell, and with each the whole
minutes its acknowledgements took, in no order, from which :meth:`Facts.times` gives the
medians and 90th percentiles of any table of any period of the year read (so a report reads
its year once). :mod:`bot.report.tables` adds the sums up into the marginal tables and
suppresses. Nothing that names or orders a referral leaves the database. Months are told
apart by comparing creation times with month
boundaries bound as parameters, so SQLite and PostgreSQL give the same figures whatever
the session's time zone (the tests run on both).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Text,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
)

from bot.ports import ACKNOWLEDGED, CLOSED, DECLINED, ERASED, FORWARDED, SENT
from bot.report.measures import AGENCY_MEASURES, MEASURES
from storage.models import Referral, ReferralHolding
from storage.models.base import UTCDateTime
from storage.sql import Context

STATISTICS = "statistics"
NO_HUB = "unknown"
UNRATED = "unrated"
UNROUTED = "unrouted"
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
    #: The whole minutes each referral's first holding took to be acknowledged, per cell.
    minutes: dict[CellKey, list[int]] = field(default_factory=dict)
    #: The same for every holding, per agency cell.
    agency_minutes: dict[AgencyKey, list[int]] = field(default_factory=dict)
    #: Referrals made without statistics consent, per month and hub (None: no hub given).
    left_out: dict[tuple[str, str | None], int] = field(default_factory=dict)

    def count_left_out(self, months: Collection[str] | None = None,
                       hub: str | None = None) -> int:
        """How many referrals made in ``months`` (None: every month read), of one hub or
        all, are not counted, for want of statistics consent."""
        return sum(n for (month, made_in), n in self.left_out.items()
                   if (months is None or month in months) and (hub is None or made_in == hub))

    def times(self, months: Collection[str] | None = None,
              hub: str | None = None) -> Times:
        """Hours to acknowledge, to the minute, of the referrals created in ``months``
        (labels such as ``2026-11``; None: every month read) of one hub or all: per table
        and value, how many were acknowledged, the median and the 90th percentile (nearest
        rank). Tables: ``*`` (value ``all``), hub, case_type, risk, month (the first
        agency's acknowledgement), agency (every holding's)."""
        found: dict[tuple[str, str], list[int]] = {}

        def wanted(month: str, cell_hub: str) -> bool:
            return (months is None or month in months) and (hub is None or cell_hub == hub)

        for (month, cell_hub, case_type, risk), minutes in self.minutes.items():
            if wanted(month, cell_hub):
                for key in (("*", "all"), ("hub", cell_hub), ("case_type", case_type),
                            ("risk", risk), ("month", month)):
                    found.setdefault(key, []).extend(minutes)
        for (month, cell_hub, agency), minutes in self.agency_minutes.items():
            if wanted(month, cell_hub):
                found.setdefault(("agency", agency), []).extend(minutes)
        return {key: _percentiles(minutes) for key, minutes in found.items()}


@dataclass(frozen=True)
class Escalations:
    """Who is the backup and the coordinator, from the directory. The report no longer
    needs it: each escalation now records the role it gave the agency
    (``storage.referral_facts``), and migration 0014 used the directory once for earlier
    ones. Kept so that callers passing it keep working."""

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

    Everything is counted by the database; what comes back are sums, and the minutes each
    acknowledgement took, per cell. The referral cells read the facts each referral keeps
    of its trail (``storage.referral_facts``): one row per referral, no trail. Only the
    referrals forwarded at least once have more than one holding; theirs are read from
    ``referral_holdings`` and the agency figures of those holdings added. Clocks are
    compared in seconds from the epoch, as each database computes them."""

    def __init__(self, context: Context, start: datetime, end: datetime, now: datetime,
                 hub: str | None = None) -> None:
        self.now = now
        self.dialect = context.dialect
        created = _created(self.dialect)
        self.made: list[ColumnElement[bool]] = [created >= start, created < end]
        if hub is not None:
            self.made.append(Referral.hub == hub)
        self.window: list[ColumnElement[bool]] = [_allows_statistics(), *self.made]
        self.month = _month_case(months_between(start, end))
        self.hub = func.coalesce(Referral.hub, NO_HUB)
        self.risk = func.coalesce(Referral.risk, UNRATED)
        #: The first holding's acknowledgement: before the referral first moved on.
        self.first_acked = case((or_(Referral.forwarded_at.is_(None),
                                     Referral.acknowledged_at < Referral.forwarded_at),
                                 Referral.acknowledged_at))

    def seconds(self, column: Any) -> Any:
        if self.dialect == "postgresql":
            return func.extract("epoch", column)
        return (func.julianday(column) - 2440587.5) * 86400.0

    def minutes(self, end: Any, start: Any) -> Any:
        """Whole minutes from ``start`` to ``end``, the nearest (a half away from zero):
        times to acknowledge are counted to the minute."""
        return func.round((self.seconds(end) - self.seconds(start)) / 60.0)

    def minutes_list(self, end: Any, start: Any) -> Any:
        """The whole minutes of every acknowledgement of a group, comma-separated, in no
        order (NULL: none): each cell's times, for the percentiles of any table built from
        cells. Nothing in it says whose they are."""
        minutes = cast(self.minutes(end, start), Integer)
        if self.dialect == "postgresql":
            return func.string_agg(cast(minutes, Text), literal(","))
        return func.group_concat(minutes, literal(","))

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
        and the agency figures of the referrals that stayed where they were sent; and the
        minutes each first holding's acknowledgement took."""
        r = Referral
        in_time, decided = self.judged(r.arrived_at, self.first_acked, r.last_arrived_at,
                                       r.forwarded_at)
        closed = r.status == CLOSED
        case_decided = and_(r.case_due_at.is_not(None), or_(
            r.closed_at.is_not(None),
            and_(r.case_due_at <= self.now,
                 or_(r.erased_at.is_(None), r.case_due_at <= r.erased_at))))
        closed_in_time = and_(r.closed_at.is_not(None), r.case_due_at.is_not(None),
                              r.closed_at <= r.case_due_at)
        measures = {
            "made": func.count(),
            "ack_in_time": func.sum(in_time),
            "ack_decided": func.sum(decided),
            "closed_in_time": _count(closed_in_time),
            "case_decided": _count(case_decided),
            "accepted": _count(r.accepted_at.is_not(None)),
            "declined": _count(r.declined_at.is_not(None)),
            "forwarded": _count(r.forwarded_at.is_not(None)),
            "closed": _count(closed),
            "closed_notified": _count(and_(closed, r.referrer_id.is_not(None),
                                           r.outcome_notified_at.is_not(None))),
            "escalated_backup": _count(r.escalated_backup_at.is_not(None)),
            "escalated_coordinator": _count(r.escalated_coordinator_at.is_not(None)),
            "overdue": _count(self.overdue()),
        }
        assert tuple(measures) == MEASURES
        moved = case((r.forwarded_at.is_not(None), 1), else_=0)
        holds = _count(r.status != ERASED)
        minutes = self.minutes_list(self.first_acked, r.arrived_at)
        return (select(self.month, self.hub, r.case_type, self.risk, r.first_agency,
                       moved, *measures.values(), holds, minutes)
                .where(*self.window)
                .group_by(self.month, self.hub, r.case_type, self.risk, r.first_agency,
                          moved))

    def moved(self) -> Any:
        """The agency figures of every holding of the referrals forwarded at least once,
        from ``referral_holdings`` (the number of holdings and the last arrival are the
        referral's own facts), with the minutes each holding's acknowledgement took."""
        h = ReferralHolding
        in_time, decided = self.judged(h.arrived_at, h.acknowledged_at,
                                       Referral.last_arrived_at)
        holds = and_(h.number == Referral.holdings, Referral.agency == h.agency,
                     Referral.status != ERASED)
        measures = {
            "made_to": _count(h.number == 1),
            "received": func.count(),
            "ack_in_time": func.sum(in_time),
            "ack_decided": func.sum(decided),
            "accepted": _count(h.accepted.is_(True)),
            "declined": _count(h.declined.is_(True)),
            "forwarded_on": _count(h.number < Referral.holdings),
            "held_now": _count(holds),
            "overdue": _count(and_(holds, self.overdue())),
        }
        assert tuple(measures) == AGENCY_MEASURES
        minutes = self.minutes_list(h.acknowledged_at, h.arrived_at)
        return (select(self.month, self.hub, h.agency, *measures.values(), minutes)
                .select_from(Referral).join(h, h.referral_id == Referral.id)
                .where(Referral.forwarded_at.is_not(None), *self.window)
                .group_by(self.month, self.hub, h.agency))

    def left_out(self) -> Any:
        """How many referrals were made without statistics consent, per month and hub as
        stored (NULL: none given): only a number, never which. One pass over the window
        like the cells', sorting only the few left out."""
        return (select(self.month, Referral.hub, func.count())
                .where(not_(_allows_statistics()), *self.made)
                .group_by(self.month, Referral.hub))


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


def read_facts(context: Context, start: datetime, end: datetime, now: datetime,
               escalations: Escalations | None = None) -> Facts:
    """The facts of the referrals created in ``[start, end)`` (whole months) as of ``now``,
    with the minutes of their acknowledgements (:meth:`Facts.times`) and how many were
    left out (:meth:`Facts.count_left_out`). ``escalations`` is not read (see
    :class:`Escalations`)."""
    del escalations
    query = _Query(context, start, end, now)
    facts = Facts()
    made, in_time, decided, accepted, declined, overdue = (MEASURES.index(name) for name in (
        "made", "ack_in_time", "ack_decided", "accepted", "declined", "overdue"))
    nothing = [0] * (len(AGENCY_MEASURES) - 1)
    with context.reading() as db:
        connection = db.connection()  # rows as plain tuples: a year has tens of thousands
        for month, hub, case_type, risk, agency, moved, *sums, minutes in connection.execute(
                query.cells()):
            counts = [int(n) for n in sums]
            holds = counts.pop()
            key = (month, hub, case_type, risk)
            _add(facts.cells, key, counts)
            found = _minutes(minutes)
            if found:
                facts.minutes.setdefault(key, []).extend(found)
            if moved:
                continue  # every holding of it comes from referral_holdings below
            if agency is None:
                _add(facts.agencies, (month, hub, UNROUTED), [counts[made], *nothing])
                continue
            # one holding: the referral's figures are its agency's
            _add(facts.agencies, (month, hub, agency), [
                counts[made], counts[made], counts[in_time], counts[decided],
                counts[accepted], counts[declined], 0, holds, counts[overdue]])
            if found:
                facts.agency_minutes.setdefault((month, hub, agency), []).extend(found)
        for month, hub, agency, *sums, minutes in connection.execute(query.moved()):
            _add(facts.agencies, (month, hub, agency), [int(n) for n in sums])
            found = _minutes(minutes)
            if found:
                facts.agency_minutes.setdefault((month, hub, agency), []).extend(found)
        for month, hub, n in connection.execute(query.left_out()):
            facts.left_out[(month, hub)] = int(n)
    return facts


def _add(table: dict[Any, list[int]], key: Any, counts: list[int]) -> None:
    found = table.get(key)
    table[key] = counts if found is None else [a + b for a, b in zip(found, counts,
                                                                     strict=True)]


def _minutes(found: str | None) -> list[int]:
    return list(map(int, found.split(","))) if found else []


def ack_times(context: Context, start: datetime, end: datetime, now: datetime,
              hub: str | None = None) -> Times:
    """Hours to acknowledge of the referrals created in ``[start, end)`` (of one hub): the
    facts of that window read for this alone (see :meth:`Facts.times`)."""
    return read_facts(context, start, end, now).times(hub=hub)


def _percentiles(minutes: list[int]) -> tuple[int, float, float]:
    """The count, and the nearest-rank median and 90th percentile in hours, of whole
    minutes (counted into a histogram first: a few hundred distinct values to sort)."""
    histogram = Counter(minutes)
    total = len(minutes)
    ranks = {"median": (total + 1) // 2, "p90": (total * 9 + 9) // 10}
    found: dict[str, float] = {}
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        for name, rank in ranks.items():
            if name not in found and seen >= rank:
                found[name] = value / 60
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


def _created(dialect: str) -> Any:
    """The creation time to select a window by. A report's window is a year, most of the
    table, which SQLite reads fastest in one pass over the table; given the column itself
    it goes through the index of creation times and looks every row up from there, five
    times slower. The unary plus is SQLite's way of keeping a term off the index.
    PostgreSQL chooses by its statistics."""
    if dialect == "sqlite":
        return literal_column(f"+{Referral.__tablename__}.created_at", UTCDateTime())
    return Referral.created_at


def _allows_statistics() -> ColumnElement[bool]:
    """Scopes are stored space-separated ("refer share statistics"): the word alone, first,
    last or between two others, with the same SQL on both databases. Comparing the column
    itself, not an expression of it, lets PostgreSQL estimate from the column's statistics
    how many referrals pass (for ``' ' || scopes || ' '`` it guessed ten, and sorted the
    year on disk instead of in memory); on SQLite it is also a little faster."""
    scopes = Referral.consent_scopes
    return or_(scopes == STATISTICS, scopes.like(f"{STATISTICS} %"),
               scopes.like(f"% {STATISTICS}"), scopes.like(f"% {STATISTICS} %"))


def earliest_referral(context: Context) -> datetime | None:
    """When the first referral was made: the start of the calendar a reader may choose
    periods from."""
    with context.reading() as db:
        found: datetime | None = db.scalar(select(func.min(Referral.created_at)))
    return found.astimezone(UTC) if found is not None else None
