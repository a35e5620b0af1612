"""The referral lifecycle: every legal move, a table of illegal ones, one shared machine."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.routing import lifecycle
from bot.routing.lifecycle import MOVES, STATUSES, LifecycleError, StatusChanged, allowed, move

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ARGS = {"decline": {"reason": "no capacity"}, "close": {"reason": "services provided"},
        "erase": {"reason": "consent withdrawn"}, "forward": {"agency": "example_law"}}
LEGAL = [(action, source, dest) for action, (sources, dest) in MOVES.items()
         for source in sources]
ILLEGAL = [(action, status) for action, (sources, _) in MOVES.items()
           for status in STATUSES if status not in sources]


@pytest.mark.parametrize(("action", "source", "dest"), LEGAL,
                         ids=[f"{s}-{a}" for a, s, _ in LEGAL])
def test_every_legal_move_returns_its_trail_event(action: str, source: str, dest: str) -> None:
    event = move(source, action, "staff:7", AT, **ARGS.get(action, {}))
    assert (event.from_status, event.to_status, event.actor, event.at) == (
        source, dest, "staff:7", AT)


def test_the_legal_moves_are_those_of_the_design() -> None:
    assert sorted((s, a, d) for a, s, d in LEGAL) == sorted([
        ("sent", "acknowledge", "acknowledged"), ("forwarded", "acknowledge", "acknowledged"),
        ("acknowledged", "accept", "accepted"), ("acknowledged", "decline", "declined"),
        ("sent", "forward", "forwarded"), ("acknowledged", "forward", "forwarded"),
        ("declined", "forward", "forwarded"), ("forwarded", "forward", "forwarded"),
        ("accepted", "close", "closed"), ("declined", "close", "closed"),
        *[(s, "erase", "erased") for s in STATUSES if s != "erased"],
    ])


@pytest.mark.parametrize(("action", "status"), ILLEGAL, ids=[f"{s}-{a}" for a, s in ILLEGAL])
def test_an_illegal_move_says_what_and_from_where(action: str, status: str) -> None:
    with pytest.raises(LifecycleError) as caught:
        move(status, action, "staff:7", AT, **ARGS.get(action, {}))
    assert str(caught.value) == f"cannot {action} a referral that is {status}"


@pytest.mark.parametrize(("call", "message"), [
    (lambda: lifecycle.decline("acknowledged", "s", AT, "  "),
     "cannot decline a referral without a reason"),
    (lambda: lifecycle.close("accepted", "s", AT, ""),
     "cannot close a referral without an outcome"),
    (lambda: move("sent", "forward", "s", AT),
     "cannot forward a referral without the agency it goes to"),
    (lambda: move("sent", "approve", "s", AT),
     "unknown action 'approve' (expected one of: acknowledge, accept, decline, forward, "
     "close, erase)"),
    (lambda: move("lost", "accept", "s", AT), "unknown referral status 'lost'"),
])
def test_a_move_missing_what_it_must_record_is_refused(call: object, message: str) -> None:
    with pytest.raises(LifecycleError) as caught:
        call()  # type: ignore[operator]
    assert str(caught.value) == message


def test_the_helpers_record_reason_outcome_and_agency() -> None:
    assert lifecycle.decline("acknowledged", "s", AT, " no capacity ") == StatusChanged(
        "decline", "acknowledged", "declined", "s", AT, reason="no capacity")
    assert lifecycle.forward("declined", "system", AT, "example_law", "escalated") == \
        StatusChanged("forward", "declined", "forwarded", "system", AT, "escalated",
                      "example_law")
    assert lifecycle.close("accepted", "s", AT, "services provided").reason == \
        "services provided"
    assert lifecycle.acknowledge("sent", "s", AT).to_status == "acknowledged"
    assert lifecycle.accept("acknowledged", "s", AT).to_status == "accepted"
    assert lifecycle.erase("closed", "s", AT, "consent withdrawn").to_status == "erased"


def test_the_actions_offered_follow_the_status() -> None:
    assert allowed("acknowledged") == ("accept", "decline", "forward", "erase")
    assert allowed("erased") == ()


def test_one_machine_is_shared_and_never_keeps_a_model() -> None:
    first = lifecycle.machine()
    for _ in range(3):
        move("sent", "acknowledge", "s", AT)
    assert lifecycle.machine() is first
    assert first.models == []


def test_a_time_without_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="must carry a time zone"):
        move("sent", "acknowledge", "s", datetime(2026, 3, 2))


@given(st.lists(st.sampled_from(sorted(MOVES)), max_size=12))
def test_any_sequence_of_actions_moves_legally_or_raises_lifecycle_error(
        actions: list[str]) -> None:
    status = "sent"
    for action in actions:
        try:
            status = move(status, action, "s", AT, **ARGS.get(action, {})).to_status
        except LifecycleError:
            assert action not in allowed(status)
        else:
            assert status in STATUSES
    if "erase" in actions:
        assert status == "erased"  # erasure is always possible and never undone
