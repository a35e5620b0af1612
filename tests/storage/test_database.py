"""SQLite is set up for several processes on one file; PostgreSQL URLs use psycopg 3."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from storage import migrate
from storage.crypto import Cipher, generate_key
from storage.database import (
    DatabaseNotReady,
    make_engine,
    normalise_url,
    open_existing,
    sqlite_file,
)
from storage.stores import Storage
from tests.storage.builders import session
from tests.storage.conftest import NOW


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'var' / 'intake.sqlite3'}", busy_timeout_ms=0)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def other_process(engine: Engine) -> sqlite3.Connection:
    """A plain sqlite3 connection that gives up at once on a lock, as another process."""
    assert engine.url.database
    return sqlite3.connect(engine.url.database, timeout=0, isolation_level=None)


def test_the_sqlite_folder_is_created_and_the_pragmas_are_set(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as connection:
        pragmas = [connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                   for name in ("journal_mode", "foreign_keys", "busy_timeout")]
    assert pragmas == ["wal", 1, 0]


def test_the_default_busy_timeout_lets_a_writer_wait_for_the_lock(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
    engine.dispose()


def test_a_write_transaction_takes_the_write_lock_at_begin_even_before_writing(
        sqlite_engine: Engine) -> None:
    storage = Storage.on(sqlite_engine, Cipher([generate_key()]))
    with storage.context.write.begin() as db:
        db.execute(text("SELECT 1"))  # only a read so far
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            other_process(sqlite_engine).execute("BEGIN IMMEDIATE")


def test_reads_go_on_while_another_process_holds_the_write_lock(sqlite_engine: Engine) -> None:
    storage = Storage.on(sqlite_engine, Cipher([generate_key()]))
    storage.sessions.save(1, session(step="saved"), NOW)
    writer = other_process(sqlite_engine)
    writer.execute("BEGIN IMMEDIATE")
    try:
        loaded = storage.sessions.load(1)
        assert loaded is not None and loaded.answers == {"step": "saved"}
        with pytest.raises(OperationalError, match="database is locked"):
            storage.sessions.save(2, session(), NOW)
    finally:
        writer.execute("ROLLBACK")
    storage.sessions.save(2, session(), NOW)


def test_foreign_keys_are_enforced_on_sqlite(sqlite_engine: Engine) -> None:
    with pytest.raises(Exception, match="FOREIGN KEY constraint failed"), \
            sqlite_engine.begin() as connection:
        connection.execute(text("INSERT INTO emergency_contacts (hub_id, category, name, "
                                "phone, hours) VALUES ('nowhere', 'health', 'x', 'y', '')"))


@pytest.mark.parametrize(("given", "driver"), [
    ("postgresql://u:p@db:5432/intake", "postgresql+psycopg"),
    ("postgres://u@db/intake", "postgresql+psycopg"),
    ("postgresql+psycopg://u@db/intake", "postgresql+psycopg"),
    ("sqlite:///var/intake.sqlite3", "sqlite"),
])
def test_postgresql_urls_are_taken_to_mean_psycopg_3(given: str, driver: str) -> None:
    assert normalise_url(given).drivername == driver


def test_a_postgresql_engine_connects_through_psycopg_3(pg_engine: Engine) -> None:
    with pg_engine.connect() as connection:
        assert connection.dialect.driver == "psycopg"
        version = str(connection.scalar(text("SHOW server_version")))
        assert int(version.split(".")[0]) >= 13


# -- a database that must exist already ----------------------------------------------------

def test_a_missing_sqlite_file_is_refused_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "data" / "intake.sqlite3"
    with pytest.raises(DatabaseNotReady) as error:
        open_existing(f"sqlite:///{path}")
    assert str(error.value) == (f"no database at {path}: run `intake db upgrade` to create it, "
                                "or set DATABASE_URL (or INTAKE_DATA_DIR) to where it is")
    assert not (tmp_path / "data").exists()


def test_a_new_sqlite_folder_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    make_engine(f"sqlite:///{tmp_path / 'data' / 'intake.sqlite3'}").dispose()
    assert (tmp_path / "data").stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize(("url", "path"), [
    ("sqlite:////srv/intake.sqlite3", "/srv/intake.sqlite3"),
    ("sqlite://", None), ("sqlite:///:memory:", None),
    ("postgresql://u@db/intake", None),
])
def test_only_a_sqlite_database_on_disk_has_a_file(url: str, path: str | None) -> None:
    assert sqlite_file(url) == (Path(path) if path else None)


def test_a_database_migrated_by_a_newer_intake_is_named_as_such(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'intake.sqlite3'}")
    migrate.upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(DatabaseNotReady) as error:
        migrate.require_latest(engine)
    assert str(error.value) == (
        f"the database at sqlite:///{tmp_path / 'intake.sqlite3'} is at revision 9999, which "
        f"this version of intake does not know (its latest is {migrate.head()}): run the "
        "newer intake that migrated it")
    engine.dispose()


def test_a_database_at_the_latest_migration_is_ready(sqlite_engine: Engine) -> None:
    assert migrate.require_latest(sqlite_engine) == migrate.head()
