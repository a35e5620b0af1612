"""The facts of a referral's trail that ``intake report`` reads, kept on the referral's own
row with each move, so the report reads one row per referral instead of its trail.

Each fact is a fold of the trail (``referral_events``), the same whatever order the moves
are written in: a count, or the first or last time of some kind of move. The arrivals are
the moves that bring the referral to an agency (``sent`` or ``forwarded``, with an agency);
each starts a *holding*. Escalations are told apart by the role the escalation gave the
receiving agency (``via``: ``backup`` or ``coordinator``), recorded as it happens.

A referral forwarded at least once also keeps each of its holdings as a row
(``referral_holdings``: the agency, its arrival, its first acknowledgement, whether it
accepted or declined), cut from its trail again with each move that can change one
(:func:`keep_holdings`): in the trail's order (time, then id), each arrival starts a
holding and what comes before the next arrival belongs to it. A referral that stayed where
it was sent has one holding, whose facts are the ones above.

The outcome notice is not a move: it counts when a ``status:closed`` notice is marked sent
(:func:`outcome_notified`). Migration 0014 computed all of these from the trails and the
reminders that existed before it (the roles of earlier escalations from the directory);
migration 0016 cut the holdings of the referrals forwarded before it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session as DbSession

from bot.ports import ACKNOWLEDGED, CLOSED, DECLINED, FORWARDED, SENT
from storage.models import Referral, ReferralEvent, ReferralHolding
from storage.models import Reminder as ReminderRow

ACCEPTED = "accepted"
ESCALATION_ACTOR = "system:escalation"
OUTCOME_NOTICE = f"status:{CLOSED}"
#: The columns of the facts, as the report and the tests name them.
COLUMNS = ("first_agency", "holdings", "arrived_at", "last_arrived_at", "forwarded_at",
           "acknowledged_at", "accepted_at", "declined_at", "escalated_backup_at",
           "escalated_coordinator_at", "outcome_notified_at")
#: The first time of each kind of move, by status.
FIRST = {ACKNOWLEDGED: "acknowledged_at", ACCEPTED: "accepted_at", DECLINED: "declined_at"}
ESCALATED = {"backup": "escalated_backup_at", "coordinator": "escalated_coordinator_at"}
#: The moves that can change a holding: an arrival, or what the holder did.
HOLDING_MOVES = (SENT, FORWARDED, ACKNOWLEDGED, ACCEPTED, DECLINED)


def at_creation(agency: str | None, at: datetime) -> dict[str, Any]:
    """The facts of a referral just made: sent to ``agency`` (None: unrouted) at ``at``."""
    facts: dict[str, Any] = dict.fromkeys(COLUMNS)
    facts["holdings"] = 0
    if agency is not None:
        facts.update(first_agency=agency, holdings=1, arrived_at=at, last_arrived_at=at)
    return facts


def fold(row: Referral, status: str, at: datetime, *, actor: str, agency: str | None,
         via: str | None = None) -> None:
    """Add one move of the trail to ``row``'s facts: ``status`` at ``at`` by ``actor``,
    ``agency`` being the one the trail records for it (the holder after the move)."""
    if status in (SENT, FORWARDED) and agency is not None:
        row.holdings = (row.holdings or 0) + 1
        row.arrived_at = _first(row.arrived_at, at)
        row.last_arrived_at = at if row.last_arrived_at is None else max(
            row.last_arrived_at, at)
        if status == SENT:
            row.first_agency = agency if row.first_agency is None else max(
                row.first_agency, agency)
        else:
            row.forwarded_at = _first(row.forwarded_at, at)
    if status in FIRST:
        name = FIRST[status]
        setattr(row, name, _first(getattr(row, name), at))
    if status == FORWARDED and actor == ESCALATION_ACTOR and via in ESCALATED:
        name = ESCALATED[via]
        setattr(row, name, _first(getattr(row, name), at))


def holdings_of(referral_id: int, trail: Iterable[tuple[str, datetime, str | None]],
                ) -> list[dict[str, Any]]:
    """The holdings of a trail given in its order (time, then id) as (status, at, agency):
    one row of ``referral_holdings`` per arrival at an agency, numbered from 1. Moves
    before the first arrival belong to no holding."""
    found: list[dict[str, Any]] = []
    for status, at, agency in trail:
        if status in (SENT, FORWARDED) and agency is not None:
            found.append(dict(referral_id=referral_id, number=len(found) + 1, agency=agency,
                              arrived_at=at, acknowledged_at=None, accepted=False,
                              declined=False))
        elif not found:
            continue
        elif status == ACKNOWLEDGED:
            found[-1]["acknowledged_at"] = _first(found[-1]["acknowledged_at"], at)
        elif status == ACCEPTED:
            found[-1]["accepted"] = True
        elif status == DECLINED:
            found[-1]["declined"] = True
    return found


def keep_holdings(db: DbSession, row: Referral, status: str) -> None:
    """Cut ``row``'s trail into holdings again, inside the caller's transaction, after a
    move of ``status`` was added to it: only for a referral forwarded at least once, and
    only after a move that can change a holding. The trail is read whole (a few rows), so
    the holdings are the same whatever order the moves were written in."""
    if row.forwarded_at is None or status not in HOLDING_MOVES:
        return
    db.flush()  # the move just added is part of the trail
    trail = db.execute(select(ReferralEvent.status, ReferralEvent.at, ReferralEvent.agency)
                       .where(ReferralEvent.referral_id == row.id)
                       .order_by(ReferralEvent.at, ReferralEvent.id)).all()
    db.execute(delete(ReferralHolding).where(ReferralHolding.referral_id == row.id))
    holdings = holdings_of(row.id, trail)
    if holdings:
        db.execute(insert(ReferralHolding), holdings)


def outcome_notified(db: DbSession, reminder_id: int, at: datetime) -> None:
    """Record, inside the caller's transaction, that reminder ``reminder_id`` was sent at
    ``at``: if it is the notice of a closing, the referral's outcome reached the referrer.
    """
    referral = (select(ReminderRow.referral_id)
                .where(ReminderRow.id == reminder_id, ReminderRow.kind == OUTCOME_NOTICE)
                .scalar_subquery())
    db.execute(update(Referral)
               .where(Referral.id == referral,
                      (Referral.outcome_notified_at.is_(None))
                      | (Referral.outcome_notified_at > at))
               .values(outcome_notified_at=at))


def _first(known: datetime | None, at: datetime) -> datetime:
    return at if known is None or at < known else known
