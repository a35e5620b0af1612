"""The console's simulator runs a flow on the chat's engine, in memory only: the questions
and buttons the bot would show, hints for wrong answers, commands, a referral shown as what
would be routed; its trials are their coordinator's only, bounded and idle-expiring."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.directory import load_directory
from bot.flows.library import BUNDLED, FlowLibrary, Source, parse_sources
from bot.i18n.texts import Texts
from bot.service.publishing import Publisher
from bot.service.simulator import Simulator, UnknownCommand, UnknownTrial, stored_flows
from storage.clock import FixedClock
from tests.service.flowtrial import TINY, published, tiny
from tests.storage.conftest import NOW


def simulator(clock: FixedClock | None = None, **limits: int) -> Simulator:
    directory = load_directory()
    return Simulator(Texts(), directory, directory.hub_choices(), None,
                     clock or FixedClock(NOW), **limits)  # type: ignore[arg-type]


def tiny_flows(text: str = TINY) -> dict:  # type: ignore[type-arg]
    return parse_sources([Source("tiny.yaml", text)]).flows


def test_a_trial_shows_the_flows_messages_and_its_waiting_question() -> None:
    trial = simulator().start(tiny_flows(), "tiny", ("draft", "d1"), 7, "en")
    assert [(line.kind, line.text) for line in trial.lines] == [
        ("say", "Hello from the tiny flow.")]
    assert trial.prompt is not None and trial.prompt.text == "Which way?"
    assert [(b.id, b.label) for b in trial.prompt.buttons] == [("left", "Left"),
                                                                ("right", "Right")]


def test_answers_move_the_trial_on_and_the_transcript_keeps_what_was_asked() -> None:
    sim = simulator()
    trial = sim.start(tiny_flows(), "tiny", ("draft", "d1"), 7, "en")
    sim.choose(trial.id, 7, "right")
    sim.type(trial.id, 7, "two hundred")
    trial = sim.type(trial.id, 7, "34")
    assert [(line.kind, line.text) for line in trial.lines] == [
        ("say", "Hello from the tiny flow."),
        ("asked", "Which way?"), ("answer", "Right"),
        ("asked", "How old?"), ("answer", "two hundred"),
        ("hint", "Please type a number, for example 12."),
        ("asked", "How old?"), ("answer", "34"),
        ("say", "Went right."), ("end", "info_only")]
    assert trial.ended and trial.prompt is None


def test_commands_go_back_and_start_again_after_the_end() -> None:
    sim = simulator()
    trial = sim.start(tiny_flows(), "tiny", ("draft", "d1"), 7, "en")
    sim.choose(trial.id, 7, "right")
    trial = sim.command(trial.id, 7, "back")
    assert trial.prompt is not None and trial.prompt.text == "Which way?"
    sim.choose(trial.id, 7, "left")
    assert trial.ended
    trial = sim.command(trial.id, 7, "restart")
    assert not trial.ended and trial.prompt is not None
    assert trial.prompt.text == "Which way?"
    with pytest.raises(UnknownCommand, match=r"^the simulator has no command 'forget' \(it "
                       r"has: back, restart, cancel, language, urgent\)$"):
        sim.command(trial.id, 7, "forget")


def test_a_shipped_flow_runs_to_the_referral_it_would_make_and_sends_nothing() -> None:
    flows = FlowLibrary.load([BUNDLED]).flows
    sim = simulator()
    trial = sim.start(flows, "intake", ("revision", "intake:2"), 7, "en")
    sim.choose(trial.id, 7, "pwsn")
    sim.choose(trial.id, 7, "gaziantep")
    sim.choose(trial.id, 7, "en")
    steps = 0
    while not trial.ended and steps < 40:  # the first button (or "Done") every time
        prompt = trial.prompt
        assert prompt is not None
        if prompt.kind == "multi":
            sim.choose_many(trial.id, 7, [prompt.buttons[0].id])
        elif prompt.buttons:
            sim.choose(trial.id, 7, prompt.buttons[0].id)
        elif prompt.kind == "phone":
            sim.type(trial.id, 7, "+90 555 111 2233")
        else:
            sim.type(trial.id, 7, "30")
        steps += 1
    kinds = [line.kind for line in trial.lines]
    assert trial.ended, kinds
    assert "disclosure" in kinds


def test_a_flow_taking_the_hub_as_input_gets_the_hub_chosen() -> None:
    flows = FlowLibrary.load([BUNDLED]).flows
    trial = simulator().start(flows, "pwsn", ("revision", "pwsn:2"), 7, "en", hub="hatay")
    assert trial.session.answers["hub"] == "hatay"
    trial = simulator().start(flows, "pwsn", ("revision", "pwsn:2"), 7, "en", hub="nowhere")
    assert trial.session.answers["hub"] == next(iter(load_directory().hubs))


def test_the_referrers_language_is_the_consoles_when_the_flow_has_it() -> None:
    flows = FlowLibrary.load([BUNDLED]).flows
    assert simulator().start(flows, "intake", ("d", "x"), 7, "tr").session.referrer_lang == "tr"
    assert simulator().start(tiny_flows(), "tiny", ("d", "x"), 7, "tr").session.referrer_lang \
        == "en"


def test_a_trial_is_its_coordinators_only_and_expires_when_left_alone() -> None:
    clock = FixedClock(NOW)
    sim = simulator(clock, idle=timedelta(minutes=30))  # type: ignore[arg-type]
    trial = sim.start(tiny_flows(), "tiny", ("draft", "d1"), 7, "en")
    with pytest.raises(UnknownTrial):
        sim.choose(trial.id, 8, "left")
    clock.advance(minutes=29)
    sim.choose(trial.id, 7, "right")  # a step keeps it alive
    clock.advance(minutes=29)
    assert sim.get(trial.id, 7) is trial
    clock.advance(minutes=30)
    with pytest.raises(UnknownTrial):
        sim.get(trial.id, 7)
    assert len(sim) == 0


def test_trials_are_bounded_per_coordinator_and_in_all() -> None:
    sim = simulator(per_staff=2, limit=3)
    first, second, third = (sim.start(tiny_flows(), "tiny", ("d", "x"), 7, "en")
                            for _ in range(3))
    with pytest.raises(UnknownTrial):
        sim.get(first.id, 7)
    sim.start(tiny_flows(), "tiny", ("d", "x"), 8, "en")
    sim.start(tiny_flows(), "tiny", ("d", "x"), 9, "en")
    assert len(sim) == 3
    with pytest.raises(UnknownTrial):
        sim.get(second.id, 7)
    assert sim.get(third.id, 7) is third


def test_an_unknown_flow_is_refused() -> None:
    with pytest.raises(UnknownTrial):
        simulator().start(tiny_flows(), "nope", ("d", "x"), 7, "en")


def test_a_published_revision_runs_its_own_text_not_the_current(tmp_path: Path) -> None:
    with published(tmp_path, tiny()) as (_, store, clock):
        Publisher(store, clock).publish_sources(
            [Source("tiny.yaml", tiny("Which way?", "Where to?").decode())], [], "t", "two")
        old = store.stored("tiny", 1)
        assert old is not None
        assert stored_flows(old)["tiny"].revision == 1
        trial = simulator().start_revision(old, 7, "en")
        assert trial.prompt is not None and trial.prompt.text == "Which way?"
        assert trial.revision == 1


def test_a_typed_answer_to_a_sensitive_question_is_not_echoed() -> None:
    sensitive = TINY.replace("    text: How old?\n", "    text: How old?\n    sensitive: true\n")
    sim = simulator()
    trial = sim.start(tiny_flows(sensitive), "tiny", ("draft", "d1"), 7, "en")
    sim.choose(trial.id, 7, "right")
    trial = sim.type(trial.id, 7, "34")
    assert ("answer", "34") not in [(line.kind, line.text) for line in trial.lines]
    assert ("answer", "••••••") in [(line.kind, line.text) for line in trial.lines]


def test_the_hubs_are_read_as_they_are_now_when_a_trial_starts() -> None:
    directory = load_directory()
    offered = list(directory.hub_choices())
    sim = Simulator(Texts(), directory, lambda: offered, None, FixedClock(NOW))
    flows = FlowLibrary.load([BUNDLED]).flows
    first = sim.start(flows, "pwsn", ("revision", "pwsn:1"), 7, "en")
    assert first.session.answers["hub"] == offered[0].id
    offered.pop(0)  # a directory loaded since
    second = sim.start(flows, "pwsn", ("revision", "pwsn:1"), 7, "en")
    assert second.session.answers["hub"] == offered[0].id
