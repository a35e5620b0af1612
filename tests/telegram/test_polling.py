"""The poller reads each update of a batch on its own: one the library cannot read is
confirmed and skipped, never the end of polling; and a server that answers an empty
``getUpdates`` at once, instead of holding it, is not asked again at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.telegram.polling import EMPTY_ROUND, Poller
from tests.telegram.harness import Harness
from tests.telegram.test_inbox import REFERRER, text_update, until


@pytest_asyncio.fixture
async def product(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path)
    harness.enrol(REFERRER, "referrer")
    yield harness
    await harness.stop()


def stored(product: Harness) -> list[int]:
    with product.services.storage.engine.connect() as db:
        return [int(u) for (u,) in db.exec_driver_sql(
            "SELECT update_id FROM inbox ORDER BY update_id").all()]


#: Updates python-telegram-bot cannot read: each lacks a field it requires.
UNREADABLE = [
    {"update_id": 5, "message": {"message_id": 1, "date": 1_790_000_000, "text": "x",
                                 "chat": {"id": REFERRER, "type": "private"},
                                 "from": {"id": REFERRER, "first_name": "S"}}},
    {"update_id": 5, "callback_query": {"id": "c1", "chat_instance": "x", "data": "d",
                                        "from": {"id": REFERRER, "is_bot": False}}},
    {"update_id": 5, "message": {"message_id": 1, "text": "no date",
                                 "chat": {"id": REFERRER, "type": "private"}}},
    {"update_id": 5, "message": {"message_id": 1, "date": 1_790_000_000,
                                 "chat": {"id": REFERRER}, "text": "chat without type"}},
]


@pytest.mark.parametrize("bad", UNREADABLE)
async def test_an_unreadable_update_is_confirmed_and_skipped_and_polling_goes_on(
        product: Harness, bad: dict[str, Any]) -> None:
    api = product.api
    api.updates = [bad, text_update(6, REFERRER, "/help")]
    stop = asyncio.Event()
    poller = Poller(product.bot.application.bot, product.bot.inbox, long_poll=1)
    polling = asyncio.create_task(poller.run(stop))
    await until(lambda: api.updates == [] or polling.done())
    assert not polling.done()  # still polling
    stop.set()
    await polling
    assert stored(product) == [6]  # the readable one is kept; the other is confirmed
    assert int(api.sent("getUpdates")[-1].params["offset"]) == 7


async def test_an_empty_answer_given_at_once_is_not_asked_again_at_once(
        product: Harness) -> None:
    api = product.api
    asked: list[float] = []
    original = api._getUpdates

    def get_updates(params: dict[str, Any]) -> list[dict[str, Any]]:
        asked.append(time.monotonic())
        return original(params)

    api._getUpdates = get_updates  # type: ignore[method-assign]
    stop = asyncio.Event()
    poller = Poller(product.bot.application.bot, product.bot.inbox, long_poll=10)
    polling = asyncio.create_task(poller.run(stop))
    await until(lambda: len(asked) >= 3)
    stop.set()
    await polling
    # The fake answers at once (a held long poll would have taken up to 10 s).
    assert asked[1] - asked[0] >= EMPTY_ROUND * 0.9
    assert asked[2] - asked[1] >= EMPTY_ROUND * 0.9
