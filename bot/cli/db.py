"""``intake db``: create or upgrade the database schema (Alembic migrations)."""

from __future__ import annotations

import argparse
import logging
import sys

from bot.settings import Settings


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("db", help="create or upgrade the database",
                                 description="Manage the database schema (DATABASE_URL; "
                                 "default: intake.sqlite3 in the data directory, "
                                 "INTAKE_DATA_DIR).")
    sub = parser.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    upgrade = sub.add_parser("upgrade", help="migrate the database to the latest schema",
                             description="Apply every pending migration, creating the "
                             "database if it is empty. Safe to run repeatedly: an "
                             "up-to-date database is left as it is.")
    upgrade.add_argument("--revision", default="head",
                         help="target revision (default: head, the latest)")
    upgrade.set_defaults(handler=run_upgrade)
    current = sub.add_parser("current", help="print the database's schema revision",
                             description="Print the database's revision and the latest one. "
                             "Exit status 0 only when it is at the latest (a readiness "
                             "check), 1 when it is behind or empty, 2 when there is no "
                             "database at all (nothing is created).")
    current.set_defaults(handler=run_current)


def _where(settings: Settings) -> str:
    from storage.database import shown

    return shown(settings.database_url)


def run_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from storage import migrate
    from storage.database import make_engine

    # Alembic reports each migration it runs on its own logger: show those lines only.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("  %(message)s"))
    handler.addFilter(lambda record: record.getMessage().startswith("Running"))
    alembic_log = logging.getLogger("alembic.runtime.migration")
    alembic_log.addHandler(handler)
    alembic_log.setLevel(logging.INFO)
    engine = make_engine(settings.database_url)
    try:
        before = migrate.current(engine)
        print(f"database: {_where(settings)}", file=sys.stderr)
        print(f"from revision {before or '(empty)'} to {args.revision}", file=sys.stderr)
        migrate.upgrade(engine, args.revision)
        after = migrate.current(engine)
    finally:
        alembic_log.removeHandler(handler)
        engine.dispose()
    if after == before:
        print(f"already at revision {after}; nothing to do")
    else:
        print(f"upgraded to revision {after}")
    return 0


def run_current(args: argparse.Namespace, settings: Settings) -> int:
    from storage import migrate
    from storage.database import open_existing

    print(f"settings file: {settings.env_file or '(none)'}; data directory: "
          f"{settings.data_dir}", file=sys.stderr)
    engine = open_existing(settings.database_url)
    try:
        found = migrate.current(engine)
    finally:
        engine.dispose()
    latest = migrate.head()
    state = "up to date" if found == latest else "run `intake db upgrade`"
    print(f"{_where(settings)}: revision {found or '(empty)'}, latest {latest} ({state})")
    return 0 if found == latest else 1
