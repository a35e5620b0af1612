"""Fixtures for the storage tests: the same contract runs on SQLite and on PostgreSQL.

``database`` is a SQLAlchemy engine (``engine`` stays the flow engine of ``tests/conftest``).

SQLite is a real file in ``tmp_path``, fresh per test. PostgreSQL is one throwaway server
per test session (``tests/storage/postgres.py``), migrated once and truncated before each
test. Without PostgreSQL binaries the PostgreSQL cases are skipped locally, but fail when
``CI`` is set: CI must never pass by silently skipping half the contract.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy import Engine, text

from storage import migrate
from storage.crypto import Cipher, generate_key
from storage.database import make_engine
from storage.models import metadata
from storage.stores import Storage
from tests.storage.postgres import PostgresServer, Unavailable, find_bindir

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
BACKENDS = ("sqlite", "postgresql")
OWN_NUMBERS = itertools.count()  # names the databases of ``own_database``


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def without_postgres(reason: str) -> NoReturn:
    """Skip here, but fail in CI: a green CI must mean PostgreSQL was tested."""
    if in_ci():
        pytest.fail(f"PostgreSQL is required in CI (CI is set): {reason}")
    pytest.skip(f"PostgreSQL not available here: {reason}")


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    try:
        server = PostgresServer.start(find_bindir())
    except Unavailable as exc:
        without_postgres(str(exc))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_engine(postgres: PostgresServer) -> Iterator[Engine]:
    engine = make_engine(postgres.create_database("intake_contract"))
    migrate.upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'intake.sqlite3'}"


def truncate_all(engine: Engine) -> None:
    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database: a new SQLite file, or the truncated PostgreSQL one."""
    if request.param == "postgresql":
        pg: Engine = request.getfixturevalue("pg_engine")
        truncate_all(pg)
        yield pg
        return
    sqlite = make_engine(sqlite_url(tmp_path))
    migrate.upgrade(sqlite)
    try:
        yield sqlite
    finally:
        sqlite.dispose()


@pytest.fixture(params=BACKENDS)
def own_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated database of its own (a new SQLite file, or a new PostgreSQL database), for
    a test that takes it down migrations and up again."""
    if request.param == "postgresql":
        server: PostgresServer = request.getfixturevalue("postgres")
        engine = make_engine(server.create_database(f"intake_own_{next(OWN_NUMBERS)}"))
    else:
        engine = make_engine(sqlite_url(tmp_path))
    migrate.upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def cipher() -> Cipher:
    return Cipher([generate_key()], index_key=generate_key())


@pytest.fixture
def storage(database: Engine, cipher: Cipher) -> Storage:
    return Storage.on(database, cipher)
