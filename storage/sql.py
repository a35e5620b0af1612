"""What the stores share: the engine, the cipher, and the unit of work.

Each store method runs in its own transaction, unless the caller opened a unit of work
(:meth:`Context.unit`): then every store call made inside it, in the same thread or task,
joins that one transaction, reads included (so they see the unit's own writes), and it all
commits or rolls back together. A referral, its audit entry and the messages it causes are
written whole or not at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Connection, Engine, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from storage.crypto import Cipher
from storage.database import READ_ONLY, make_sessionmaker


def rowcount(result: Any) -> int:
    """Rows an UPDATE, DELETE or INSERT touched (typed loosely by SQLAlchemy's stubs)."""
    return int(getattr(result, "rowcount", 0) or 0)


class Context:
    """Sessions on one engine, and the cipher for its fields.

    ``write`` sessions start with ``BEGIN IMMEDIATE`` on SQLite (see ``storage.database``);
    ``read`` sessions start with a plain ``BEGIN``, so under WAL a reader never waits for a
    writer. Stores go through :meth:`writing` and :meth:`reading`, which join the open unit
    of work if there is one.
    """

    def __init__(self, engine: Engine, cipher: Cipher) -> None:
        self.engine = engine
        self.cipher = cipher
        self.write: sessionmaker[Session] = make_sessionmaker(engine)
        self.read: sessionmaker[Session] = make_sessionmaker(
            engine.execution_options(**{READ_ONLY: True}))
        self.dialect = engine.dialect.name
        self._unit: ContextVar[Session | None] = ContextVar(f"unit_{id(self)}", default=None)
        self._bound: ContextVar[Connection | None] = ContextVar(f"bound_{id(self)}",
                                                                default=None)

    @contextmanager
    def bound(self, connection: Connection | None) -> Iterator[None]:
        """Inside, every session of this task (and of the threads it hands work to, which
        copy its context) runs on ``connection``: the one holding the chat's lock, so an
        update checks out one pooled connection instead of one per transaction."""
        if connection is None:
            yield
            return
        token = self._bound.set(connection)
        try:
            yield
        finally:
            self._bound.reset(token)

    def _session(self, maker: sessionmaker[Session]) -> Session:
        connection = self._bound.get()
        return maker() if connection is None else maker(bind=connection)

    @contextmanager
    def unit(self) -> Iterator[Session]:
        """One transaction for every store call inside; nested units join the outer one."""
        current = self._unit.get()
        if current is not None:
            yield current
            return
        with self._session(self.write) as db, db.begin():
            token = self._unit.set(db)
            try:
                yield db
            finally:
                self._unit.reset(token)

    @property
    def in_unit(self) -> bool:
        return self._unit.get() is not None

    @contextmanager
    def writing(self) -> Iterator[Session]:
        current = self._unit.get()
        if current is None:
            with self._session(self.write) as db, db.begin():
                yield db
            return
        yield current
        current.flush()  # surface constraint errors at the call that caused them

    @contextmanager
    def reading(self) -> Iterator[Session]:
        current = self._unit.get()
        if current is None:
            with self._session(self.read) as db:
                yield db
            return
        yield current

    def insert(self, table: Any) -> Any:
        """An INSERT that supports ``on_conflict_do_*`` (same syntax on both databases)."""
        target: Table = table.__table__ if hasattr(table, "__table__") else table
        if self.dialect == "postgresql":
            return postgresql.insert(target)
        return sqlite.insert(target)
