"""A database outage: the referrer is told clearly, the worker keeps trying, and nothing is
lost once the database returns."""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from storage.database import make_engine
from tests.storage.conftest import without_postgres
from tests.storage.postgres import PostgresServer, Unavailable, find_bindir
from tests.telegram.harness import Harness, settings_for
from tests.telegram.test_end_to_end import FOCAL, REFERRER, complete_intake


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


async def test_an_outage_gives_a_clear_message_and_the_intake_resumes(
        server: PostgresServer, tmp_path: Path) -> None:
    settings = dataclasses.replace(settings_for(tmp_path),
                                   database_url=server.create_database("outage"))
    product = await Harness.start(tmp_path, settings)
    services, api = product.services, product.api
    try:
        product.enrol(REFERRER, "referrer")
        await product.text(REFERRER, "/new")
        await product.choose(REFERRER, "pwsn")
        message_id, buttons = product.last_keyboard(REFERRER)

        server.pause()
        hub = next(data for label, data in buttons if label == "Gaziantep")
        await product.press(REFERRER, hub, message_id)
        assert product.texts_to(REFERRER)[-1] == (
            "The service cannot reach its database right now. Nothing was lost: please try "
            "again in a minute.")

        typed = await product.text(REFERRER, "Amira, +90 555 000 0000")
        deleted = [c.params["message_ids"] for c in api.sent("deleteMessages", REFERRER)]
        assert [10_000 + typed] in [[int(i) for i in ids] for ids in deleted]

        server.resume()
        await product.press(REFERRER, hub, message_id)
        session = services.storage.sessions.load(REFERRER)
        assert session is not None and session.state == "person_language"
        assert session.answers == {"hub": "gaziantep", "situation": "pwsn"}
    finally:
        await product.stop()


@dataclasses.dataclass
class LosesTheLockConnection:
    """The chat locks of the product, plus a way to have the server end the session of the
    lock last taken (a dropped connection, a failover mid-update): right after the next
    lock is taken once ``armed``, or whenever ``lose`` is called."""

    locks: object
    server: Engine
    armed: bool = False
    shared: bool = True
    pid: int | None = None
    lost: int = 0

    def try_acquire(self, chat_id: int) -> object:
        held = self.locks.try_acquire(chat_id)  # type: ignore[attr-defined]
        if isinstance(held, Connection):
            self.pid = held.execute(text("SELECT pg_backend_pid()")).scalar()
            held.commit()
            if self.armed:
                self.armed = False
                self.lose()
        return held

    def lose(self) -> None:
        with self.server.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": self.pid})
            while other.execute(text("SELECT count(*) FROM pg_stat_activity "
                                     "WHERE pid = :pid"), {"pid": self.pid}).scalar():
                other.rollback()  # a fresh snapshot of the activity view
        self.lost += 1

    def bound(self, held: object) -> object:
        return self.locks.bound(held)  # type: ignore[attr-defined]

    def release(self, held: object) -> None:
        self.locks.release(held)  # type: ignore[attr-defined]


@pytest.fixture
async def lossy(server: PostgresServer, tmp_path: Path
                ) -> AsyncIterator[tuple[Harness, LosesTheLockConnection]]:
    url = server.create_database("lost")
    product = await Harness.start(tmp_path, dataclasses.replace(settings_for(tmp_path),
                                                                database_url=url))
    watcher = make_engine(url)
    channel = product.bot.channel
    locks = LosesTheLockConnection(channel.chat_locks, watcher)
    channel.chat_locks = locks  # type: ignore[assignment]
    try:
        yield product, locks
    finally:
        await product.stop()
        watcher.dispose()


async def test_a_connection_lost_mid_step_is_retried_and_the_person_notices_nothing(
        lossy: tuple[Harness, LosesTheLockConnection], caplog: pytest.LogCaptureFixture,
        ) -> None:
    product, locks = lossy
    product.enrol(REFERRER, "referrer")
    await product.text(REFERRER, "/new")
    await product.choose(REFERRER, "pwsn")
    locks.armed = True
    with caplog.at_level(logging.WARNING, logger="intake.telegram"):
        await product.choose(REFERRER, "gaziantep")
    assert locks.lost == 1
    assert "database_connection_lost_retrying" in caplog.text
    assert not any("cannot reach" in sent for sent in product.texts_to(REFERRER))
    session = product.services.storage.sessions.load(REFERRER)
    assert session is not None and session.state == "person_language"
    assert session.answers == {"hub": "gaziantep", "situation": "pwsn"}


async def test_an_update_that_already_replied_is_not_handled_twice(
        lossy: tuple[Harness, LosesTheLockConnection], caplog: pytest.LogCaptureFixture,
        ) -> None:
    """Enrolment acts, replies, and records the update after: a connection lost once the
    welcome went out must not enrol again (which would answer "private service")."""
    product, locks = lossy
    code, _ = product.services.invites.create("referrer", None, "hatay", timedelta(days=1))
    welcome = product.api._sendMessage

    def send_then_lose(params: dict[str, Any]) -> dict[str, Any]:
        sent = welcome(params)
        if not locks.lost:
            locks.lose()
        return sent

    product.api._sendMessage = send_then_lose  # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING, logger="intake.telegram"):
        await product.text(800, f"/start {code}")
    assert locks.lost == 1
    assert "database_connection_lost_retrying" not in caplog.text
    replies = product.texts_to(800)
    assert replies[0].startswith("Welcome. You are enrolled.")
    assert not any("private service" in reply for reply in replies)
    staff = product.services.storage.staff.by_telegram(800)
    assert staff is not None and staff.active


async def _until(condition: Callable[[], object], seconds: float = 60.0) -> None:
    """Poll a condition; the bound is generous, so only a real failure trips it."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition never came true"
        await asyncio.sleep(0.05)


async def test_the_worker_outlives_an_outage_and_delivers_the_card_once_it_returns(
        server: PostgresServer, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = dataclasses.replace(settings_for(tmp_path),
                                   database_url=server.create_database("worker_outage"))
    product = await Harness.start(tmp_path, settings)
    api, bot = product.api, product.bot
    stop = asyncio.Event()
    try:
        product.enrol(REFERRER, "referrer")
        product.enrol(FOCAL, "focal_point", agency="example_health")
        code = await complete_intake(product)  # the card waits in the outbox

        server.pause()
        with caplog.at_level(logging.ERROR, logger="intake.worker"):
            worker = asyncio.create_task(bot.worker.run(0.05, stop))
            await _until(lambda: [r for r in caplog.records
                                  if r.getMessage() == "worker_tick_failed"])
        assert not api.sent("sendMessage", FOCAL)

        server.resume()
        await _until(lambda: api.sent("sendMessage", FOCAL))
        await asyncio.sleep(0.3)  # a few more rounds: nothing is sent twice
        stop.set()
        await worker
        cards = api.sent("sendMessage", FOCAL)
        assert len(cards) == 1 and code in str(cards[0].params["text"])
    finally:
        stop.set()
        await product.stop()


async def test_a_step_whose_commit_was_not_acknowledged_is_not_taken_twice(
        tmp_path: Path) -> None:
    """The connection went down as the step committed: the server kept it, the bot never
    heard. The retry finds the update already recorded, takes no second step, and tells the
    person to try again, which brings the current question back on the same message."""
    product = await Harness.start(tmp_path)
    try:
        product.enrol(REFERRER, "referrer")
        await product.text(REFERRER, "/new")
        await product.choose(REFERRER, "pwsn")
        desk = product.bot.channel.referrer.desk
        handle = desk.handle

        def committed_unheard(*args: Any, **kwargs: Any) -> Any:
            # Committed in a transaction of its own, outside any group it was run in (an
            # empty context: no unit of work open), then the commit's answer is lost.
            contextvars.Context().run(handle, *args, **kwargs)
            desk.handle = handle  # type: ignore[method-assign]
            raise DBAPIError("COMMIT", None, OSError("connection lost"),
                             connection_invalidated=True)

        desk.handle = committed_unheard  # type: ignore[method-assign]
        message_id, buttons = product.last_keyboard(REFERRER)
        await product.choose(REFERRER, "gaziantep")
        assert product.texts_to(REFERRER)[-1].startswith(
            "The service cannot reach its database right now.")
        session = product.services.storage.sessions.load(REFERRER)
        assert session is not None and session.state == "person_language"
        assert session.answers == {"hub": "gaziantep", "situation": "pwsn"}

        await product.choose(REFERRER, "gaziantep")  # pressed again: the question returns
        _, shown = product.last_keyboard(REFERRER)
        assert product.last_keyboard(REFERRER)[0] == message_id
        assert shown != buttons
        session = product.services.storage.sessions.load(REFERRER)
        assert session is not None and session.state == "person_language"
    finally:
        await product.stop()
