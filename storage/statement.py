"""Hot statements, run on the driver's own cursor inside the unit of work's transaction.

Every button press runs the same three statements (record the update, load the session,
save it). Through SQLAlchemy's execution machinery each costs several times the driver's
own work: building an execution context, firing events, wrapping the result. A
:class:`Statement` is written once with ``:name`` parameters, turned into the driver's
parameter style and bind converters once per dialect, and run on the DBAPI cursor of the
connection the session already holds, so it joins that transaction (SQLAlchemy still begins,
commits and rolls back).

What SQLAlchemy would have done on an error is kept: a driver error is raised as
SQLAlchemy's matching ``DBAPIError`` (without parameters), and a lost connection is
invalidated, so the pool never hands it out again. Each statement's text (never its
values) is logged at DEBUG on ``intake.sql``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Connection, Dialect, FromClause, Table
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

log = logging.getLogger("intake.sql")
_NAME = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
Prepared = tuple[str, dict[str, Callable[[Any], Any]]]


class Statement:
    """``sql`` with ``:name`` parameters; ``types`` converts the values that need it (an
    aware datetime into what the column stores) exactly as a SQLAlchemy type would. Every
    ``:name`` is a parameter, even inside a quoted literal or a comment: keep both out."""

    def __init__(self, sql: str, **types: TypeEngine[Any]) -> None:
        self.sql = sql
        self.names = frozenset(_NAME.findall(sql))
        unknown = set(types) - self.names
        if unknown:
            raise ValueError(f"types given for parameters not in the statement: {unknown}")
        self._types = types
        self._prepared: dict[str, Prepared] = {}

    @classmethod
    def insert(cls, table: FromClause, *, returning: str | None = None,
               on_conflict: str | None = None,
               generated: tuple[str, ...] = ("id",)) -> Statement:
        """An INSERT of every column of ``table`` but the ``generated`` ones, each value
        converted by its column's type. Every column is a parameter: pass ``None`` for an
        empty one (Python-side column defaults do not apply here). ``on_conflict`` follows
        ``ON CONFLICT`` as written (the same syntax on both databases)."""
        if not isinstance(table, Table):
            raise TypeError(f"an INSERT needs a table, not {table!r}")
        columns = [column for column in table.columns if column.name not in generated]
        names = ", ".join(column.name for column in columns)
        values = ", ".join(f":{column.name}" for column in columns)
        sql = f"INSERT INTO {table.name} ({names}) VALUES ({values})"
        if on_conflict is not None:
            sql += f" ON CONFLICT {on_conflict}"
        if returning is not None:
            sql += f" RETURNING {returning}"
        return cls(sql, **{column.name: column.type for column in columns})

    def __repr__(self) -> str:
        return f"Statement({self.sql!r})"

    def prepare(self, dialect: Dialect) -> Prepared:
        """The SQL in the driver's parameter style, and the converters, for ``dialect``."""
        key = f"{dialect.name}+{dialect.driver}"  # converters differ by driver
        prepared = self._prepared.get(key)
        if prepared is None:
            prepared = (_paramstyle(self.sql, dialect.paramstyle), _binds(self._types, dialect))
            self._prepared[key] = prepared
        return prepared

    def run(self, db: Session, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Execute in ``db``'s transaction; the rows it returns (none for a plain write)."""
        if params.keys() != self.names:  # before the session begins a transaction
            raise ValueError(f"{self!r} takes {sorted(self.names)}, got {sorted(params)}")
        connection = db.connection()
        sql, binds = self.prepare(connection.dialect)
        values = {name: binds[name](value) if name in binds else value
                  for name, value in params.items()}
        if log.isEnabledFor(logging.DEBUG):
            log.debug(self.sql)
        cursor = connection.connection.cursor()
        try:
            cursor.execute(sql, values)
            return [tuple(row) for row in cursor.fetchall()] if cursor.description else []
        except connection.dialect.loaded_dbapi.Error as error:
            raise driver_error(connection, sql, error, cursor) from error
        finally:
            cursor.close()


def _paramstyle(sql: str, style: str) -> str:
    if style == "named":
        return sql
    if style == "pyformat":
        return _NAME.sub(r"%(\1)s", sql.replace("%", "%%"))
    if style == "qmark":  # the driver also reads names (sqlite3 does): keep them
        return sql
    raise ValueError(f"parameter style {style!r} is not supported")


def _binds(types: Mapping[str, TypeEngine[Any]], dialect: Dialect
           ) -> dict[str, Callable[[Any], Any]]:
    converters: dict[str, Callable[[Any], Any]] = {}
    for name, type_ in types.items():
        process = type_.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            converters[name] = process
    return converters


def driver_error(connection: Connection, sql: str, error: Any, cursor: Any = None
                 ) -> StatementError:
    """A driver's error as SQLAlchemy would have raised it from ``sql`` (parameters
    hidden), its connection invalidated if the error says it is lost."""
    dialect = connection.dialect
    lost = dialect.is_disconnect(error, connection.connection.dbapi_connection, cursor)
    if lost:
        connection.invalidate(error)
    wrapped: StatementError = DBAPIError.instance(
        sql, None, error, dialect.loaded_dbapi.Error, hide_parameters=True,
        connection_invalidated=lost, dialect=dialect)
    return wrapped
