"""A button press costs a known number of database commits through the whole path
(webhook or poller, inbox, channel, intake desk), pinned here and stated in the README: two
(storing and claiming the update in one, the intake step in the other); deleting its inbox
row rides on the next update's commit, or takes one of its own when nothing follows. On
SQLite, presses of several chats handled at once share the steps' commit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest_asyncio
from sqlalchemy import event

from bot.telegram.callbacks import Callback
from bot.telegram.inbox import Inbox
from tests.telegram.harness import Harness

REFERRER = 501


@pytest_asyncio.fixture
async def product(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path)
    harness.enrol(REFERRER, "referrer")
    yield harness
    await harness.stop()


@contextmanager
def commits(harness: Harness) -> Iterator[list[str]]:
    """Every commit on the product's engine while inside (one entry each)."""
    seen: list[str] = []

    def count(connection: Any) -> None:
        seen.append("commit")

    engine = harness.services.storage.engine
    event.listen(engine, "commit", count)
    try:
        yield seen
    finally:
        event.remove(engine, "commit", count)


def press(harness: Harness, update_id: int, value: str,
          chat: int = REFERRER) -> dict[str, Any]:
    """The referrer presses ``value`` on the question on their screen."""
    session = harness.services.storage.sessions.load(chat)
    assert session is not None
    host = session.host
    data = harness.codec.encode(Callback("a", str(host["token"]), int(host["seq"]), value))
    return {"update_id": update_id, "callback_query": {
        "id": f"cb{update_id}", "from": harness._base(chat)["from"], "chat_instance": "x",
        "data": data, "message": {"message_id": int(host.get("prompt") or 1), "text": "",
                                  "chat": {"id": chat, "type": "private"},
                                  "date": 1_790_000_000}}}


async def handled(inbox: Inbox) -> None:
    while inbox.in_hand:
        await asyncio.sleep(0.001)


async def test_a_button_press_costs_two_commits_and_its_row_rides_on_the_next(
        product: Harness) -> None:
    inbox = product.bot.inbox
    await product.text(REFERRER, "/new", update_id=1)  # straight in: the intake is open
    answered = len(product.texts_to(REFERRER))

    with commits(product) as first:
        # The webhook's (or the poller's) store, which claims the update in the same commit.
        await inbox.keep([(2, REFERRER, press(product, 2, "pwsn"))])
        assert first == ["commit"] and inbox.in_hand == 1
        await handled(inbox)  # the intake step
    assert len(first) == 2
    assert product.services.storage.updates.seen(2)
    assert len(product.texts_to(REFERRER)) > answered  # the next question came

    with commits(product) as second:
        await inbox.keep([(3, REFERRER, press(product, 3, "gaziantep"))])  # deletes 2's row
        await handled(inbox)
    assert len(second) == 2
    assert product.services.storage.inbox.pending() == 1  # 3's row, until the next commit

    with commits(product) as last:
        await inbox.drain()  # nothing follows: its row goes in a commit of its own
    assert len(last) == 1 and product.services.storage.inbox.pending() == 0



async def test_presses_of_several_chats_handled_at_once_share_one_commit(
        product: Harness) -> None:
    """On SQLite the steps of the updates in hand are committed together
    (``storage.group_commit``): six presses from six chats, stored in one commit, take one
    more for all six steps, not six."""
    inbox = product.bot.inbox
    chats = [REFERRER + n for n in range(inbox.slots)]
    for chat in chats[1:]:
        product.enrol(chat, "referrer")
    for n, chat in enumerate(chats):
        await product.text(chat, "/new", update_id=100 + n)  # and each referrer is known
    presses = [(200 + n, chat, press(product, 200 + n, "pwsn", chat))
               for n, chat in enumerate(chats)]

    with commits(product) as seen:
        await inbox.keep(presses)
        await handled(inbox)
    assert len(seen) == 2
    assert all(product.services.storage.updates.seen(n) for n, _, _ in presses)
    for chat in chats:
        session = product.services.storage.sessions.load(chat)
        assert session is not None and session.answers.get("situation") == "pwsn"
