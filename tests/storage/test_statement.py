"""Hot statements on the driver's cursor behave as SQLAlchemy's own execution would."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session as DbSession

from storage.models import AuditEntry, ProcessedUpdate
from storage.models.base import UTCDateTime
from storage.statement import Statement, _paramstyle
from tests.storage.conftest import NOW

MARK = Statement("INSERT INTO processed_updates (update_id, at) VALUES (:update_id, :at) "
                 "ON CONFLICT (update_id) DO NOTHING RETURNING update_id", at=UTCDateTime())
PLAIN_MARK = Statement("INSERT INTO processed_updates (update_id, at) VALUES (:update_id, :at)",
                       at=UTCDateTime())


@pytest.mark.parametrize(("style", "expected"), [
    ("named", "SELECT a FROM t WHERE b = :b AND c::text = :c"),
    ("qmark", "SELECT a FROM t WHERE b = :b AND c::text = :c"),
    ("pyformat", "SELECT a FROM t WHERE b = %(b)s AND c::text = %(c)s"),
])
def test_parameters_are_written_in_the_driver_s_style(style: str, expected: str) -> None:
    assert _paramstyle("SELECT a FROM t WHERE b = :b AND c::text = :c", style) == expected


def test_a_percent_sign_survives_the_pyformat_style() -> None:
    assert _paramstyle("SELECT '5%' WHERE a = :a", "pyformat") == "SELECT '5%%' WHERE a = %(a)s"


@pytest.mark.parametrize(("make", "error"), [
    (lambda: Statement("SELECT :a", b=UTCDateTime()),
     "types given for parameters not in the statement: {'b'}"),
    (lambda: _paramstyle("SELECT :a", "format"), "parameter style 'format' is not supported"),
    (lambda: Statement.insert(select(AuditEntry).subquery()),
     "an INSERT needs a table, not"),
])
def test_a_statement_that_cannot_be_run_is_refused_when_built(make: object, error: str) -> None:
    with pytest.raises((ValueError, TypeError), match="^" + re.escape(error)):
        make()  # type: ignore[operator]


@pytest.mark.parametrize(("params", "error"), [
    ({"update_id": 1}, "takes ['at', 'update_id'], got ['update_id']"),
    ({"update_id": 1, "at": NOW, "extra": 2}, "takes ['at', 'update_id'], got "
                                              "['at', 'extra', 'update_id']"),
])
def test_missing_or_unknown_parameters_are_refused_before_the_database_is_asked(
        database: Engine, params: dict[str, object], error: str) -> None:
    with DbSession(database) as db, db.begin(), \
            pytest.raises(ValueError, match=re.escape(error)):
        MARK.run(db, params)


def test_rows_come_back_and_a_write_without_result_returns_none(database: Engine) -> None:
    with DbSession(database) as db, db.begin():
        assert MARK.run(db, {"update_id": 7, "at": NOW}) == [(7,)]
        assert MARK.run(db, {"update_id": 7, "at": NOW}) == []  # DO NOTHING: no row back
        assert PLAIN_MARK.run(db, {"update_id": 8, "at": NOW}) == []


def test_values_are_stored_as_sqlalchemy_stores_them(database: Engine) -> None:
    with DbSession(database) as db, db.begin():
        MARK.run(db, {"update_id": 7, "at": NOW})
    with DbSession(database) as db:
        assert db.get(ProcessedUpdate, 7).at == NOW  # type: ignore[union-attr]
        # and SQLAlchemy's own comparison on the column finds it
        assert db.scalars(select(ProcessedUpdate.update_id)
                          .where(ProcessedUpdate.at == NOW)).all() == [7]


def test_an_insert_covers_every_column_but_the_generated_id(database: Engine) -> None:
    record = Statement.insert(AuditEntry.__table__, returning="id")
    with DbSession(database) as db, db.begin():
        [(first,)] = record.run(db, {"at": NOW, "actor": "worker", "action": "view",
                                     "referral_code": None, "subject": None,
                                     "count": 1})
    with DbSession(database) as db:
        entry = db.get(AuditEntry, first)
        assert entry is not None and (entry.at, entry.actor, entry.action) == \
            (NOW, "worker", "view")


def test_statements_join_the_session_s_transaction(database: Engine) -> None:
    with DbSession(database) as db, db.begin():
        MARK.run(db, {"update_id": 9, "at": NOW})
        db.rollback()
    with database.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM processed_updates")) == 0


def test_a_driver_error_is_sqlalchemy_s_error_without_the_values(database: Engine) -> None:
    with DbSession(database) as db, db.begin():
        PLAIN_MARK.run(db, {"update_id": 5, "at": NOW})
        with pytest.raises(IntegrityError) as raised, db.begin_nested():
            PLAIN_MARK.run(db, {"update_id": 5, "at": NOW})
        assert raised.value.params is None  # the values are kept out of the error
        PLAIN_MARK.run(db, {"update_id": 6, "at": NOW})  # the savepoint kept the rest
    with database.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM processed_updates")) == 2


def test_a_lost_connection_is_invalidated_and_the_next_one_works(pg_engine: Engine) -> None:
    with pg_engine.connect() as killer:
        killer.execute(text("TRUNCATE processed_updates"))
        killer.commit()
        with DbSession(pg_engine) as db:
            db.begin()
            backend = db.connection().scalar(text("SELECT pg_backend_pid()"))
            killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
            with pytest.raises(DBAPIError) as raised:
                MARK.run(db, {"update_id": 1, "at": NOW})
            assert raised.value.connection_invalidated
            db.rollback()
    with DbSession(pg_engine) as db, db.begin():
        assert MARK.run(db, {"update_id": 1, "at": NOW}) == [(1,)]
