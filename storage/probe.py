"""Whether the database can be reached now: the check behind ``/healthz``.

Each check opens a new connection (none is pooled), so it answers for the database as it is
at this moment and not for a connection opened earlier: a stopped PostgreSQL server, a
SQLite file that is gone or cannot be opened, a database that is not migrated all fail it.
It reads the migration stamp, so the database found is this product's. A SQLite file is
opened read-write without being created (a check never leaves an empty database behind).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from storage.database import normalise_url, sqlite_file

#: Seconds a check may wait for a connection.
CONNECT_TIMEOUT = 2.0
STAMP = text("SELECT version_num FROM alembic_version")


class DatabaseProbe:
    def __init__(self, url: str, connect_timeout: float = CONNECT_TIMEOUT) -> None:
        self._engine = _engine(url, connect_timeout)

    def check(self) -> None:
        """Return when the database answers; raise (the driver's error) when it does not."""
        with self._engine.connect() as connection:
            connection.execute(STAMP).all()

    def close(self) -> None:
        self._engine.dispose()


def _engine(url: str, timeout: float) -> Engine:
    parsed = normalise_url(url)
    options: dict[str, Any] = {"poolclass": NullPool}
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_file(parsed)
        if path is not None:
            uri = f"{path.absolute().as_uri()}?mode=rw"
            options["creator"] = lambda: sqlite3.connect(uri, uri=True, timeout=timeout)
    elif parsed.get_backend_name() == "postgresql":
        options["connect_args"] = {"connect_timeout": max(1, round(timeout))}
    return create_engine(parsed, **options)
