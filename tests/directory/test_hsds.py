"""The HSDS export: the tables Open Referral consumers read, with stable linked ids."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from bot.directory import load_directory
from bot.directory.hsds import hsds_id, hsds_tables, write_hsds

REQUIRED = {  # HSDS 3 required fields per table
    "organization": {"id", "name", "description"},
    "service": {"id", "name", "status"},
    "location": {"id", "location_type"},
    "service_at_location": {"id"},
    "phone": {"id", "number"},
    "language": {"id"},
}


def test_the_export_writes_one_json_array_per_table_and_an_index(tmp_path: Path) -> None:
    written = write_hsds(load_directory(), tmp_path)
    assert sorted(p.name for p in written) == sorted(
        [f"{name}.json" for name in REQUIRED] + ["datapackage.json"])
    index = json.loads((tmp_path / "datapackage.json").read_text())
    for resource in index["resources"]:
        rows = json.loads((tmp_path / resource["path"]).read_text())
        assert isinstance(rows, list) and len(rows) == resource["count"]
        for row in rows:
            assert REQUIRED[resource["name"]] <= set(row), (resource["name"], row)


def test_every_row_links_to_rows_that_exist() -> None:
    tables = hsds_tables(load_directory())
    ids = {name: {row["id"] for row in rows} for name, rows in tables.items()}
    for name, rows in tables.items():
        assert len(ids[name]) == len(rows), f"duplicate ids in {name}"
    assert all(s["organization_id"] in ids["organization"] for s in tables["service"])
    for link in tables["service_at_location"]:
        assert link["service_id"] in ids["service"]
        assert link["location_id"] in ids["location"]
    for phone in tables["phone"]:
        assert (phone.get("organization_id") in ids["organization"]
                or phone.get("location_id") in ids["location"])


def test_ids_are_uuids_that_stay_the_same_between_exports() -> None:
    first, second = hsds_tables(load_directory()), hsds_tables(load_directory())
    assert first == second
    org = next(o for o in first["organization"] if o["name"] == "Example Relief Association")
    assert org["id"] == hsds_id("organization", "example_relief")
    assert uuid.UUID(org["id"]).version == 5


def test_hubs_are_physical_locations_listing_their_areas() -> None:
    locations = {loc["name"]: loc for loc in hsds_tables(load_directory())["location"]}
    assert locations["Sanliurfa"]["location_type"] == "physical"
    assert locations["Sanliurfa"]["alternate_name"] == "شانلي أورفة / Şanlıurfa"
    assert "Suruç" in locations["Sanliurfa"]["description"]


def test_a_service_states_its_profiles_and_pathway_roles() -> None:
    service = next(s for s in hsds_tables(load_directory())["service"]
                   if s["description"] == "Health care by Example Health Partners")
    assert service["status"] == "active"
    assert service["eligibility_description"].startswith(
        "Profiles: girls (entry point), boys (entry point), women (funnelling point)")


def test_a_service_limited_to_hubs_is_offered_only_there() -> None:
    tables = hsds_tables(load_directory())
    recreation = next(s for s in tables["service"] if s["name"] == "Recreation and play")
    where = {link["location_id"] for link in tables["service_at_location"]
             if link["service_id"] == recreation["id"]}
    assert where == {hsds_id("location", "gaziantep"), hsds_id("location", "sanliurfa")}


def test_emergency_contacts_are_phones_of_their_hub() -> None:
    phones = hsds_tables(load_directory())["phone"]
    kilis = [p for p in phones if p.get("location_id") == hsds_id("location", "kilis")]
    assert {p["number"] for p in kilis} == {f"+90 000 000 040{n}" for n in range(1, 6)}
    assert kilis[0]["description"] == "Example Health Line Kilis: emergency health, 24/7"
