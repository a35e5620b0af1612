"""Migrations take an empty database to head on SQLite and PostgreSQL, and the result is
exactly the models (Alembic's autogenerate comparison finds nothing to change)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from bot.__main__ import main
from storage import migrate
from storage.database import make_engine
from storage.models import metadata
from tests.storage.conftest import sqlite_url
from tests.storage.postgres import PostgresServer

NUMBERS = itertools.count()


def differences(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "postgresql":
        server: PostgresServer = request.getfixturevalue("postgres")
        engine = make_engine(server.create_database(f"intake_empty_{next(NUMBERS)}"))
    else:
        engine = make_engine(sqlite_url(tmp_path))
    try:
        yield engine
    finally:
        engine.dispose()


def test_an_empty_database_migrates_to_head_matching_the_models(
        empty_database: Engine) -> None:
    assert migrate.current(empty_database) is None
    migrate.upgrade(empty_database)
    assert migrate.current(empty_database) == migrate.head()
    assert set(inspect(empty_database).get_table_names()) == (
        set(metadata.tables) | {"alembic_version"})
    assert differences(empty_database) == []


def test_downgrading_to_base_and_upgrading_again_gives_the_same_schema(
        empty_database: Engine) -> None:
    migrate.upgrade(empty_database)
    migrate.upgrade(empty_database, "head")  # a second upgrade is a no-op
    migrate.downgrade(empty_database, "base")
    assert set(inspect(empty_database).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(empty_database)
    assert differences(empty_database) == []


def test_the_naming_convention_names_every_constraint(empty_database: Engine) -> None:
    migrate.upgrade(empty_database)
    inspector = inspect(empty_database)
    names = [fk["name"] for table in metadata.tables for fk in inspector.get_foreign_keys(table)]
    assert names and all(name and name.startswith("fk_") for name in names)


def test_intake_db_upgrade_reports_each_migration_and_is_safe_to_repeat(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url(tmp_path / "new"))
    assert main(["db", "upgrade"]) == 0
    out, err = capsys.readouterr()
    assert out == f"upgraded to revision {migrate.head()}\n"
    assert "from revision (empty) to head" in err
    assert "Running upgrade  -> 0001, Initial schema." in err
    assert "Running upgrade 0001 -> 0002, One-time enrolment invitations." in err
    assert f"-> {migrate.head()}, " in err
    assert main(["db", "upgrade"]) == 0
    assert capsys.readouterr().out == f"already at revision {migrate.head()}; nothing to do\n"
    assert main(["db", "current"]) == 0
    assert "(up to date)" in capsys.readouterr().out


def test_intake_db_upgrade_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["db", "upgrade", "--help"])
    assert done.value.code == 0
    assert "Apply every pending migration" in capsys.readouterr().out
