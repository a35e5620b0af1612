"""Schema migrations (Alembic), run from code: ``intake db upgrade`` and the tests.

No ``alembic.ini`` is needed: the configuration is built here, pointing at
``storage/migrations``. The caller's engine (with its SQLite pragmas) is handed to the
migration environment, so migrations run exactly as the application connects.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from storage.database import DatabaseNotReady, shown

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


class BrokenReferences(RuntimeError):
    """A migration on SQLite left rows pointing at rows that are not there; nothing of it
    was committed."""


@contextmanager
def migrating(engine: Engine) -> Iterator[Connection]:
    """A connection in one transaction for Alembic to migrate, committed at the end.

    On SQLite, foreign keys are off while it runs, as SQLite's own procedure for rebuilding
    a table asks: a batch migration copies a table and drops the old one, and with foreign
    keys on, that drop deletes (or sets to null) every row referring to it, such as a
    referral's trail, consent records and reminders. Before the commit, ``PRAGMA
    foreign_key_check`` must find no broken reference (else :class:`BrokenReferences`, and
    everything is rolled back); foreign keys are on again afterwards, whatever happened.
    """
    with engine.connect() as connection:
        if engine.dialect.name != "sqlite":
            with connection.begin():
                yield connection
            return
        _foreign_keys(connection, on=False)
        try:
            with connection.begin():
                yield connection
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    tables = sorted({f"{row[0]} -> {row[2]}" for row in broken})
                    raise BrokenReferences(
                        f"the migration would leave {len(broken)} row(s) referring to rows "
                        f"that are not there ({', '.join(tables)}); nothing was changed")
        finally:
            _foreign_keys(connection, on=True)


def _foreign_keys(connection: Connection, on: bool) -> None:
    """Turn SQLite's foreign keys on or off on the driver's connection, outside any
    transaction (inside one SQLite ignores the pragma), and check that it took."""
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    if bool(raw.execute("PRAGMA foreign_keys").fetchone()[0]) != on:
        connection.invalidate()  # never hand this connection out again in the wrong state
        raise RuntimeError(f"SQLite did not turn foreign keys {'on' if on else 'off'}")


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = alembic_config()
    with migrating(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Undo migrations down to ``revision`` (``base``: no tables), as :func:`upgrade` runs
    them (one transaction; on SQLite, foreign keys off and checked before the commit)."""
    config = alembic_config()
    with migrating(engine) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head() -> str:
    found = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert found is not None
    return found


def require_latest(engine: Engine) -> str:
    """The database's revision, if it is the latest; else :class:`DatabaseNotReady` saying
    what to do. For commands that must not migrate a database behind their back."""
    found = current(engine)
    latest = head()
    if found == latest:
        return found
    where = shown(engine.url)
    if found is None:
        raise DatabaseNotReady(f"the database at {where} has no tables: run `intake db "
                               "upgrade` to create them")
    script = ScriptDirectory.from_config(alembic_config())
    if found not in {revision.revision for revision in script.walk_revisions()}:
        raise DatabaseNotReady(f"the database at {where} is at revision {found}, which "
                               f"this version of intake does not know (its latest is "
                               f"{latest}): run the newer intake that migrated it")
    raise DatabaseNotReady(f"the database at {where} is at revision {found}, not the "
                           f"latest {latest}: run `intake db upgrade` first")
