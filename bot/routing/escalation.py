"""What to do next about an open referral: remind, escalate, or nothing yet.

A pure function of the referral's state, the hub's escalation chain (focal point, backup,
hub coordinator: :func:`bot.routing.route.escalation_chain`) and the time, so the worker
loop stays a thin shell: claim a due row, ask :func:`next_action`, carry it out (a reminder
message, or a ``forward`` move with new deadlines), store ``next_check``.

The policy:

* accepted, closed, erased: nothing is waiting on anyone;
* declined: hand it on at once to the next agency of the chain (the agency that declined
  and those that already had it are skipped);
* sent or forwarded: the clock is ``acknowledge_by``; acknowledged: ``respond_by``;
  before the deadline, remind the agency at each fraction of the window it has not yet
  been reminded for; at the deadline, escalate to the next agency of the chain;
* nobody left to escalate to: nothing, with the reason; reports show it as overdue.

A referral sent to a partner agency escalates to the hub's focal point first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.routing.deadlines import reminder_times, require_aware
from bot.routing.route import Via

Kind = Literal["nothing", "remind", "escalate_to_focal_point", "escalate_to_backup",
               "escalate_to_coordinator"]
ESCALATE: dict[Via, Kind] = {"focal_point": "escalate_to_focal_point",
                             "backup": "escalate_to_backup",
                             "coordinator": "escalate_to_coordinator",
                             "partner": "escalate_to_focal_point"}
SETTLED = ("accepted", "closed", "erased")


@dataclass(frozen=True)
class OpenReferral:
    status: str
    agency: str
    via: Via
    since: datetime  # when it reached its current status: the start of the window
    acknowledge_by: datetime
    respond_by: datetime
    escalation_level: int = 0  # escalations so far
    reminders_sent: int = 0  # reminders in the current window
    tried: tuple[str, ...] = ()  # agencies that had it before


@dataclass(frozen=True)
class Action:
    kind: Kind
    reason: str
    agency: str | None = None  # who is reminded, or who receives the escalation
    via: Via | None = None  # the role of that agency after an escalation
    level: int = 0  # escalation level after this action
    reminders_sent: int = 0  # reminder count to store after this action
    next_check: datetime | None = None  # when to ask again; None: nothing more to wait for


def next_action(referral: OpenReferral, chain: tuple[tuple[Via, str], ...], now: datetime,
                reminders_at: tuple[float, ...] = (0.5, 0.9)) -> Action:
    require_aware(now, "now")
    level, sent = referral.escalation_level, referral.reminders_sent
    if referral.status in SETTLED:
        return Action("nothing", f"the referral is {referral.status}", level=level,
                      reminders_sent=sent)
    if referral.status == "declined":
        return _escalate(referral, chain, f"declined by {referral.agency}")
    waiting_for = "acknowledgement" if referral.status in ("sent", "forwarded") else "response"
    deadline = (referral.acknowledge_by if waiting_for == "acknowledgement"
                else referral.respond_by)
    if now >= deadline:
        return _escalate(referral, chain, f"no {waiting_for} from {referral.agency} by "
                         f"{deadline.isoformat()}")
    times = reminder_times(referral.since, deadline, reminders_at)
    passed = sum(1 for moment in times if moment <= now)
    upcoming = [moment for moment in times if moment > now]
    next_check = min(upcoming[0], deadline) if upcoming else deadline
    if passed > sent:
        return Action("remind", f"{waiting_for} due by {deadline.isoformat()}",
                      referral.agency, referral.via, level, passed, next_check)
    return Action("nothing", f"waiting for {waiting_for} until {deadline.isoformat()}",
                  level=level, reminders_sent=sent, next_check=next_check)


def _escalate(referral: OpenReferral, chain: tuple[tuple[Via, str], ...], why: str) -> Action:
    skip = {referral.agency, *referral.tried}
    agencies = [agency for _, agency in chain]
    # Never climb back down the chain: start after the current agency if it is in it.
    start = agencies.index(referral.agency) + 1 if referral.agency in agencies else 0
    for role, agency in chain[start:]:
        if agency not in skip:
            return Action(ESCALATE[role], why, agency, role, referral.escalation_level + 1,
                          0, None)
    return Action("nothing", f"{why}; nobody left to escalate to, the referral stays with "
                  f"{referral.agency} and is reported overdue",
                  level=referral.escalation_level, reminders_sent=referral.reminders_sent)
