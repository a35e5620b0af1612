"""The hub directory in the database: loaded whole, replaced whole, read back equal, and
left as it was when a file or a row is refused, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from bot.__main__ import main
from bot.directory import Directory, load_directory, load_directory_text
from bot.directory.rows import directory_from_rows, directory_rows
from storage.crypto import Cipher, generate_key
from storage.directory import DirectoryRowsError, SqlDirectoryStore
from storage.stores import Storage

SMALL = """\
version: 2
hubs:
  kilis:
    names: {en: Kilis}
    areas: [Elbeyli]
    coordinator: kilis_aid
  hatay:
    names: {en: Hatay}
    areas: [Antakya]
agencies:
  kilis_aid:
    names: {en: Kilis Aid}
    kind: national
focal_points:
  kilis:
    medical: {primary: kilis_aid}
services:
  - {agency: kilis_aid, service: medical, hubs: [kilis], profiles: {women: 1, men: 0}}
  - {agency: kilis_aid, service: medical, hubs: [hatay], profiles: {women: 2, men: 0}}
deadlines:
  levels:
    high: {acknowledge_hours: 2, respond_hours: 24}
  case_types:
    legal:
      low: {acknowledge_hours: 96, respond_hours: 400}
  reminders_at: [0.75]
"""
BAD = """\
version: 2
hubs:
  kilis:
    names: {en: Kilis}
    areas: [Elbeyli]
    coordinator: nobody
"""


@pytest.fixture
def store(storage: Storage) -> SqlDirectoryStore:
    return SqlDirectoryStore(storage.context)


def small() -> Directory:
    return load_directory_text(SMALL, "small.yaml")


def test_a_loaded_directory_reads_back_as_an_equal_directory(store: SqlDirectoryStore) -> None:
    sample = load_directory()
    store.replace(directory_rows(sample))
    assert directory_from_rows(store.rows()) == sample


def test_rows_read_back_in_the_order_of_the_file(store: SqlDirectoryStore) -> None:
    rows = directory_rows(load_directory())
    store.replace(rows)
    assert store.rows() == rows


def test_counts_give_the_rows_of_every_directory_table(store: SqlDirectoryStore) -> None:
    written = store.replace(directory_rows(small()))
    assert store.counts() == written == {
        "hubs": 2, "agencies": 1, "focal_points": 1, "emergency_contacts": 0, "services": 4,
        "deadlines": 13, "deadline_settings": 1}


def test_loading_again_replaces_the_previous_directory_whole(store: SqlDirectoryStore) -> None:
    store.replace(directory_rows(load_directory()))
    store.replace(directory_rows(small()))
    assert directory_from_rows(store.rows()) == small()
    assert store.counts()["emergency_contacts"] == 0


def test_a_service_listed_per_hub_and_a_plain_provider_fit_the_tables(
        store: SqlDirectoryStore) -> None:
    store.replace(directory_rows(small()))
    services = store.rows()["services"]
    assert [(s["hubs"], s["profile"], s["point"]) for s in services] == [
        (["kilis"], "women", "entry"), (["kilis"], "men", "provider"),
        (["hatay"], "women", "funnelling"), (["hatay"], "men", "provider")]


def test_deadlines_and_reminders_are_stored_and_read_back(store: SqlDirectoryStore) -> None:
    store.replace(directory_rows(small()))
    table = directory_from_rows(store.rows()).deadlines
    assert table.lookup("medical", "high").acknowledge_hours == 2
    assert table.lookup("legal", "low").respond_hours == 400
    assert table.reminders_at == (0.75,)


def test_rows_the_database_refuses_leave_the_previous_directory(
        store: SqlDirectoryStore) -> None:
    rows = directory_rows(load_directory())
    store.replace(rows)
    broken = directory_rows(small())
    broken["services"][0]["point"] = "sometimes"
    with pytest.raises(IntegrityError):
        store.replace(broken)
    assert store.rows() == rows


def test_a_replace_inside_a_unit_of_work_is_undone_with_it(
        storage: Storage, store: SqlDirectoryStore) -> None:
    rows = directory_rows(load_directory())
    store.replace(rows)
    with pytest.raises(RuntimeError), storage.unit():
        store.replace(directory_rows(small()))
        raise RuntimeError("a later step of the same unit failed")
    assert store.rows() == rows


@pytest.mark.parametrize(("change", "message"), [
    ({"rooms": []}, "no directory table for rooms"),
    ({"hubs": [{"id": "kilis", "names": {}, "areas": []}]}, "hubs row 1: missing coordinator"),
    ({"deadline_settings": [{"reminders_at": [], "colour": "red"}]},
     "deadline_settings row 1: unknown colour"),
], ids=["table", "missing column", "unknown column"])
def test_rows_that_do_not_fit_the_tables_are_refused_before_any_write(
        store: SqlDirectoryStore, change: dict[str, Any], message: str) -> None:
    rows = directory_rows(load_directory())
    store.replace(rows)
    with pytest.raises(DirectoryRowsError, match=message):
        store.replace({**directory_rows(small()), **change})
    assert store.rows() == rows


@pytest.fixture
def cli_env(database: Engine, monkeypatch: pytest.MonkeyPatch) -> Storage:
    """``intake`` pointed at the test database, and a store to look at it with."""
    key = generate_key()
    monkeypatch.setenv("DATABASE_URL", database.url.render_as_string(hide_password=False))
    monkeypatch.setenv("INTAKE_KEYS", key)
    return Storage.on(database, Cipher([key]))


def test_directory_load_writes_the_file_and_records_it_in_the_audit_log(
        cli_env: Storage, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    assert main(["directory", "load", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("small.yaml: loaded into the database")
    assert "2 hubs, 1 agencies, 1 focal points, 0 emergency contacts, 2 services " \
           "(4 profile rows), 13 deadline rows" in out
    assert directory_from_rows(SqlDirectoryStore(cli_env.context).rows()) == small()
    assert [entry[1:] for entry in cli_env.audit.entries()] == [
        ("cli", "directory_load", None)]


def test_directory_load_of_a_bad_file_names_the_problem_and_changes_nothing(
        cli_env: Storage, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = SqlDirectoryStore(cli_env.context)
    rows = directory_rows(load_directory())
    store.replace(rows)
    path = tmp_path / "bad.yaml"
    path.write_text(BAD, encoding="utf-8")
    assert main(["directory", "load", str(path)]) == 1
    err = capsys.readouterr().err
    assert "bad.yaml:6 hub 'kilis' coordinator: unknown agency 'nobody'" in err
    assert "nothing was loaded" in err
    assert store.rows() == rows
    assert cli_env.audit.entries() == []


def test_directory_load_of_a_missing_file_changes_nothing(
        cli_env: Storage, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["directory", "load", str(tmp_path / "absent.yaml")]) == 1
    assert "absent.yaml:1" in capsys.readouterr().err
    assert set(SqlDirectoryStore(cli_env.context).counts().values()) == {0}
