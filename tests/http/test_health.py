"""``/healthz`` answers 200 while the database answers and 503 while it cannot be reached
(a stopped PostgreSQL server, a SQLite file gone, a database never migrated, or one too slow
to answer), on the public and on the console's listener alike."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.http.health import Health
from bot.http.private import private_app
from bot.metrics import Metrics
from storage import migrate
from storage.database import make_engine
from storage.probe import DatabaseProbe
from tests.storage.conftest import without_postgres
from tests.storage.postgres import PostgresServer, Unavailable, find_bindir

OK = {"status": "ok"}
DOWN = {"status": "database unreachable"}


def console_side(health: Health) -> Starlette:
    def no_state() -> object:
        raise AssertionError("not read by /healthz")

    return private_app(health, Metrics(no_state, list, list))  # type: ignore[arg-type]


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "intake.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def server() -> Iterator[PostgresServer]:
    try:
        started = PostgresServer.start(find_bindir())
    except Unavailable as exc:
        without_postgres(str(exc))
    try:
        yield started
    finally:
        started.stop()


def health_of(url: str) -> tuple[TestClient, DatabaseProbe]:
    probe = DatabaseProbe(url)
    return TestClient(console_side(Health(probe.check))), probe


def answer(client: TestClient) -> tuple[int, object]:
    response = client.get("/healthz")
    return response.status_code, response.json()


def test_a_sqlite_file_that_is_gone_is_unhealthy_until_it_is_back(sqlite_file: Path) -> None:
    client, probe = health_of(f"sqlite:///{sqlite_file}")
    try:
        assert answer(client) == (200, OK)
        moved = sqlite_file.parent.with_name("moved")
        sqlite_file.parent.rename(moved)  # the volume is gone
        assert answer(client) == (503, DOWN)
        assert not sqlite_file.exists()  # the check created nothing in its place
        moved.rename(sqlite_file.parent)
        assert answer(client) == (200, OK)
    finally:
        probe.close()


def test_a_database_that_was_never_migrated_is_unhealthy(tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite3"
    make_engine(f"sqlite:///{empty}").dispose()
    empty.touch()
    client, probe = health_of(f"sqlite:///{empty}")
    try:
        assert answer(client) == (503, DOWN)
    finally:
        probe.close()


def test_a_stopped_postgresql_server_is_unhealthy_until_it_is_back(
        server: PostgresServer) -> None:
    url = server.create_database("health")
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    client, probe = health_of(url)
    try:
        assert answer(client) == (200, OK)
        server.pause()
        assert answer(client) == (503, DOWN)
        server.resume()
        assert answer(client) == (200, OK)
    finally:
        probe.close()


async def test_a_database_too_slow_to_answer_is_unhealthy_and_checked_once_at_a_time() -> None:
    release, started = threading.Event(), []

    def hung() -> None:
        started.append(1)
        release.wait(30)

    health = Health(hung, timeout=0.05)
    try:
        assert await health.healthy() is False
        assert await health.healthy() is False
        assert started == [1]  # the hung check is waited for again, not started twice
    finally:
        release.set()
    async with asyncio.timeout(30):  # the released check returns
        while health._running is not None and not health._running.done():
            await asyncio.sleep(0.01)
    assert await health.healthy() is True
    assert started == [1, 1]
