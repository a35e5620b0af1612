"""Schema migrations (Alembic), run from code: ``intake db upgrade`` and the tests.

No ``alembic.ini`` is needed: the configuration is built here, pointing at
``storage/migrations``. The caller's engine (with its SQLite pragmas) is handed to the
migration environment, so migrations run exactly as the application connects.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from storage.database import DatabaseNotReady, shown

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


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
