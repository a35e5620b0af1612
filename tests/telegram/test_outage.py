"""A database outage: the referrer is told clearly, and nothing is lost once it returns."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.telegram.app import build_bot
from bot.wiring import build_services
from storage.clock import FixedClock
from storage.migrate import upgrade
from tests.storage.conftest import without_postgres
from tests.storage.postgres import PostgresServer, Unavailable, find_bindir
from tests.telegram.fakeapi import FakeBotAPI
from tests.telegram.harness import START, Harness, settings_for

REFERRER = 501


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
    clock = FixedClock(START)
    services = build_services(settings, clock=clock)
    upgrade(services.storage.engine)
    api = FakeBotAPI()
    bot = build_bot(services, request=api, run_worker=False)
    await bot.application.initialize()
    product = Harness(services, bot, api, clock)
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

        server.resume()
        await product.press(REFERRER, hub, message_id)
        session = services.storage.sessions.load(REFERRER)
        assert session is not None and session.state == "person_language"
        assert session.answers == {"hub": "gaziantep", "situation": "pwsn"}
    finally:
        await bot.application.shutdown()
        services.storage.close()
