"""The service mapping maps case types to services: a hub's entry points for a need come
first, then its funnelling points, then other providers."""

from __future__ import annotations

from bot.directory import load_directory_text
from bot.directory.servicecsv import merge_services
from bot.directory.servicemap import render_services

DIRECTORY = """
version: 2
hubs:
  kilis: {names: {en: Kilis}}
  hatay: {names: {en: Hatay}}
agencies:
  relief: {names: {en: Relief}, kind: international}
  law: {names: {en: Law}, kind: national}
  local: {names: {en: Local}, kind: community_based, hubs: [hatay]}
services:
  - {agency: relief, service: case_management, profiles: {women: 2}, case_types: [protection]}
  - {agency: law, service: legal, profiles: {women: 0}, case_types: [legal, protection]}
  - {agency: relief, service: psychosocial, profiles: {men: 1}, case_types: [protection, gbv]}
  - {agency: local, service: recreation, profiles: {boys: 0}, case_types: [protection]}
  - {agency: law, service: notary, profiles: {men: 1}}
"""


def test_entry_points_come_first_then_funnelling_points_then_providers() -> None:
    directory = load_directory_text(DIRECTORY, "d.yaml")
    found = [(s.agency, s.service) for s in directory.entry_points("kilis", ["protection"])]
    assert found == [("relief", "psychosocial"), ("relief", "case_management"),
                     ("law", "legal")]  # local works in Hatay only


def test_only_services_mapped_to_the_case_types_are_shown() -> None:
    directory = load_directory_text(DIRECTORY, "d.yaml")
    assert [s.service for s in directory.entry_points("hatay", ["gbv"])] == ["psychosocial"]
    assert directory.entry_points("hatay", ["medical"]) == []
    assert directory.entry_points("hatay", []) == []


def test_case_types_survive_rendering_and_a_matrix_import() -> None:
    directory = load_directory_text(DIRECTORY, "d.yaml")
    again = load_directory_text("version: 2\nhubs: {kilis: {names: {en: Kilis}}}\n"
                                "agencies: {relief: {names: {en: R}, kind: national}, "
                                "law: {names: {en: L}, kind: national}, "
                                "local: {names: {en: X}, kind: national}}\n"
                                + render_services(directory.services), "again.yaml")
    assert [s.case_types for s in again.services] == [s.case_types
                                                      for s in directory.services]
    imported = [s for s in directory.services if s.agency == "law"]
    bare = [type(s)(s.agency, s.service, s.profiles, s.hubs, s.names) for s in imported]
    merged = merge_services(directory.services, bare)
    assert [s.case_types for s in merged if s.agency == "law"] == [("legal", "protection"), ()]
