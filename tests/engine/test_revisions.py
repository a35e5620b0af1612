"""Conversations stay pinned to the revision they started on; machines are shared."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.engine import Choice, Engine
from bot.flows.compiled import IllegalMove
from bot.flows.library import BUNDLED, FlowLibrary
from bot.flows.problems import FlowError
from bot.i18n.texts import Texts
from tests.conftest import TODAY


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "flows"
    shutil.copytree(BUNDLED, target, ignore=shutil.ignore_patterns("scenarios", "*.py",
                                                                   "__pycache__"))
    return target


def test_a_conversation_finishes_on_its_revision_after_a_new_one_is_published(
        tmp_path: Path) -> None:
    flows = _copy(tmp_path)
    library = FlowLibrary.load([flows])
    engine = Engine(library, Texts(), [])
    step = engine.start("intake", "en", today=TODAY)
    rev = library.current("intake").flow.revision
    edited = (flows / "intake.yaml").read_text().replace(f"revision: {rev}\n",
                                                          f"revision: {rev + 1}\n")
    edited = edited.replace("      gbv: Someone who told me about gender-based violence\n", "")
    (flows / "intake.yaml").write_text(edited)
    assert library.publish([flows]) == ["intake"]
    assert library.current("intake").flow.revision == rev + 1
    old = engine.step(step.session, Choice("gbv"), TODAY)
    assert old.session.revision == rev and old.session.answers["situation"] == "gbv"
    fresh = engine.start("intake", "en", today=TODAY)
    assert [b.id for b in fresh.events[-1].buttons] == ["pwsn", "child"]  # type: ignore[union-attr]


def test_editing_a_flow_without_raising_its_revision_is_refused(tmp_path: Path) -> None:
    flows = _copy(tmp_path)
    library = FlowLibrary.load([flows])
    text = (flows / "pwsn.yaml").read_text().replace("Sex of the person", "Sex")
    (flows / "pwsn.yaml").write_text(text)
    with pytest.raises(FlowError, match="raise the revision"):
        library.publish([flows])
    assert library.current("pwsn").node("sex").text.msgid == "Sex of the person"


def test_republishing_unchanged_files_reuses_the_compiled_machines(tmp_path: Path) -> None:
    flows = _copy(tmp_path)
    library = FlowLibrary.load([flows])
    before = library.current("intake")
    assert library.publish([flows]) == []
    assert library.current("intake") is before


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
