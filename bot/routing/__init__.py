"""Routing and the referral lifecycle: pure domain code, no storage, no chat.

* :mod:`~bot.routing.hubmatch`: which hub a referrer means;
* :mod:`~bot.routing.route`: which agency receives a referral;
* :mod:`~bot.routing.deadlines`: the case deadline, each agency's clocks, reminders;
* :mod:`~bot.routing.lifecycle`: legal status changes, each a trail event;
* :mod:`~bot.routing.escalation`: remind, escalate, or wait.

It imports neither ``telegram`` nor ``sqlalchemy``; storage and the worker call into it.
"""

from __future__ import annotations

from bot.routing.deadlines import Deadlines, case_deadline, compute_deadlines, reminder_times
from bot.routing.escalation import Action, OpenReferral, next_action
from bot.routing.hubmatch import HubMatch, match_hub
from bot.routing.lifecycle import LifecycleError, StatusChanged, allowed, move
from bot.routing.route import NoRoute, Route, escalation_chain, route

__all__ = [
    "Action", "Deadlines", "HubMatch", "LifecycleError", "NoRoute", "OpenReferral", "Route",
    "StatusChanged", "allowed", "case_deadline", "compute_deadlines", "escalation_chain",
    "match_hub", "move", "next_action", "reminder_times", "route",
]
