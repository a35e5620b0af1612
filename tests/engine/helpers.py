"""Small helpers to drive the engine in tests and read its events."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.engine import Engine, Input, Session, Step
from bot.engine.events import Event, Prompt
from tests.conftest import TODAY


def run(engine: Engine, inputs: Iterable[Input], flow: str = "intake", lang: str = "en",
        answers: dict[str, object] | None = None) -> tuple[Session, list[Event]]:
    step = engine.start(flow, lang, today=TODAY, answers=answers)
    events = list(step.events)
    session = step.session
    for given in inputs:
        step = engine.step(session, given, TODAY)
        events.extend(step.events)
        session = step.session
    return session, events


def last_prompt(events: Sequence[Event]) -> Prompt:
    return [e for e in events if isinstance(e, Prompt)][-1]


def of_type(events: Sequence[Event], kind: type) -> list[Event]:
    return [e for e in events if isinstance(e, kind)]


def after(step: Step) -> tuple[Session, list[Event]]:
    return step.session, list(step.events)
