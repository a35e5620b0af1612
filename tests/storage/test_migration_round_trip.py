"""Downgrading a database that holds cases past the migrations that rebuild tables, and
upgrading it again, keeps every row and every link between rows, on SQLite and PostgreSQL.

On SQLite a batch migration copies a table and drops the old one; with foreign keys on,
that drop deleted (or set to null) every row referring to the table: a referral's trail,
consent records and reminders, a focal point's agencies, a referral's referrer. Below 0017
a consent record loses only the language and time it was given in, and has neither (not a
guess) when upgraded again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, select, text

from storage import migrate
from storage.crypto import Cipher, generate_key
from storage.database import make_engine
from storage.models import metadata
from storage.stores import Storage
from tests.storage.builders import consent, request
from tests.storage.conftest import sqlite_url

START = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
#: Below 0017 (a rebuild of ``consent_records``), below 0006 (the case deadline, a rebuild
#: of ``referrals``), and below 0003 (rebuilds of ``hubs``, ``agencies``, ``services``) with
#: 0005 (``staff``) on the way.
TARGETS = ("0016", "0005", "0002")
#: Emptied on purpose by 0003's downgrade (its older constraints may not hold them).
EMPTIED = {"0002": {"services"}}


def fill(engine: Engine) -> None:
    """A directory, a referrer and two referrals with trails, consent and reminders."""
    storage = Storage.on(engine, Cipher([generate_key()], index_key=generate_key()))
    with engine.begin() as connection:
        for agency in ("health_ngo", "law_ngo"):
            connection.execute(metadata.tables["agencies"].insert().values(
                id=agency, names={"en": agency}, kind="ngo", languages=["en"],
                hubs=["gaziantep"], phone="", email="", website="", position=0))
        connection.execute(metadata.tables["hubs"].insert().values(
            id="gaziantep", names={"en": "Gaziantep"}, areas=[], coordinator="law_ngo",
            position=0))
        connection.execute(metadata.tables["focal_points"].insert().values(
            hub_id="gaziantep", case_type="medical", primary_agency_id="health_ngo",
            backup_agency_id="law_ngo"))
        connection.execute(metadata.tables["services"].insert().values(
            agency_id="health_ngo", service="medical", profile="any", point="provider",
            hubs=["gaziantep"], names={"en": "Clinic"}, case_types=["medical"]))
    referrer = storage.staff.enrol(7, "referrer", agency=None, hub="gaziantep",
                                   language="en", at=START)
    for _ in range(2):
        made = request()
        code = storage.referrals.create(
            made, referrer_id=referrer, agency="health_ngo", at=START,
            acknowledge_by=START + timedelta(hours=4), respond_by=START + timedelta(hours=24),
            case_due_at=START + timedelta(hours=48),
            consent=consent(granted=made.consent, language="ar",
                            given_at=START - timedelta(minutes=30)))
        storage.referrals.append_event(code, "acknowledged", at=START + timedelta(hours=1),
                                       actor="staff:2", agency=None)
        storage.reminders.schedule("status:acknowledged", START + timedelta(hours=2),
                                   code=code)


def rows(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table there is, as read back (sorted, to compare as sets)."""
    found: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as connection:
        for table in inspect(engine).get_table_names():
            if table == "alembic_version":
                continue
            read = connection.execute(text(f'SELECT * FROM "{table}"')).mappings().all()
            found[table] = sorted((dict(row) for row in read), key=repr)
    return found


def kept(snapshot: dict[str, list[dict[str, Any]]],
         shape: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """``snapshot``'s rows of the tables in ``shape``, with only the columns those have."""
    columns = {table: set(found[0]) for table, found in shape.items() if found}
    return {table: sorted(({name: value for name, value in row.items()
                            if name in columns.get(table, row)} for row in snapshot[table]),
                          key=repr)
            for table in shape}


@pytest.mark.parametrize("target", TARGETS)
def test_a_round_trip_below_the_table_rebuilds_keeps_every_row(own_database: Engine,
                                                               target: str) -> None:
    fill(own_database)
    before = rows(own_database)
    for table in ("referrals", "referral_events", "consent_records", "reminders", "focal_points",
                  "staff"):
        assert before[table], table  # the data the hazard destroyed is really there

    migrate.downgrade(own_database, target)
    assert migrate.current(own_database) == target
    down = rows(own_database)
    emptied = EMPTIED.get(target, set())
    assert {table: found for table, found in down.items() if table not in emptied} == {
        table: found for table, found in kept(before, down).items() if table not in emptied}
    assert all(not down[table] for table in emptied)

    migrate.upgrade(own_database)
    assert migrate.current(own_database) == migrate.head()
    up = rows(own_database)
    assert {table: len(found) for table, found in up.items() if table in down} == {
        table: len(found) for table, found in down.items()}
    assert kept(up, down) == down
    with own_database.connect() as connection:
        referrers = connection.execute(select(metadata.tables["referrals"].c.referrer_id))
        assert None not in set(referrers.scalars())


def test_foreign_keys_are_on_again_after_migrating_on_sqlite(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path))
    try:
        migrate.upgrade(engine)
        migrate.downgrade(engine, "0005")
        migrate.upgrade(engine)
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_a_migration_that_would_leave_a_broken_reference_on_sqlite_changes_nothing(
        tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path))
    try:
        migrate.upgrade(engine, "0014")
        pooled = engine.raw_connection()
        try:  # a reminder of a referral that is not there, written with the checks off
            raw = pooled.driver_connection
            assert raw is not None
            raw.execute("PRAGMA foreign_keys=OFF")
            raw.execute("INSERT INTO reminders (referral_id, kind, due_at) "
                        "VALUES (999, 'status:closed', '2026-10-05 09:00:00')")
            raw.execute("PRAGMA foreign_keys=ON")
        finally:
            pooled.close()
        with pytest.raises(migrate.BrokenReferences) as raised:
            migrate.upgrade(engine)
        assert str(raised.value) == (
            "the migration would leave 1 row(s) referring to rows that are not there "
            "(reminders -> referrals); nothing was changed")
        assert migrate.current(engine) == "0014"
        assert "directory_loads" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_below_0017_a_consent_loses_its_language_and_time_and_comes_back_without_them(
        own_database: Engine) -> None:
    fill(own_database)
    consents = metadata.tables["consent_records"]
    with own_database.connect() as connection:
        assert set(connection.execute(select(consents.c.language, consents.c.given_at))) == {
            ("ar", START - timedelta(minutes=30))}
    migrate.downgrade(own_database, "0016")
    names = {column["name"] for column in inspect(own_database).get_columns("consent_records")}
    assert not names & {"language", "given_at"} and "recorded_at" in names
    migrate.upgrade(own_database)
    with own_database.connect() as connection:
        assert set(connection.execute(select(consents.c.language, consents.c.given_at))) == {
            (None, None)}
