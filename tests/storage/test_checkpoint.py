"""The bot's own checkpoints copy SQLite's write-ahead log into the database file on a
thread of their own, pace themselves by the writes, and survive a failing database."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from storage.checkpoint import LATEST, SOONEST, Checkpoints, Round, checkpoint, next_pause
from storage.database import make_engine
from tests.storage.conftest import sqlite_url


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(sqlite_url(tmp_path))
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body BLOB)"))
    checkpoint(engine)  # the table itself in the file: what follows is only the rows
    yield engine
    engine.dispose()


def write(engine: Engine, rows: int) -> None:
    """``rows`` transactions of one row each, a page's worth of bytes apiece."""
    for _ in range(rows):
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO notes (body) VALUES (randomblob(3000))"))


def rows_in_file_alone(database: Path, scratch: Path) -> int:
    """The rows a copy of the database file holds without its ``-wal``: what a checkpoint
    has copied into it."""
    copy = scratch / "alone.sqlite3"
    shutil.copyfile(database, copy)
    reader = sqlite3.connect(copy)
    try:
        return int(reader.execute("SELECT count(*) FROM notes").fetchone()[0])
    finally:
        reader.close()


def database_file(engine: Engine) -> Path:
    assert engine.url.database is not None
    return Path(engine.url.database)


@pytest.mark.parametrize(("pause", "pages", "expected"), [
    (1.0, 0, LATEST),         # idle: as late as allowed
    (0.1, 0, 0.2),            # idle after a busy spell: backs off by doubling
    (0.1, 250, 0.1),          # as many pages as aimed at: the same pace
    (0.1, 1000, 0.025),       # four times the aim: four times as often
    (1.0, 100_000, SOONEST),  # a flood: as soon as allowed
    (0.01, 10, 0.02),         # few pages: slower, doubling at most
])
def test_the_pause_follows_the_pages_a_round_found(pause: float, pages: int,
                                                   expected: float) -> None:
    assert next_pause(pause, pages) == pytest.approx(expected)


def test_a_round_copies_the_log_into_the_database_file(engine: Engine, tmp_path: Path) -> None:
    write(engine, 20)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    assert rows_in_file_alone(database_file(engine), scratch) == 0  # all still in the log

    done = checkpoint(engine)

    assert done.complete and done.pages >= 20 and done.copied == done.pages
    assert rows_in_file_alone(database_file(engine), scratch) == 20


def test_after_a_complete_round_the_next_writer_starts_the_log_again(engine: Engine) -> None:
    write(engine, 50)
    assert checkpoint(engine).pages >= 50
    write(engine, 1)
    assert checkpoint(engine).pages < 10  # one transaction's pages, not 51 of them


def test_the_thread_copies_the_writes_in_and_stops_when_told(engine: Engine,
                                                             tmp_path: Path) -> None:
    checkpoints = Checkpoints(engine)
    checkpoints.start()
    try:
        write(engine, 30)
        scratch = tmp_path / "scratch"
        scratch.mkdir()
        deadline = time.monotonic() + 30  # a first round comes within LATEST (1 s)
        while rows_in_file_alone(database_file(engine), scratch) < 30:
            assert time.monotonic() < deadline, "no checkpoint was taken"
            time.sleep(0.05)
        assert checkpoints.rounds >= 1 and checkpoints.pages >= 30
    finally:
        checkpoints.stop()
    assert not any(t.name == "intake-checkpoints" for t in __import__("threading").enumerate())


def test_a_failing_round_is_logged_once_and_the_next_good_one_says_so(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    broken = tmp_path / "intake.sqlite3"
    broken.write_bytes(b"not a database, " * 512)
    engine = make_engine(sqlite_url(tmp_path))
    checkpoints = Checkpoints(engine)
    try:
        with caplog.at_level(logging.INFO, logger="intake.storage"):
            assert checkpoints.once() is None
            assert checkpoints.once() is None
            broken.unlink()
            with engine.begin() as connection:
                connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY)"))
            assert isinstance(checkpoints.once(), Round)
    finally:
        engine.dispose()
    said = [(r.getMessage(), getattr(r, "error", None)) for r in caplog.records]
    assert said == [("checkpoint_failed", "DatabaseError"), ("checkpoint_recovered", None)]
    assert checkpoints.rounds == 1


def test_nothing_runs_for_postgresql() -> None:
    engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:9/none")  # never connected
    checkpoints = Checkpoints(engine)
    checkpoints.start()
    assert not checkpoints.active and checkpoints._thread is None
    checkpoints.stop()
