"""The directory loader: the bundled sample, the old format, and broken files with exact errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.directory import SAMPLE, load_directory, load_directory_text
from bot.directory.vocabulary import CASE_TYPES
from bot.flows.problems import FlowError

BROKEN = Path(__file__).resolve().parent / "broken"
HUBS_2016 = ["adana_osmaniye", "gaziantep", "hatay", "kilis", "malatya_adiyaman_kmaras",
             "mardin", "sanliurfa"]

VERSION_1 = """\
version: 1
hubs:
  kilis:
    names: {en: Kilis, tr: Kilis}
    areas: [Elbeyli]
emergency:
  - {hub: kilis, category: health, name: Example Health Line, phone: "+90 000", hours: "24/7"}
"""


def _expected(path: Path) -> list[str]:
    prefix = "# expect: "
    return [line[len(prefix):] for line in path.read_text(encoding="utf-8").splitlines()
            if line.startswith(prefix)]


def test_the_sample_has_the_seven_hubs_of_the_2016_minutes() -> None:
    assert list(load_directory().hubs) == HUBS_2016


def test_the_sample_has_a_focal_point_for_every_hub_and_case_type() -> None:
    directory = load_directory()
    assert [(h, c) for h in directory.hubs for c in CASE_TYPES
            if directory.focal_point(h, c) is None] == []


def test_every_sample_agency_is_clearly_fictional() -> None:
    for agency in load_directory().agencies.values():
        assert agency.names["en"].startswith("Example ")
        assert not agency.email or agency.email.endswith(".example")


def test_every_sample_hub_has_a_coordinator_and_a_health_contact() -> None:
    directory = load_directory()
    for hub in directory.hubs.values():
        assert hub.coordinator in directory.agencies
        assert directory.emergency_contacts(hub.id, ("health",))


def test_hub_choices_keep_names_per_language_for_the_engine() -> None:
    choices = {c.id: c for c in load_directory().hub_choices()}
    assert choices["sanliurfa"].name("tr") == "Şanlıurfa"
    assert choices["sanliurfa"].name("ku") == "Sanliurfa"


def test_emergency_contacts_of_a_hub_or_of_every_hub() -> None:
    directory = load_directory()
    assert {c.hub for c in directory.emergency_contacts("hatay", ("health",))} == {"hatay"}
    assert len(directory.emergency_contacts(None, ("health",))) == 7


def test_a_version_1_directory_still_loads_with_sop_deadlines() -> None:
    directory = load_directory_text(VERSION_1, "old.yaml")
    assert list(directory.hubs) == ["kilis"]
    assert directory.agencies == {} and directory.focal_points == {}
    assert directory.deadlines.lookup("protection", "high").respond_hours == 48


def test_the_sample_spells_out_the_built_in_deadlines() -> None:
    from bot.directory.deadlines import DeadlineTable

    assert load_directory().deadlines == DeadlineTable()


def test_a_shorthand_focal_point_is_a_primary_without_backup() -> None:
    text = VERSION_1 + """\
agencies:
  example_law: {names: {en: Example Legal Aid}, kind: national}
focal_points:
  kilis: {legal: example_law}
"""
    point = load_directory_text(text, "d.yaml").focal_point("kilis", "legal")
    assert point is not None and (point.primary, point.backup) == ("example_law", None)


def test_a_partial_deadline_row_keeps_the_other_number() -> None:
    text = VERSION_1 + "deadlines:\n  levels:\n    medium: {respond_hours: 120}\n"
    row = load_directory_text(text, "d.yaml").deadlines.lookup("legal", "medium")
    assert (row.acknowledge_hours, row.respond_hours) == (24, 120)


@pytest.mark.parametrize("path", sorted(BROKEN.glob("*.yaml")), ids=lambda p: p.stem)
def test_a_broken_directory_reports_exactly_its_problems(path: Path) -> None:
    expected = _expected(path)
    assert expected, f"{path.name} states no '# expect:' line"
    with pytest.raises(FlowError) as caught:
        load_directory(path)
    assert [str(problem) for problem in caught.value.problems] == expected


def test_there_are_at_least_ten_broken_directories() -> None:
    assert len(list(BROKEN.glob("*.yaml"))) >= 10


def test_an_unreadable_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(FlowError, match="cannot read file"):
        load_directory(tmp_path / "missing.yaml")


def test_the_sample_path_is_inside_the_package() -> None:
    assert SAMPLE.name == "sample.yaml" and SAMPLE.exists()
