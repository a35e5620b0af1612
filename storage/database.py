"""Engines and sessions for SQLite (the embedded default) and PostgreSQL.

SQLite is tuned for one file shared by several processes (bot, worker, CLI):

* WAL journal, so readers never block the writer;
* a busy timeout, so a writer waits for the lock instead of failing at once;
* foreign keys ON (SQLite leaves them off per connection);
* ``secure_delete`` ON, per connection too: a deleted or overwritten value (erased
  personal data) is zeroed in the file, not left on a free page; after an erasure,
  :func:`scrub` empties the write-ahead log, which still held the pages as they were;
* write transactions start with ``BEGIN IMMEDIATE``: in WAL a transaction that read first
  and writes later fails with SQLITE_BUSY when another writer got in between, and the busy
  timeout cannot help. Taking the write lock up front turns that into a wait. This is the
  pysqlite recipe from the SQLAlchemy documentation: the driver's own transaction handling
  is switched off (``isolation_level = None``) and SQLAlchemy's ``begin`` event emits the
  ``BEGIN``. Transactions on an engine marked :data:`READ_ONLY` (the stores' read sessions)
  start with a plain ``BEGIN`` instead, so readers never queue behind writers.

PostgreSQL goes through psycopg 3; a plain ``postgresql://`` URL is taken to mean it.

Commands that read or change existing data open the database with :func:`open_existing`,
which refuses a SQLite file that is not there instead of creating an empty one (a cron job
started in the wrong place must fail, not purge a fresh empty database).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from storage.statement import driver_error

#: Milliseconds a SQLite writer waits for another writer's lock before giving up.
BUSY_TIMEOUT_MS = 10_000
#: Execution option marking an engine whose transactions only read (plain ``BEGIN``).
READ_ONLY = "intake_read_only"


class DatabaseNotReady(RuntimeError):
    """The database is missing, empty or not at the latest migration; the message says
    what to run."""


def normalise_url(url: str | URL) -> URL:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def shown(url: str | URL) -> str:
    """The URL for messages: its password hidden."""
    return normalise_url(url).render_as_string(hide_password=True)


def sqlite_file(url: str | URL) -> Path | None:
    """The file of a SQLite database on disk; None for another database or one in memory."""
    parsed = normalise_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:" \
            or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def open_existing(url: str | URL, **options: Any) -> Engine:
    """An engine on a database that must exist already: a missing SQLite file is refused
    (:class:`DatabaseNotReady`), never created."""
    path = sqlite_file(url)
    if path is not None and not path.is_file():
        raise DatabaseNotReady(f"no database at {path}: run `intake db upgrade` to create "
                               "it, or set DATABASE_URL (or INTAKE_DATA_DIR) to where it is")
    return make_engine(url, **options)


def make_engine(url: str | URL, busy_timeout_ms: int = BUSY_TIMEOUT_MS,
                **options: Any) -> Engine:
    """An engine for ``url`` with the settings above; the SQLite file's folder is created."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, busy_timeout_ms, **options)
    return create_engine(parsed, pool_pre_ping=True, **options)


def _sqlite_engine(url: URL, busy_timeout_ms: int, **options: Any) -> Engine:
    path = sqlite_file(url)
    if path is not None:  # new folders readable by this user only: the file holds cases
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    engine = create_engine(url, **options)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event, not the driver, start transactions.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL, far fewer fsyncs
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        begin = "BEGIN" if connection.get_execution_options().get(READ_ONLY, False) \
            else "BEGIN IMMEDIATE"
        # On the driver's connection: every transaction starts here, and SQLAlchemy's
        # execution machinery would cost more than the statement (errors stay its own).
        driver = connection.connection.dbapi_connection
        try:
            driver.execute(begin)  # type: ignore[union-attr]
        except sqlite3.Error as error:
            raise driver_error(connection, begin, error) from error

    return engine


def scrub(engine: Engine) -> bool:
    """After an erasure on SQLite: copy the write-ahead log into the database and truncate
    it to nothing (``wal_checkpoint(TRUNCATE)``), so erased values no longer sit in the
    ``-wal`` file's old page images. It waits (busy timeout) for readers of older snapshots;
    False if it still could not finish (the next erasure or checkpoint does). Nothing to
    do on PostgreSQL: True."""
    if engine.dialect.name != "sqlite":
        return True
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        try:  # on the driver's connection: outside any transaction, as a checkpoint must be
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy = (cursor.fetchone() or (1,))[0]
        finally:
            cursor.close()
    finally:
        raw.close()
    return not busy


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit, so stores can return them."""
    return sessionmaker(engine, expire_on_commit=False)
