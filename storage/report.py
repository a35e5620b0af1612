"""Aggregate statistics for coordinators (``intake report``): counts and acknowledgement
times, from the columns that survive erasure and identify no one.

What is counted, and why:

* Only referrals whose consent scopes include ``statistics``. A child-safety override
  referral was made without consent, so unless the scope was granted too it is left out;
  the report says how many were left out, never which.
* Counts per month of creation (UTC), hub, case type, risk and *current* status: the
  analogue of the CPiE indicators "referrals made / accepted / declined / forwarded".
* Per agency, the median time from the referral's creation to its first acknowledgement
  (from the ``referral_events`` trail), and the share acknowledged within the deadline
  (``acknowledge_by``). A referral counts towards the share once it is decided: it was
  acknowledged (in time or late), or its deadline passed without an acknowledgement.
  One that is still within its deadline is not counted yet, so a busy week does not look
  better than it is. The deadline is the referral's current one, which a forward restarts:
  a forwarded referral is judged against the clock of the agency it was forwarded to.

No case code, no referral id, no envelope or contact details leave this module; the month
is bucketed and the medians taken in Python, so SQLite and PostgreSQL give the same figures
whatever the database session's time zone.

Small counts (``protect``). Even without a case code, "1 referral of a girl with a disability
in hub X this month" can point at a person in a small hub, so nothing leaves the report
without passing through ``protect``, which applies this rule for a threshold k
(``--min-count``, default 5):

1. Primary suppression: every count from 1 to k-1 is shown as ``<k``. A zero stays a zero
   (a count-table row is printed only when its count is above zero).
2. No total over a hidden count: a total is withheld (``x``) whenever one of the counts it
   adds up is hidden; the number of referrals counted, the total of the count table, is then
   given as the range the visible rows imply (each hidden row is 1 to k-1), which tells a
   reader nothing the rows do not. The acknowledgement table's "all agencies" row is
   withheld column by column: a column total is shown only if no agency's count in that
   column is hidden.
3. No ratio over a hidden count: a share in time is withheld when its numerator (in time) or
   denominator (decided) is hidden, or withheld, since the share and the other figure would
   give it back.
4. A median of fewer than k acknowledgements is withheld: the median of one is that
   referral's own time.
5. The number left out (no statistics consent) is a count like any other: ``<k`` if small.

Why withhold totals rather than suppress a second cell: the count table has no row or column
margins, only the grand total, so withholding that one number keeps every count of k or
more visible; and "suppress the next smallest cell" still leaks to a reader who knows the
rule (the second cell is at least k and at most the smallest visible one; two hidden 1s
are given away by a difference of 2). With no published total over them, each hidden count
can be anything from 1 to k-1 whatever the visible figures, which the tests check by
enumerating every assignment.

k = 2 is refused: a count above 0 and below 2 is 1, so ``<2`` would hide nothing while
looking protected. k = 1 hides nothing, on purpose, for readers allowed to see case data.

What the rule does not cover, and ``docs/report.md`` tells whoever shares a report: reports
run with different ``--hub`` or ``--since`` filters can be subtracted from one another; and
the two tables count the same referrals along different lines (agency against hub and case
type, acknowledged against current status), which a reader who knows which agency serves
which hub can sometimes match up.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal, not_, select

from bot.ports import ACKNOWLEDGED
from storage.models import Referral, ReferralEvent
from storage.sql import Context

STATISTICS = "statistics"
NO_HUB = "unknown"
UNRATED = "unrated"
NO_AGENCY = "unknown"
SECONDS_PER_HOUR = 3600.0
MIN_COUNT = 5  # the usual humanitarian threshold: counts of 1 to 4 are hidden
WITHHELD = "x"  # a figure not shown because a hidden count could be worked out from it


@dataclass(frozen=True, order=True)
class CountRow:
    month: str  # "2026-11", of the referral's creation, UTC
    hub: str
    case_type: str
    risk: str
    status: str
    referrals: int


@dataclass(frozen=True)
class AcknowledgementRow:
    agency: str  # agency id, or "all" for the total row
    acknowledged: int
    median_hours: float | None  # to the first acknowledgement; None: none acknowledged
    in_time: int  # acknowledged no later than the deadline
    decided: int  # acknowledged, or the deadline passed without an acknowledgement

    @property
    def share_in_time(self) -> float | None:
        return self.in_time / self.decided if self.decided else None


@dataclass(frozen=True)
class Report:
    counts: list[CountRow]
    acknowledgement: list[AcknowledgementRow]
    total: AcknowledgementRow
    counted: int  # referrals with statistics consent, within the filters
    left_out: int  # referrals within the filters but without statistics consent


@dataclass(frozen=True)
class _Facts:
    """What the report needs of one referral: nothing that identifies it."""

    month: str
    hub: str
    case_type: str
    risk: str
    status: str
    agency: str | None
    created_at: datetime
    acknowledge_by: datetime | None
    erased_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None


def build_report(context: Context, now: datetime, *, hub: str | None = None,
                 since: date | None = None) -> Report:
    """The report as of ``now``, optionally for one hub and from one day (UTC) on."""
    filters = _filters(hub, since)
    with context.reading() as db:
        facts = list(_facts(db.execute(_query(filters))))
        left_out = int(db.scalar(select(func.count()).select_from(Referral)
                                 .where(*filters, not_(_allows_statistics()))) or 0)
    counts = Counter((f.month, f.hub, f.case_type, f.risk, f.status) for f in facts)
    rows = sorted(CountRow(*key, referrals=n) for key, n in counts.items())
    by_agency: dict[str, list[_Facts]] = {}
    for fact in facts:
        agency = fact.acknowledged_by if fact.acknowledged_at else fact.agency
        by_agency.setdefault(agency or NO_AGENCY, []).append(fact)
    acknowledgement = [_acknowledgement(agency, group, now)
                       for agency, group in sorted(by_agency.items())]
    return Report(rows, acknowledgement, _acknowledgement("all", facts, now),
                  counted=len(facts), left_out=left_out)


def _allows_statistics() -> ColumnElement[bool]:
    """Scopes are stored space-separated ("refer share statistics"); padding both sides
    with a space matches the whole word only, with the same SQL on both databases."""
    padded = literal(" ") + Referral.consent_scopes + literal(" ")
    return padded.like(f"% {STATISTICS} %")


def _filters(hub: str | None, since: date | None) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if hub is not None:
        found.append(Referral.hub == hub)
    if since is not None:
        found.append(Referral.created_at >= datetime(since.year, since.month, since.day,
                                                     tzinfo=UTC))
    return found


def _query(filters: list[ColumnElement[bool]]) -> Any:
    """Each counted referral, once per acknowledgement in its trail (none: once, with
    NULLs), earliest acknowledgement first."""
    acknowledged = and_(ReferralEvent.referral_id == Referral.id,
                        ReferralEvent.status == ACKNOWLEDGED)
    return (select(Referral.id, Referral.hub, Referral.case_type, Referral.risk,
                   Referral.status, Referral.agency, Referral.created_at,
                   Referral.acknowledge_by, Referral.erased_at, ReferralEvent.at,
                   ReferralEvent.agency)
            .outerjoin(ReferralEvent, acknowledged)
            .where(_allows_statistics(), *filters)
            .order_by(Referral.id, ReferralEvent.at, ReferralEvent.id))


def _facts(rows: Iterable[tuple[Any, ...]]) -> Iterable[_Facts]:
    previous = None
    for (referral_id, hub, case_type, risk, status, agency, created_at, acknowledge_by,
         erased_at, acknowledged_at, acknowledged_by) in rows:
        if referral_id == previous:
            continue  # a later acknowledgement (after a forward): the first one counts
        previous = referral_id
        yield _Facts(f"{created_at.year:04d}-{created_at.month:02d}", hub or NO_HUB,
                     case_type, risk or UNRATED, status, agency, created_at, acknowledge_by,
                     erased_at, acknowledged_at, acknowledged_by)


def _acknowledgement(agency: str, facts: list[_Facts], now: datetime) -> AcknowledgementRow:
    hours = []
    in_time = decided = 0
    for fact in facts:
        if fact.acknowledged_at is not None:
            hours.append((fact.acknowledged_at - fact.created_at).total_seconds()
                         / SECONDS_PER_HOUR)
        if fact.acknowledge_by is None:
            continue  # no deadline ran: nothing to be in time for
        if fact.acknowledged_at is not None:
            decided += 1
            in_time += fact.acknowledged_at <= fact.acknowledge_by
        elif fact.acknowledge_by <= min(now, fact.erased_at or now):
            decided += 1  # the deadline passed while the referral waited
    return AcknowledgementRow(agency, len(hours),
                              statistics.median(hours) if hours else None, in_time, decided)


@dataclass(frozen=True)
class ShownCountRow:
    """A count-table row as it may be published: ``referrals`` is "7" or "<5"."""

    month: str
    hub: str
    case_type: str
    risk: str
    status: str
    referrals: str


@dataclass(frozen=True)
class ShownAcknowledgementRow:
    """An acknowledgement row as it may be published. Counts are "7", "0", "<5" or, in the
    total row only, "x"; the median and the share are a number, ``None`` where there is
    nothing to give (no acknowledgement, nothing decided), or the mark "x"."""

    agency: str
    acknowledged: str
    median_hours: float | str | None
    in_time: str
    decided: str
    share_in_time: float | str | None


@dataclass(frozen=True)
class ProtectedReport:
    """The report with small counts hidden: the only thing the command may print, so that
    no writer can show an unprotected figure by mistake (the writers take only this)."""

    min_count: int
    counts: list[ShownCountRow]
    acknowledgement: list[ShownAcknowledgementRow]
    total: ShownAcknowledgementRow
    counted: tuple[int, int]  # (n, n) when exact, else the range the visible rows imply
    left_out: str  # "3", "0" or "<5"

    @property
    def any_counted(self) -> bool:
        """Whether any referral was counted (the upper end of a range is never 0 when one
        was)."""
        return self.counted[1] > 0

    @property
    def small(self) -> str:
        """The mark of a hidden count: "<5"."""
        return f"<{self.min_count}"


def check_min_count(min_count: int) -> None:
    """Refuse a threshold that protects nothing or pretends to: below 1 is meaningless, and
    2 would show every 1 as "<2", which still says 1."""
    if min_count < 1:
        raise ValueError(f"the minimum count must be 1 or more (1 hides nothing), "
                         f"not {min_count}")
    if min_count == 2:
        raise ValueError("a minimum count of 2 would hide nothing (a count above 0 and below "
                         "2 can only be 1): use 1 to show every count, or 3 or more")


def protect(report: Report, min_count: int = MIN_COUNT) -> ProtectedReport:
    """The report as it may be shown: small counts hidden, and every total, share and
    median that could give one back withheld (the rule is in the module docstring)."""
    check_min_count(min_count)
    counts = [ShownCountRow(row.month, row.hub, row.case_type, row.risk, row.status,
                            _count(row.referrals, min_count)) for row in report.counts]
    hidden = [row.referrals for row in report.counts if _small(row.referrals, min_count)]
    if hidden:
        visible = report.counted - sum(hidden)
        counted = (visible + len(hidden), visible + len(hidden) * (min_count - 1))
    else:
        counted = (report.counted, report.counted)
    return ProtectedReport(
        min_count, counts,
        [_agency_row(row, min_count) for row in report.acknowledgement],
        _total_row(report.total, report.acknowledgement, min_count), counted,
        _count(report.left_out, min_count))


def _small(count: int, min_count: int) -> bool:
    return 0 < count < min_count


def _count(count: int, min_count: int) -> str:
    return f"<{min_count}" if _small(count, min_count) else str(count)


def _median(row: AcknowledgementRow, min_count: int) -> float | str | None:
    return WITHHELD if _small(row.acknowledged, min_count) else row.median_hours


def _share(row: AcknowledgementRow, in_time: str, decided: str) -> float | str | None:
    """The share, unless its numerator or denominator is not shown exactly."""
    if not (in_time.isdigit() and decided.isdigit()):
        return WITHHELD
    return row.share_in_time


def _agency_row(row: AcknowledgementRow, min_count: int) -> ShownAcknowledgementRow:
    in_time, decided = _count(row.in_time, min_count), _count(row.decided, min_count)
    return ShownAcknowledgementRow(row.agency, _count(row.acknowledged, min_count),
                                   _median(row, min_count), in_time, decided,
                                   _share(row, in_time, decided))


def _total_row(total: AcknowledgementRow, rows: list[AcknowledgementRow],
               min_count: int) -> ShownAcknowledgementRow:
    """Each column total is withheld if one of the agency counts it adds up is hidden: the
    total minus the visible counts would give the hidden one back (or, for two hidden 1s,
    both of them)."""

    def column(value: int, parts: Iterable[int]) -> str:
        if any(_small(part, min_count) for part in parts):
            return WITHHELD
        return _count(value, min_count)

    in_time = column(total.in_time, (row.in_time for row in rows))
    decided = column(total.decided, (row.decided for row in rows))
    return ShownAcknowledgementRow(
        total.agency, column(total.acknowledged, (row.acknowledged for row in rows)),
        _median(total, min_count), in_time, decided, _share(total, in_time, decided))
