"""The storage tests' databases serve here too: a migrated SQLite file, and the throwaway
PostgreSQL server (``tests/storage/conftest.py``; skipped without PostgreSQL, failing under
CI)."""

from tests.storage.conftest import cipher, database, pg_engine, postgres, storage

__all__ = ["cipher", "database", "pg_engine", "postgres", "storage"]
