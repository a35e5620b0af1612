"""Property tests: random walks through every shipped flow.

Whatever a referrer presses, types or commands, the engine never raises, every ending has a
typed outcome, nothing is kept without a referral, and no referral leaves without consent
(or the recorded child-safety override).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.engine import Choice, Choices, Command, Engine, Input, Step, Text, Timeout
from bot.engine.events import Prompt, ReferralRequested
from bot.engine.inputs import DONE
from bot.flows.model import OUTCOMES
from tests.conftest import TODAY

FLOWS = ["intake", "pwsn", "child", "gbv", "urgent_screen"]
HUB = {"hub": "gaziantep"}
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def _valid(draw: st.DrawFn, prompt: Prompt) -> Input:
    ids = [b.id for b in prompt.buttons if b.id != DONE]
    if not ids:
        return Text(draw(st.sampled_from(["12", "2026-11-01", "+90 555 000 0000", "ok"])))
    if prompt.kind == "multi":
        if "none" in ids and draw(st.booleans()):
            return Choices(("none",))
        pool = [i for i in ids if i != "none"]
        return Choices(tuple(draw(st.lists(st.sampled_from(pool), min_size=1, unique=True))))
    return Choice(draw(st.sampled_from(ids)))


def _anything(draw: st.DrawFn, prompt: Prompt) -> Input:
    kind = draw(st.sampled_from(["valid"] * 6 + ["text", "forged", "toggle", "command",
                                                   "timeout"]))
    if kind == "text":
        return Text(draw(st.text(max_size=300)))
    if kind == "forged":
        return Choice(draw(st.text(max_size=70)))
    if kind == "toggle" and prompt.buttons:
        return Choice(draw(st.sampled_from([b.id for b in prompt.buttons])))
    if kind == "command":
        name = draw(st.sampled_from(["back", "back", "urgent", "language", "restart",
                                     "cancel"]))
        arg = draw(st.sampled_from(["ar", "tr", "en", "xx"])) if name == "language" else None
        return Command(name, arg)  # type: ignore[arg-type]
    if kind == "timeout" and draw(st.integers(0, 9)) == 0:
        return Timeout()
    return _valid(draw, prompt)


def _check_step(events: list[object], session: object) -> None:
    from bot.engine import Session

    assert isinstance(session, Session)
    if session.ended:
        assert session.outcome in OUTCOMES
        if session.outcome not in ("referred", "urgent_referred"):
            assert session.answers == {} and session.consent is None and session.undo == ()
    assert len(session.undo) <= len(session.history)  # /back's entries: the last states'
    for event in events:
        if isinstance(event, ReferralRequested):
            consent = session.consent or {}
            granted = set(consent.get("granted", ()))
            assert {"refer", "share"} <= granted or consent.get("override_reason")


def _walk(engine: Engine, flow: str, data: st.DataObject, steps: int,
          pick: Callable[[st.DrawFn, Prompt], Input]) -> Step:
    """Walk a flow, choosing each input with ``pick``; every step is checked."""
    step = engine.start(flow, "en", today=TODAY, answers=dict(HUB))
    for _ in range(steps):
        if step.session.ended:
            break
        prompt = [e for e in step.events if isinstance(e, Prompt)][-1]
        step = engine.step(step.session, data.draw(st.composite(
            lambda draw, p=prompt: pick(draw, p))()), TODAY)
        _check_step(list(step.events), step.session)
    return step


@pytest.mark.parametrize("flow", FLOWS)
@SETTINGS
@given(data=st.data())
def test_random_walks_never_raise_and_never_refer_without_consent(
        engine: Engine, flow: str, data: st.DataObject) -> None:
    _walk(engine, flow, data, 60, _anything)


@pytest.mark.parametrize("flow", FLOWS)
@SETTINGS
@given(data=st.data())
def test_walks_of_valid_answers_always_end_in_a_typed_outcome(
        engine: Engine, flow: str, data: st.DataObject) -> None:
    step = _walk(engine, flow, data, 80, _valid)
    assert step.session.ended and step.session.outcome in OUTCOMES
