"""The `intake` command: help everywhere, clear exits, the simulator and the graph."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest

from bot.__main__ import build_parser, main
from bot.cli.chat import Simulator, loop
from bot.directory import load_directory
from bot.engine import Engine
from bot.flows.library import FlowLibrary
from tests.conftest import TODAY


def _commands(parser: argparse.ArgumentParser,
              prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _commands(sub, (*prefix, name))
    return found


@pytest.mark.parametrize("command", _commands(build_parser()), ids=" ".join)
def test_every_command_has_plain_help(command: tuple[str, ...], capsys: pytest.CaptureFixture[str],
                                ) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "usage: intake" in out
    assert "`" not in out and "::" not in out, "reStructuredText markup left in the help"


def test_an_unknown_command_is_refused_with_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["fly"])
    assert exit_.value.code == 2 and "invalid choice: 'fly'" in capsys.readouterr().err


def test_flows_check_names_the_problem_and_loads_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("spec_version: 2\nid: b\nrevision: 1\ntitle: B\nlanguages: [en]\n"
                      "start: a\nnodes:\n  a:\n    type: say\n    text: Hi\n    next: nowhere\n")
    assert main(["flows", "check", "--no-translations", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "broken.yaml:11 node 'a' next: unknown node 'nowhere'" in err
    assert "1 problem found; nothing was loaded." in err


def test_flows_graph_prints_mermaid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["flows", "graph", "pwsn"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("flowchart TD\n")
    assert 'n_consent{{"consent: refer+share"}}' in out
    assert 'n_consent -.->|"consent refused"| n_refused_info' in out


def test_flows_graph_of_an_unknown_flow_lists_the_known_ones(
        library: FlowLibrary, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["flows", "graph", "nope"]) == 2
    known = ", ".join(sorted(library.flows))
    assert "intake" in known
    assert capsys.readouterr().err == f"error: unknown flow 'nope' (known: {known})\n"


def test_the_simulator_walks_a_referral_without_printing_contact_details(
        engine: Engine) -> None:
    out = io.StringIO()
    simulator = Simulator(engine, load_directory(), out)
    step = engine.start("intake", "en", today=TODAY)
    simulator.show(step.events)
    lines = ["1", "2", "1", "2",      # adult with specific needs, Gaziantep, English; 60+
             "6", "7",                # urgent screen: tick "none of these", Done
             "1", "1", "1", "1", "2",  # consent: person, in person, yes, yes, no statistics
             "3", "9", "6", "7",      # disability; no red need
             "1,2,3", "1",            # three yellow needs at once; keep medium
             "2", "5", "1", "1",      # health care, Done; female; by phone
             "+90 555 123 4567"]
    assert loop(engine, simulator, step, lines) == 0
    text = out.getvalue()
    assert "referral that would be routed: case type medical, hub gaziantep, risk medium" in text
    assert "1 contact field(s) kept encrypted" in text
    assert "555 123 4567" not in text.split("Phone number to use")[1]
    assert "Conversation ended: referred." in text


def test_the_simulator_shows_emergency_contacts_and_refuses_unknown_commands(
        engine: Engine) -> None:
    out = io.StringIO()
    simulator = Simulator(engine, load_directory(), out)
    step = engine.start("intake", "en", today=TODAY)
    loop(engine, simulator, step, ["/fly", "1", "2", "/urgent", "2"])  # the hub, then
    text = out.getvalue()                                             # only its contacts
    assert "unknown command /fly" in text
    assert "health: Example Health Line Gaziantep, +90 000 000 0201 (24/7)" in text
    assert "Example Health Line Adana" not in text
