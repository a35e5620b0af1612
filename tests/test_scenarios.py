"""A failing scenario says where the conversation stopped (node, question, the input refused
and the hints shown), and ``intake flows test`` runs the scenarios beside the configured
flows by default."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.engine import Engine
from bot.flows.library import BUNDLED
from bot.scenarios import run_file, scenario_folders

SCENARIO = """\
flow: intake
lang: en
scenarios:
  - name: {name}
    steps:
{steps}
    expect:
      outcome: referred
"""


def _file(tmp_path: Path, name: str, *steps: str) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(SCENARIO.format(name=name, steps="\n".join(f"      - {s}" for s in steps)),
                    encoding="utf-8")
    return path


def test_a_failing_scenario_names_the_node_question_refused_input_and_hints(
        engine: Engine, tmp_path: Path) -> None:
    path = _file(tmp_path, "refused", "{choose: pwsn}", "{type: somewhere}")
    [result] = run_file(engine, path)
    assert result.failures[0] == "outcome: expected referred, got None"
    where = result.failures[-1]
    assert where.startswith('stopped at where/hub "In which hub is the person now?"; the input '
                            "{'type': 'somewhere'} was refused with: ")
    assert len(where) > len(where.split("refused with: ")[0]) + len("refused with: ")


def test_a_scenario_stopped_without_a_refusal_names_the_question_only(
        engine: Engine, tmp_path: Path) -> None:
    [result] = run_file(engine, _file(tmp_path, "short", "{choose: pwsn}"))
    assert result.failures[-1] == 'stopped at where/hub "In which hub is the person now?"'


def test_a_passing_scenario_says_nothing_more(engine: Engine) -> None:
    results = list(run_file(engine, BUNDLED / "scenarios" / "intake.yaml"))
    assert results and all(result.failures == () for result in results)


def test_the_scenarios_beside_the_configured_flows_run_by_default(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    flows = tmp_path / "flows"
    flows.mkdir()
    for path in BUNDLED.glob("*.yaml"):
        shutil.copy(path, flows / path.name)
    (flows / "scenarios").mkdir()
    shutil.copy(_file(tmp_path, "mine", "{choose: pwsn}"), flows / "scenarios" / "mine.yaml")
    assert scenario_folders([flows]) == [flows / "scenarios"]
    assert scenario_folders([flows / "pwsn.yaml", flows]) == [flows / "scenarios"]
    monkeypatch.setenv("INTAKE_FLOWS", str(flows))
    assert main(["flows", "test"]) == 1
    out = capsys.readouterr().out
    assert "FAIL mine.yaml:4 mine" in out and "scenarios: 0 passed, 1 failed" in out


def test_no_scenarios_beside_the_configured_flows_is_one_error_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    flows = tmp_path / "flows"
    flows.mkdir()
    for path in BUNDLED.glob("*.yaml"):
        shutil.copy(path, flows / path.name)
    monkeypatch.setenv("INTAKE_FLOWS", str(flows))
    assert main(["flows", "test"]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith(
        "error: no scenarios folder beside the configured flows")
