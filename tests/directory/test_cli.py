"""``intake directory``: check, import-services and export from the command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.directory import SAMPLE, load_directory

BROKEN = Path(__file__).resolve().parent / "broken"


EVERY_CATEGORY = "emergency:\n" + "".join(
    f"  - {{hub: kilis, category: {category}, name: Example {category}, phone: '+90 000', "
    "hours: 24/7}\n" for category in ("health", "safety", "interim_care", "other"))


def test_check_summarises_a_good_directory(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["directory", "check", str(SAMPLE)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("sample.yaml: no problems\n  7 hubs, 7 agencies")
    assert "42 focal points" in out and "no focal point" not in out


def test_check_lists_every_problem_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["directory", "check", str(BROKEN / "every_problem_at_once.yaml")]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 6 and err[-1] == "5 problems found; nothing was loaded."


def test_check_names_hub_and_case_type_pairs_without_focal_point(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "d.yaml"
    path.write_text("hubs:\n  kilis: {names: {en: Kilis}}\n" + EVERY_CATEGORY,
                    encoding="utf-8")
    assert main(["directory", "check", str(path)]) == 0
    assert "no focal point: kilis × gbv -> NO ROUTE (add one)" in capsys.readouterr().out


def test_import_prints_the_services_section_without_into(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    matrix = tmp_path / "map.csv"
    matrix.write_text("Organisation,Girls,Women\nexample_law,1. Legal,2. Legal\n", "utf-8")
    assert main(["directory", "import-services", str(matrix)]) == 0
    assert capsys.readouterr().out == (
        "services:\n  - {agency: example_law, service: legal, profiles: {girls: 1, women: 2}}\n")


def test_import_into_a_file_replaces_that_agencys_services(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "directory.yaml"
    shutil.copy(SAMPLE, target)
    matrix = tmp_path / "map.csv"
    matrix.write_text("Organisation,Girls,Women\nexample_law,1. Legal,2. Legal\n", "utf-8")
    assert main(["directory", "import-services", str(matrix), "--into", str(target)]) == 0
    assert "1 services of 1 organisations imported" in capsys.readouterr().out
    law = [s for s in load_directory(target).services if s.agency == "example_law"]
    assert [(s.service, s.profiles) for s in law] == [("legal", {"girls": 1, "women": 2})]
    assert "# Deadlines per risk level" in target.read_text(encoding="utf-8")


def test_a_bad_import_changes_nothing(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "directory.yaml"
    shutil.copy(SAMPLE, target)
    before = target.read_bytes()
    matrix = tmp_path / "map.csv"
    matrix.write_text("Organisation,Teens\nexample_law,1. Legal\n", "utf-8")
    assert main(["directory", "import-services", str(matrix), "--into", str(target)]) == 1
    assert "column 2 'Teens': unknown profile" in capsys.readouterr().err
    assert target.read_bytes() == before


def test_export_writes_hsds_json(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTAKE_DIRECTORY", str(SAMPLE))
    assert main(["directory", "export", "--hsds", str(tmp_path / "out")]) == 0
    organisations = json.loads((tmp_path / "out" / "organization.json").read_text())
    assert len(organisations) == 7
    assert "HSDS written to" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["check", "import-services", "export"])
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["directory", command, "--help"])
    assert done.value.code == 0
    assert "usage: intake directory " + command in capsys.readouterr().out
