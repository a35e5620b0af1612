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
        facts = list(_facts(db.execute(_query(filters)).tuples()))
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
