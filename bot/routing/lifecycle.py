"""The referral lifecycle: which status changes are legal, each returned as a trail event.

::

    sent ─────────acknowledge──► acknowledged ──accept──► accepted ──close(outcome)──► closed
    forwarded ────acknowledge──►      │                                                 ▲
                                      └──decline(reason)──► declined ──close(outcome)──┘
    sent | acknowledged | declined | forwarded ──forward(agency)──► forwarded
    any status but erased ──erase(reason)──► erased

``forwarded`` behaves like ``sent`` at the new agency: it is acknowledged, forwarded again
(escalation goes through here) or erased. A coordinator may close a declined referral that
no agency can take, with the outcome recorded, so no referral waits forever. Erasure (consent
withdrawn, retention) is allowed from every status but itself.

The machine is built once, with no model and no automatic transitions, and each move drives
a throw-away cursor through it (as :mod:`bot.flows.compiled` does), so nothing accumulates
in the shared machine. Illegal moves raise :class:`LifecycleError` with a sentence a focal
point can read: "cannot accept a referral that is closed".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from transitions import Machine, MachineError

from bot.routing.deadlines import require_aware

STATUSES = ("sent", "acknowledged", "accepted", "declined", "forwarded", "closed", "erased")
OPEN = ("sent", "acknowledged", "declined", "forwarded")  # an agency or coordinator must act
MOVES: dict[str, tuple[tuple[str, ...], str]] = {
    "acknowledge": (("sent", "forwarded"), "acknowledged"),
    "accept": (("acknowledged",), "accepted"),
    "decline": (("acknowledged",), "declined"),
    "forward": (("sent", "acknowledged", "declined", "forwarded"), "forwarded"),
    "close": (("accepted", "declined"), "closed"),
    "erase": (tuple(s for s in STATUSES if s != "erased"), "erased"),
}
NEEDS_REASON = {"decline": "a reason", "close": "an outcome", "erase": "a reason"}


class LifecycleError(ValueError):
    """A move the lifecycle does not allow, or one missing what it must record."""


@dataclass(frozen=True)
class StatusChanged:
    """One entry of a referral's trail; also what the audit log records."""

    action: str
    from_status: str
    to_status: str
    actor: str
    at: datetime
    reason: str | None = None  # decline reason, close outcome, erase reason, forward note
    agency: str | None = None  # forward: the agency the referral now goes to


class _Cursor:
    __slots__ = ("__dict__", "state")

    def __init__(self, state: str) -> None:
        self.state = state


@cache
def machine() -> Machine:
    """The one shared lifecycle machine."""
    transitions = [{"trigger": action, "source": list(sources), "dest": dest}
                   for action, (sources, dest) in MOVES.items()]
    return Machine(model=None, states=list(STATUSES), transitions=transitions,
                   initial="sent", auto_transitions=False, send_event=False)


def allowed(status: str) -> tuple[str, ...]:
    """The actions open from ``status``, for the buttons a focal point is shown."""
    return tuple(action for action, (sources, _) in MOVES.items() if status in sources)


def move(status: str, action: str, actor: str, at: datetime, reason: str | None = None,
         agency: str | None = None) -> StatusChanged:
    """Check and perform one move; the caller appends the returned event to the trail."""
    if status not in STATUSES:
        raise LifecycleError(f"unknown referral status '{status}'")
    event = machine().events.get(action)
    if event is None:
        raise LifecycleError(f"unknown action '{action}' (expected one of: {', '.join(MOVES)})")
    if action in NEEDS_REASON and not (reason and reason.strip()):
        raise LifecycleError(f"cannot {action} a referral without {NEEDS_REASON[action]}")
    if action == "forward" and not (agency and agency.strip()):
        raise LifecycleError("cannot forward a referral without the agency it goes to")
    require_aware(at, "at")
    cursor = _Cursor(status)
    try:
        moved = event.trigger(cursor)
    except MachineError:
        moved = False
    if not moved:
        raise LifecycleError(f"cannot {action} a referral that is {status}")
    return StatusChanged(action, status, cursor.state, actor, at,
                         reason.strip() if reason else None, agency)


def acknowledge(status: str, actor: str, at: datetime) -> StatusChanged:
    return move(status, "acknowledge", actor, at)


def accept(status: str, actor: str, at: datetime) -> StatusChanged:
    return move(status, "accept", actor, at)


def decline(status: str, actor: str, at: datetime, reason: str) -> StatusChanged:
    return move(status, "decline", actor, at, reason=reason)


def forward(status: str, actor: str, at: datetime, agency: str,
            reason: str | None = None) -> StatusChanged:
    return move(status, "forward", actor, at, reason=reason, agency=agency)


def close(status: str, actor: str, at: datetime, outcome: str) -> StatusChanged:
    return move(status, "close", actor, at, reason=outcome)


def erase(status: str, actor: str, at: datetime, reason: str) -> StatusChanged:
    return move(status, "erase", actor, at, reason=reason)
