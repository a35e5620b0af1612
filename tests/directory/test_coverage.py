"""Urgent-action coverage: every hub has a contact per urgent category and safety contacts
that answer around the clock; each gap is reported at its hub with an exact message."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.__main__ import main
from bot.directory import SAMPLE, load_directory
from bot.directory.coverage import coverage_problems

GAPS = Path(__file__).resolve().parent / "gaps"


def _expected(path: Path) -> list[str]:
    prefix = "# expect: "
    return [line[len(prefix):] for line in path.read_text(encoding="utf-8").splitlines()
            if line.startswith(prefix)]


@pytest.mark.parametrize("path", sorted(GAPS.glob("*.yaml")), ids=lambda p: p.stem)
def test_a_coverage_gap_is_reported_exactly(path: Path) -> None:
    expected = _expected(path)
    assert expected, f"{path.name} states no '# expect:' line"
    assert [str(p) for p in coverage_problems(load_directory(path), path.name)] == expected


@pytest.mark.parametrize("path", sorted(GAPS.glob("*.yaml")), ids=lambda p: p.stem)
def test_directory_check_fails_on_a_coverage_gap(
        path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["directory", "check", str(path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [*_expected(path), "1 problem found: urgent action is not covered in every "
                   "hub."]


def test_the_bundled_sample_covers_urgent_action_in_every_hub() -> None:
    assert coverage_problems(load_directory(SAMPLE), SAMPLE.name) == []
