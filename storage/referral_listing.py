"""The referrals as the console lists them: one page at a time, newest first, from the
plain columns only.

What is read: the case code, case type, hub, risk, urgency, status, the agency holding the
referral and its role, the clocks, the escalation level and the creation time. Nothing
encrypted (the card, the contact, the reasons of the trail) is ever selected, so no page can
show a name, a contact or an answer, whatever a template does with a row.

Pages are cut by *keyset* over the primary key, never by ``OFFSET``: the page after a row
holds the rows with a smaller id, the page before it those with a larger one, so the
hundredth page costs what the first does, on 100,000 referrals as on 100.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, select

from bot.casecode import LENGTH, format_code, normalise
from storage.models import Referral
from storage.sql import Context

#: Statuses in which an agency (or a coordinator) still has to act: the clock in
#: ``due_at`` runs. The same as ``bot.routing.lifecycle.OPEN``.
OPEN = ("sent", "acknowledged", "declined", "forwarded")
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class ListingFilter:
    """What the reader asked for. ``hub`` None means every hub: the caller decides who may
    ask for that (a hub coordinator always passes their own hub)."""

    hub: str | None = None
    status: str | None = None
    overdue: bool = False
    #: A case code, whole or its beginning, as typed (case, hyphens and look-alikes do not
    #: matter: ``bot.casecode.normalise``).
    code: str | None = None


@dataclass(frozen=True)
class ListedReferral:
    id: int
    code: str
    case_type: str
    hub: str | None
    risk: str | None
    urgent: bool
    status: str
    agency: str | None
    via: str | None
    acknowledge_by: datetime | None
    case_due_at: datetime | None
    due_at: datetime | None
    escalation_level: int
    created_at: datetime
    closed_at: datetime | None
    overdue: bool


@dataclass(frozen=True)
class ListingPage:
    rows: tuple[ListedReferral, ...]
    #: The id to pass as ``after`` for the next (older) page; None: this is the last.
    next_after: int | None
    #: The id to pass as ``before`` for the previous (newer) page; None: this is the first.
    previous_before: int | None


def code_prefix(text: str) -> str:
    """A typed code (or its beginning) in the stored form: ``k7q4m`` -> ``K7Q-4M``."""
    return format_code(normalise(text)[:LENGTH])


def overdue_now(now: datetime) -> ColumnElement[bool]:
    """Open, not erased, and its running clock has passed: what the escalation scan and the
    indicators call overdue."""
    return and_(Referral.status.in_(OPEN), Referral.closed_at.is_(None),
                Referral.erased_at.is_(None), Referral.due_at.is_not(None),
                Referral.due_at <= now)


class SqlReferralListing:
    def __init__(self, context: Context) -> None:
        self._context = context

    def page(self, where: ListingFilter, now: datetime, *, after: int | None = None,
             before: int | None = None, size: int = PAGE_SIZE) -> ListingPage:
        """The ``size`` newest referrals matching ``where`` older than ``after`` (or, with
        ``before``, the ``size`` oldest newer than it, in the same newest-first order)."""
        if after is not None and before is not None:
            raise ValueError("give after or before, not both")
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise ValueError(f"a page holds 1 to {MAX_PAGE_SIZE} referrals, not {size}")
        conditions = self._conditions(where, now)
        r = Referral
        query = select(r.id, r.code, r.case_type, r.hub, r.risk, r.urgent, r.status, r.agency,
                       r.via, r.acknowledge_by, r.case_due_at, r.due_at, r.escalation_level,
                       r.created_at, r.closed_at).where(*conditions)
        if before is not None:
            query = query.where(r.id > before).order_by(r.id.asc())
        else:
            if after is not None:
                query = query.where(r.id < after)
            query = query.order_by(r.id.desc())
        with self._context.reading() as db:
            found = [tuple(row) for row in db.execute(query.limit(size + 1))]
        more = len(found) > size
        found = found[:size]
        if before is not None:
            found.reverse()
        rows = tuple(_listed(row, now) for row in found)
        if not rows:
            return ListingPage((), None, None)
        older = more if before is None else True
        newer = after is not None or (before is not None and more)
        return ListingPage(rows, rows[-1].id if older else None,
                           rows[0].id if newer else None)

    def _conditions(self, where: ListingFilter, now: datetime) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if where.hub is not None:
            found.append(Referral.hub == where.hub)
        if where.status is not None:
            found.append(Referral.status == where.status)
        if where.overdue:
            found.append(overdue_now(now))
        if where.code:
            prefix = code_prefix(where.code)
            if len(normalise(where.code)) >= LENGTH:
                found.append(Referral.code == prefix)
            elif prefix:
                # normalise() keeps letters, digits and nothing LIKE reads specially
                found.append(Referral.code.like(f"{_escaped(prefix)}%", escape="\\"))
        return found


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _listed(row: tuple[Any, ...], now: datetime) -> ListedReferral:
    (id_, code, case_type, hub, risk, urgent, status, agency, via, acknowledge_by,
     case_due_at, due_at, escalation_level, created_at, closed_at) = row
    overdue = (status in OPEN and closed_at is None and due_at is not None and due_at <= now)
    return ListedReferral(id_, code, case_type, hub, risk, bool(urgent), status, agency, via,
                          acknowledge_by, case_due_at, due_at, int(escalation_level),
                          created_at, closed_at, overdue)
