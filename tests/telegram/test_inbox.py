"""Updates reach the product through the durable inbox: stored before Telegram is told they
arrived, handled in order per chat, and left-over claims of a vanished process handled at
the next start."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

import bot.telegram.inbox as inbox_module
from bot.telegram.inbox import claimer_name, gone, release_gone
from bot.telegram.polling import Poller
from tests.telegram.harness import Harness

REFERRER = 4242


@pytest_asyncio.fixture
async def product(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path)
    harness.enrol(REFERRER, "referrer")
    yield harness
    await harness.stop()


def text_update(update_id: int, user: int, text: str) -> dict[str, Any]:
    message: dict[str, Any] = {"message_id": 10_000 + update_id, "text": text,
                               "date": 1_790_000_000, "chat": {"id": user, "type": "private"},
                               "from": {"id": user, "is_bot": False, "first_name": "S"}}
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0,
                                "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": message}


async def until(condition: Any, timeout: float = 20.0) -> None:
    """Wait (on the event loop, so the inbox runs) until ``condition()`` holds."""
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("timed out")


async def test_a_backlog_beyond_the_room_is_claimed_as_slots_free_without_pausing(
        product: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch larger than the updates handled at once: each freed slot is filled at
    once. The pause that lets a handled update's row share the next store's commit is for
    an idle inbox only (made a minute long here: waiting on it would time the test out)."""
    monkeypatch.setattr(inbox_module, "FLUSH_DELAY", 60.0)
    inbox, stop = product.bot.inbox, asyncio.Event()
    inbox.slots = 2
    people = [9000 + n for n in range(8)]
    running = asyncio.create_task(inbox.run(stop))
    await until(inbox.ready.is_set)
    await inbox.keep([(n, chat, text_update(n, chat, "/help"))
                      for n, chat in enumerate(people, start=1)])
    store = product.services.storage
    await until(lambda: all(store.updates.seen(n) for n in range(1, 9)))
    stop.set()
    await running


async def test_stored_updates_are_handled_in_order_and_their_rows_deleted(
        product: Harness) -> None:
    inbox, stop = product.bot.inbox, asyncio.Event()
    await inbox.keep([(1, REFERRER, text_update(1, REFERRER, "/help")),
                      (2, 777, text_update(2, 777, "/start")),
                      (3, REFERRER, text_update(3, REFERRER, "/cancel"))])
    running = asyncio.create_task(inbox.run(stop))
    store = product.services.storage
    await until(lambda: store.updates.seen(3) and store.inbox.pending() == 0)
    stop.set()
    await running
    to_referrer = product.texts_to(REFERRER)
    assert len(to_referrer) == 2 and to_referrer[0].startswith("This bot guides")
    assert product.texts_to(777) == ["This is a private service for enrolled staff."]


async def test_an_update_kept_twice_or_already_handled_is_handled_once(
        product: Harness) -> None:
    inbox, stop = product.bot.inbox, asyncio.Event()
    assert await inbox.keep([(1, REFERRER, text_update(1, REFERRER, "/help"))]) == 1
    assert await inbox.keep([(1, REFERRER, text_update(1, REFERRER, "/help"))]) == 0
    running = asyncio.create_task(inbox.run(stop))
    store = product.services.storage
    await until(lambda: store.updates.seen(1) and store.inbox.pending() == 0)
    assert await inbox.keep([(1, REFERRER, text_update(1, REFERRER, "/help"))]) == 0
    stop.set()
    await running
    assert len(product.texts_to(REFERRER)) == 1


async def test_claims_left_by_a_vanished_process_are_handled_first_at_start(
        product: Harness) -> None:
    store = product.services.storage.inbox
    store.store([(1, REFERRER, text_update(1, REFERRER, "/help")),
                 (2, REFERRER, text_update(2, REFERRER, "/cancel"))], product.clock.now())
    dead = f"{socket.gethostname()}:{os.getpid()}:0ld0ld00"  # this pid, an earlier life
    assert [c.update_id for c in store.claim(dead, 10, product.clock.now())] == [1]
    inbox, stop = product.bot.inbox, asyncio.Event()
    running = asyncio.create_task(inbox.run(stop))
    await until(lambda: store.pending() == 0)
    stop.set()
    await running
    first, second = product.texts_to(REFERRER)
    assert first.startswith("This bot guides") and not second.startswith("This bot guides")


def test_only_claimers_known_gone_from_this_machine_are_released() -> None:
    me = claimer_name()
    host, pid = socket.gethostname(), os.getpid()
    assert not gone(me, me)
    assert gone(f"{host}:{pid}:earlier0", me)  # this process id, an earlier process
    assert not gone(f"{host}:{os.getppid()}:abcd", me)  # alive
    assert gone(f"{host}:{2 ** 22 + 12345}:abcd", me)  # above pid_max: no such process
    assert not gone(f"elsewhere:{pid}:abcd", me)  # another machine: its lease decides
    assert not gone("not-a-name", me)


class Recorder:
    """Which update ids the database held each time the fake Bot API was asked for updates
    (with that call's offset)."""

    def __init__(self, product: Harness) -> None:
        self.engine = product.services.storage.engine
        self.kept: list[tuple[int | None, set[int]]] = []

    def look(self, offset: int | None) -> None:
        with self.engine.connect() as db:
            ids = {int(n) for n in db.exec_driver_sql(
                "SELECT update_id FROM inbox UNION SELECT update_id FROM processed_updates"
            ).scalars()}
        self.kept.append((offset, ids))


async def test_polling_confirms_a_batch_only_after_storing_it(product: Harness) -> None:
    api, recorder = product.api, Recorder(product)
    api.updates = [text_update(5, REFERRER, "/help"), text_update(6, 777, "/start")]
    original = api._getUpdates

    def get_updates(params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = params.get("offset")
        recorder.look(int(offset) if offset is not None else None)
        return original(params)

    api._getUpdates = get_updates  # type: ignore[method-assign]
    stop = asyncio.Event()
    poller = Poller(product.bot.application.bot, product.bot.inbox, long_poll=1)
    polling = asyncio.create_task(poller.run(stop))
    await until(lambda: api.updates == [] and len(recorder.kept) >= 2)
    stop.set()
    await polling
    first, second = recorder.kept[0], recorder.kept[1]
    assert first == (None, set())  # nothing stored before the first fetch
    assert second[0] == 7 and second[1] >= {5, 6}  # stored before being confirmed


async def test_a_batch_the_database_refuses_is_fetched_again_not_confirmed(
        product: Harness) -> None:
    api = product.api
    api.updates = [text_update(5, REFERRER, "/help")]
    with product.services.storage.engine.connect() as db:
        db.exec_driver_sql("CREATE TRIGGER refuse BEFORE INSERT ON inbox "
                           "BEGIN SELECT RAISE(ABORT, 'refused'); END")
        db.commit()
    stop = asyncio.Event()
    poller = Poller(product.bot.application.bot, product.bot.inbox, long_poll=1)
    polling = asyncio.create_task(poller.run(stop))
    await until(lambda: len(api.sent("getUpdates")) >= 1)
    await asyncio.sleep(0.3)
    assert [u["update_id"] for u in api.updates] == [5]  # still held by Telegram
    assert all(c.params.get("offset") in (None, 0) for c in api.sent("getUpdates"))
    with product.services.storage.engine.connect() as db:
        db.exec_driver_sql("DROP TRIGGER refuse")
        db.commit()
    await until(lambda: api.updates == [], timeout=30)
    stop.set()
    await polling
    assert product.services.storage.inbox.pending() == 1


def test_outbox_messages_claimed_by_a_vanished_process_are_freed_at_start(
        product: Harness) -> None:
    reminders, now = product.services.storage.reminders, product.clock.now()
    reminders.schedule("unrouted", now, agency="example_health")
    reminders.schedule("unrouted", now, agency="example_health")
    host = socket.gethostname()
    [first] = reminders.claim_due(f"{host}:{2 ** 22 + 7}", now, limit=1)  # gone
    [_alive] = reminders.claim_due(f"{host}:{os.getppid()}", now, limit=1)  # alive
    assert release_gone(reminders, claimer_name()) == 1
    assert [r.id for r in reminders.claim_due("me", now)] == [first.id]
