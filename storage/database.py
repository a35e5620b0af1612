"""Engines and sessions for SQLite (the embedded default) and PostgreSQL.

SQLite is tuned for one file shared by several processes (bot, worker, CLI):

* WAL journal, so readers never block the writer;
* a busy timeout, so a writer waits for the lock instead of failing at once;
* foreign keys ON (SQLite leaves them off per connection);
* write transactions start with ``BEGIN IMMEDIATE``: in WAL a transaction that read first
  and writes later fails with SQLITE_BUSY when another writer got in between, and the busy
  timeout cannot help. Taking the write lock up front turns that into a wait. This is the
  pysqlite recipe from the SQLAlchemy documentation: the driver's own transaction handling
  is switched off (``isolation_level = None``) and SQLAlchemy's ``begin`` event emits the
  ``BEGIN``. Transactions on an engine marked :data:`READ_ONLY` (the stores' read sessions)
  start with a plain ``BEGIN`` instead, so readers never queue behind writers.

PostgreSQL goes through psycopg 3; a plain ``postgresql://`` URL is taken to mean it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

#: Milliseconds a SQLite writer waits for another writer's lock before giving up.
BUSY_TIMEOUT_MS = 10_000
#: Execution option marking an engine whose transactions only read (plain ``BEGIN``).
READ_ONLY = "intake_read_only"


def normalise_url(url: str | URL) -> URL:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str | URL, busy_timeout_ms: int = BUSY_TIMEOUT_MS,
                **options: Any) -> Engine:
    """An engine for ``url`` with the settings above; the SQLite file's folder is created."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, busy_timeout_ms, **options)
    return create_engine(parsed, pool_pre_ping=True, **options)


def _sqlite_engine(url: URL, busy_timeout_ms: int, **options: Any) -> Engine:
    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
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
            cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL, far fewer fsyncs
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit, so stores can return them."""
    return sessionmaker(engine, expire_on_commit=False)
