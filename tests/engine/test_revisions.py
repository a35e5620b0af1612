"""Compiled machines are shared by every conversation and refuse moves the flow lacks.

Pinning conversations to revisions across publishes and restarts is tested with the
database in ``tests/storage/test_flow_publishing.py``."""

from __future__ import annotations

import pytest

from bot.engine import Choice, Engine
from bot.flows.compiled import IllegalMove
from tests.conftest import TODAY


def test_no_model_is_ever_left_attached_to_a_shared_machine(engine: Engine) -> None:
    step = engine.start("intake", "en", today=TODAY)
    for choice in ("pwsn", "gaziantep", "en"):
        step = engine.step(step.session, Choice(choice), TODAY)
    compiled = engine.library.revision("intake", step.session.revision)
    assert compiled.machine.models == []


def test_the_machine_refuses_a_move_the_flow_does_not_have(engine: Engine) -> None:
    compiled = engine.library.current("intake")
    with pytest.raises(IllegalMove):
        compiled.move("situation", "refused")
    with pytest.raises(IllegalMove):
        compiled.move("situation", "no-such-move")
