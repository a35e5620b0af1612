"""The hub directory in the database: replaced whole, in one transaction.

Coordinators edit one YAML file; ``intake directory load`` checks it and hands its rows
(``bot.directory.rows.directory_rows``) to :meth:`SqlDirectoryStore.replace`. The old
directory is deleted and the new one inserted in a single transaction, so a reader (the bot,
the worker) sees either the old directory or the new one, never a mix such as a focal point
whose agency is not inserted yet. If any insert fails, the old directory stays.

Each load is numbered (``directory_loads``) in that same transaction: running processes poll
the highest number (:meth:`SqlDirectoryStore.version`) and read the new directory whole
(:meth:`SqlDirectoryStore.snapshot`), so they serve it within seconds, without a restart
(``bot.directory.live``).

Storage takes plain rows, not ``bot.directory`` dataclasses, so it does not need to know
how the file is shaped, and the rows are checked here only for their shape (known tables,
known columns): the meaning was checked by the loader, with file and line numbers.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Integer, Table, delete, func, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from bot.directory.live import DirectoryLoadConflict, DirectoryUnavailable
from bot.directory.rows import Rows
from storage.models import (
    Agency,
    Base,
    DeadlineRule,
    DeadlineSettings,
    DirectoryLoad,
    EmergencyContact,
    FocalPoint,
    Hub,
    Service,
)
from storage.sql import Context


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


#: Parents before children: inserts run in this order, deletes in the reverse.
TABLES: tuple[Table, ...] = tuple(_table(model) for model in (
    Hub, Agency, FocalPoint, EmergencyContact, Service, DeadlineRule, DeadlineSettings))
#: Filled by the store, not given in rows: the order of rows in the file.
POSITION = "position"
#: Tables whose rows keep their order in the file (``position``); the others keep it
#: through their ascending integer ids.
ORDERED = ("hubs", "agencies")


class DirectoryRowsError(ValueError):
    """Rows that do not fit the tables: a programming error, not a coordinator's one."""


class SqlDirectoryStore:
    def __init__(self, context: Context) -> None:
        self._context = context

    def replace(self, rows: Rows) -> dict[str, int]:
        """Delete the stored directory and insert ``rows`` instead, as one transaction
        (joining the caller's unit of work if one is open). Returns rows written per table.

        A table missing from ``rows`` is emptied: the file is the whole directory.
        """
        checked = {table.name: _checked(table, rows.get(table.name, [])) for table in TABLES}
        unknown = sorted(set(rows) - set(checked))
        if unknown:
            raise DirectoryRowsError(f"no directory table for {', '.join(unknown)}")
        digest = hashlib.sha256(json.dumps(checked, sort_keys=True, default=str)
                                .encode("utf-8")).hexdigest()
        try:
            with self._context.writing() as db:
                # The load's number first: a second load at the same moment waits on it,
                # then fails whole, so numbers follow the order loads are committed in.
                number = _version(db) + 1
                db.add(DirectoryLoad(number=number, loaded_at=datetime.now(UTC),
                                     checksum=digest))
                db.flush()
                for table in reversed(TABLES):
                    db.execute(delete(table))
                for table in TABLES:
                    if checked[table.name]:
                        # One executemany per table, not one statement per row.
                        db.execute(insert(table), checked[table.name])
        except IntegrityError as error:
            if "directory_loads" not in str(error.orig):
                raise
            raise DirectoryLoadConflict("another directory was loaded at the same moment; "
                                        "nothing was loaded, try again") from None
        return {name: len(values) for name, values in checked.items()}

    def version(self) -> int:
        """The number of the newest load (0: none since loads were numbered)."""
        try:
            with self._context.reading() as db:
                return _version(db)
        except DBAPIError as error:
            raise DirectoryUnavailable(type(error).__name__) from error

    def snapshot(self) -> tuple[int, Rows] | None:
        """The directory with the number of its load, read together: None when a load
        committed in between (PostgreSQL reads each statement at its own moment)."""
        try:
            with self._context.reading() as db:
                before = _version(db)
                found = _rows(db)
                if _version(db) != before:
                    return None
                return before, found
        except DBAPIError as error:
            raise DirectoryUnavailable(type(error).__name__) from error

    def counts(self) -> dict[str, int]:
        """Rows per directory table, in insertion order of the tables."""
        with self._context.reading() as db:
            return {table.name: int(db.scalar(select(func.count()).select_from(table)) or 0)
                    for table in TABLES}

    def rows(self) -> Rows:
        """The stored directory as rows again (``bot.directory.rows.directory_from_rows``
        turns them back into a ``Directory``), in the order of the file."""
        with self._context.reading() as db:
            return _rows(db)


def _version(db: Session) -> int:
    return int(db.scalar(select(func.max(DirectoryLoad.number))) or 0)


def _rows(db: Session) -> Rows:
    found: Rows = {}
    for table in TABLES:
        order = table.c.position if table.name in ORDERED else table.c.id
        columns = [c for c in table.columns if c.name not in _generated(table)]
        found[table.name] = [dict(row._mapping) for row in
                             db.execute(select(*columns).order_by(order))]
    return found


def _generated(table: Table) -> set[str]:
    """Columns rows do not carry: an integer surrogate key, and the position."""
    names = {c.name for c in table.primary_key.columns if isinstance(c.type, Integer)}
    return names | ({POSITION} if table.name in ORDERED else set())


def _checked(table: Table, given: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with exactly the table's columns (and their position in the file)."""
    expected = {c.name for c in table.columns} - _generated(table)
    checked = []
    for number, row in enumerate(given):
        if set(row) != expected:
            missing = sorted(expected - set(row))
            extra = sorted(set(row) - expected)
            raise DirectoryRowsError(
                f"{table.name} row {number + 1}: " + "; ".join(
                    part for part in (f"missing {', '.join(missing)}" if missing else "",
                                      f"unknown {', '.join(extra)}" if extra else "") if part))
        checked.append({**row, POSITION: number} if table.name in ORDERED else dict(row))
    return checked
