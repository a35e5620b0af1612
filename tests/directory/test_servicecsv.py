"""Importing a referral-pathway matrix: cells, headers, hubs, and every error located."""

from __future__ import annotations

import pytest

from bot.directory import load_directory
from bot.directory.model import Directory, Service
from bot.directory.servicecsv import merge_services, read_services
from bot.flows.problems import FlowError

# The shape of the SGBV CM workshop's referral-pathway table, with the sample's agencies.
MATRIX = """\
Organization/Institution,Girls,Boys,Women,Men,LGBTI,Persons with disabilities,Other specific profile
Example Relief Association,1. Psychosocial,Psychosocial,,,,,
Example Legal Aid Centre,1. Legal,Legal,,Psychosocial,,Psychosocial,
example_health,1. Medical,1. Medical,2.Medical,2.Medical,2.Medical,,
Example Children's Fund,2. CM,2. CM,,,,,
Example Women's Network,,,,,"1.Psychosocial, Legal, CM",,
Example Community Committee,,,,,,,
"""


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_directory()


def _by_key(services: list[Service]) -> dict[tuple[str, str], dict[str, int]]:
    return {(s.agency, s.service): s.profiles for s in services}


def test_a_matrix_becomes_services_with_entry_funnelling_and_provider_codes(
        directory: Directory) -> None:
    services = _by_key(read_services(MATRIX, "map.csv", directory))
    assert services == {
        ("example_relief", "psychosocial"): {"girls": 1, "boys": 0},
        ("example_law", "legal"): {"girls": 1, "boys": 0},
        ("example_law", "psychosocial"): {"men": 0, "persons_with_disabilities": 0},
        ("example_health", "medical"): {"girls": 1, "boys": 1, "women": 2, "men": 2,
                                        "lgbti": 2},
        ("example_children", "cm"): {"girls": 2, "boys": 2},
        ("example_women", "psychosocial"): {"lgbti": 1},
        ("example_women", "legal"): {"lgbti": 1},
        ("example_women", "cm"): {"lgbti": 1},
    }


def test_a_label_that_is_not_the_default_name_is_kept_as_the_english_name(
        directory: Directory) -> None:
    text = "Organisation,Girls\nExample Relief Association,1. Informal education (Arabic)\n"
    [service] = read_services(text, "map.csv", directory)
    assert service.service == "informal_education_arabic"
    assert service.names == {"en": "Informal education (Arabic)"}


def test_tab_separated_files_with_a_hub_column_are_read(directory: Directory) -> None:
    text = "Organisation\tHub\tWomen\nexample_law\tŞanlıurfa\t1. Legal\n"
    [service] = read_services(text, "map.tsv", directory)
    assert (service.hubs, service.profiles) == (("sanliurfa",), {"women": 1})


def test_a_bare_point_code_takes_the_service_given_on_the_command_line(
        directory: Directory) -> None:
    text = "Organisation,Girls,Boys\nexample_children,1,2\n"
    [service] = read_services(text, "map.csv", directory, service="case_management")
    assert (service.service, service.profiles) == ("case_management", {"girls": 1, "boys": 2})


@pytest.mark.parametrize(("text", "errors"), [
    ("Organisation,Girls,Teens\n",
     ["map.csv:1 header column 3 'Teens': unknown profile (expected one of: girls, boys, "
      "women, men, lgbti, persons_with_disabilities, other, or Hub)"]),
    ("Organisation,Girls,girls\n",
     ["map.csv:1 header column 3 'girls': profile 'girls' has two columns"]),
    ("Organisation\n",
     ["map.csv:1 header: no profile columns (expected some of: girls, boys, women, men, "
      "lgbti, persons_with_disabilities, other)"]),
    ("Organisation,Girls,Women\nOrg 1 name,1. Psychosocial,\n",
     ["map.csv:2 organisation 'Org 1 name' column 1: unknown organisation: add it to the "
      "agencies of the directory first"]),
    ("Organisation,Girls,Women\nexample_relief,1. Psychosocial,8\n",
     ["map.csv:2 organisation 'example_relief' column 'Women': bad cell '8': expected an "
      "optional 1 (entry point) or 2 (funnelling point), then services"]),
    ("Organisation,Girls,Women\nexample_law,1,\n",
     ["map.csv:2 organisation 'example_law' column 'Girls': cell '1' names no service; write "
      "it as '1. Legal' or give --service"]),
    ("Organisation,Hub,Women\nexample_law,Atlantis,1. Legal\n",
     ["map.csv:2 organisation 'example_law' column 'Hub': unknown hub 'Atlantis'"]),
    ("Organisation,Women\nexample_law,1. Legal\nexample_law,2. Legal\n",
     ["map.csv:3 organisation 'example_law' column 'Women': service 'legal' for women is "
      "point 2 here and 1 at line 2"]),
    ("", ["map.csv:1 header: the file is empty"]),
], ids=["unknown profile", "two columns", "no profiles", "unknown organisation", "bad cell",
        "bare code", "unknown hub", "conflict", "empty"])
def test_a_bad_matrix_names_row_and_column(directory: Directory, text: str,
                                           errors: list[str]) -> None:
    with pytest.raises(FlowError) as caught:
        read_services(text, "map.csv", directory)
    assert [str(p) for p in caught.value.problems] == errors


def test_an_import_replaces_the_services_of_the_listed_agencies_only(
        directory: Directory) -> None:
    imported = read_services("Organisation,Girls\nexample_relief,1. Legal\n", "m.csv",
                             directory)
    merged = merge_services(directory.services, imported)
    assert [s.service for s in merged if s.agency == "example_relief"] == ["legal"]
    assert [s for s in merged if s.agency == "example_health"] == [
        s for s in directory.services if s.agency == "example_health"]
