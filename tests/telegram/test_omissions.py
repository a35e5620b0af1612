"""Fields Telegram always sends but some Bot API servers (emulators, trimming proxies) leave
out are filled in where the value is certain or never read, so the bot starts and reads a
button press; nothing else is made up."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from telegram import Update

from bot.telegram.app import build_bot
from bot.telegram.incoming import read
from bot.telegram.omissions import complete_me, complete_update, refusal_status
from bot.telegram.polling import Poller
from tests.telegram.fakeapi import Call, FakeBotAPI
from tests.telegram.harness import Harness
from tests.telegram.test_inbox import REFERRER, text_update, until

CHAT = {"id": REFERRER, "type": "private"}
USER = {"id": REFERRER, "is_bot": False, "first_name": "S"}


@pytest_asyncio.fixture
async def product(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path)
    harness.enrol(REFERRER, "referrer")
    yield harness
    await harness.stop()


def press(update_id: int, data: str, message: dict[str, Any] | None) -> dict[str, Any]:
    """A button press as a server that omits ``chat_instance`` sends it."""
    query: dict[str, Any] = {"id": f"q{update_id}", "from": USER, "data": data}
    if message is not None:
        query["message"] = message
    return {"update_id": update_id, "callback_query": query}


@pytest.mark.parametrize(("given", "completed"), [
    # Telegram's own shape is left as it is.
    ({"update_id": 1, "callback_query": {"id": "q", "from": USER, "chat_instance": "ci",
                                         "data": "d", "message": {
                                             "message_id": 9, "date": 5, "chat": CHAT}}},
     {"update_id": 1, "callback_query": {"id": "q", "from": USER, "chat_instance": "ci",
                                         "data": "d", "message": {
                                             "message_id": 9, "date": 5, "chat": CHAT}}}),
    # No chat_instance: the product never reads it.
    (press(2, "d", {"message_id": 9, "date": 5, "chat": CHAT}),
     {"update_id": 2, "callback_query": {"id": "q2", "from": USER, "data": "d",
                                         "chat_instance": "", "message": {
                                             "message_id": 9, "date": 5, "chat": CHAT}}}),
    # A message without its date: read as inaccessible (date 0), which keeps id and chat.
    (press(3, "d", {"message_id": 9, "chat": CHAT}),
     {"update_id": 3, "callback_query": {"id": "q3", "from": USER, "data": "d",
                                         "chat_instance": "", "message": {
                                             "message_id": 9, "date": 0, "chat": CHAT}}}),
    # Nor its id: id 0, which names no message (Telegram's ids start at 1).
    (press(4, "d", {"chat": CHAT, "from": USER}),
     {"update_id": 4, "callback_query": {"id": "q4", "from": USER, "data": "d",
                                         "chat_instance": "", "message": {
                                             "message_id": 0, "date": 0, "chat": CHAT}}}),
    # A press without a message stays without one.
    (press(5, "d", None),
     {"update_id": 5, "callback_query": {"id": "q5", "from": USER, "data": "d",
                                         "chat_instance": ""}}),
    # Other updates, and what is not an update, are not touched.
    (text_update(6, REFERRER, "hi"), text_update(6, REFERRER, "hi")),
    ({"update_id": 7, "callback_query": "x"}, {"update_id": 7, "callback_query": "x"}),
    ({"update_id": 8, "callback_query": {"id": "q", "message": "x"}},
     {"update_id": 8, "callback_query": {"id": "q", "message": "x", "chat_instance": ""}}),
])
def test_an_update_is_completed_only_where_the_value_is_certain_or_unread(
        given: dict[str, Any], completed: dict[str, Any]) -> None:
    assert complete_update(given) == completed


def test_a_press_whose_message_has_no_id_is_read_without_a_message_id() -> None:
    update = Update.de_json(complete_update(press(4, "d", {"chat": CHAT})), None)
    assert update is not None
    incoming = read(update)
    assert (incoming.kind, incoming.chat_id, incoming.message_id) == ("button", REFERRER, None)


@pytest.mark.parametrize(("given", "completed"), [
    ({"id": 1, "first_name": "B"}, {"id": 1, "first_name": "B", "is_bot": True}),
    ({"id": 1, "first_name": "B", "is_bot": True}, {"id": 1, "first_name": "B",
                                                    "is_bot": True}),
    (None, None), ([], []),
])
def test_get_me_is_completed_with_is_bot_only(given: Any, completed: Any) -> None:
    assert complete_me(given) == completed


class _NoIsBot(FakeBotAPI):
    """A server whose getMe leaves out ``is_bot``, as some emulators do."""

    def _getMe(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802 - API name
        me = super()._getMe(params)
        del me["is_bot"]
        return me


async def test_the_bot_starts_on_a_server_whose_get_me_leaves_out_is_bot(
        tmp_path: Path) -> None:
    product = await Harness.start(tmp_path)  # a product, to borrow its services
    try:
        running = build_bot(product.services, request=_NoIsBot())
        await running.application.initialize()
        assert running.application.bot.bot.is_bot
        await running.application.shutdown()
    finally:
        await product.stop()


async def test_a_press_from_a_server_that_omits_fields_is_handled(product: Harness) -> None:
    api = product.api
    await product.text(REFERRER, "/new")
    _, buttons = product.last_keyboard(REFERRER)
    sent_before = len(api.sent())
    api.updates = [press(50, buttons[0][1], {"chat": CHAT, "from": USER})]
    stop = asyncio.Event()
    polling = asyncio.create_task(Poller(product.bot.application.bot, product.bot.inbox,
                                         long_poll=1).run(stop))
    inbox = asyncio.create_task(product.bot.inbox.run(stop))
    await until(lambda: api.sent("answerCallbackQuery") != [])
    await until(lambda: len(api.sent()) > sent_before)
    stop.set()
    await asyncio.gather(polling, inbox)
    # Which message held the button is not known: the next question comes as a new one.
    assert api.sent("editMessageText") == []
    assert api.sent()[-1].params["text"] != ""


class _RefusesWithOk(FakeBotAPI):
    """A server without ``deleteMessages`` that refuses a ``deleteMessage`` with HTTP 200
    and ``"ok": false`` in the body (Telegram answers such a refusal with 400)."""

    async def do_request(self, url: str, method: str, request_data: Any = None,
                         read_timeout: Any = None, write_timeout: Any = None,
                         connect_timeout: Any = None, pool_timeout: Any = None,
                         ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        if name == "deleteMessages":
            self.calls.append(Call(name, params))
            return 404, b'{"ok":false,"error_code":404,"description":"Not Found"}'
        if name == "deleteMessage" and int(params["message_id"]) == 31:
            self.calls.append(Call(name, params))
            return 200, (b'{"ok":false,"error_code":400,"description":'
                         b'"Bad Request: message to delete not found"}')
        return await super().do_request(url, method, request_data)


async def test_a_refusal_answered_with_http_200_is_read_as_a_refusal(tmp_path: Path) -> None:
    product = await Harness.start(tmp_path)  # a product, to borrow its services
    try:
        api = _RefusesWithOk()
        running = build_bot(product.services, request=api)
        await running.application.initialize()
        await running.channel.sender.delete(REFERRER, [30, 31, 33])  # raises nothing
        assert [int(c.params["message_id"]) for c in api.sent("deleteMessage")] == [30, 31, 33]
        assert not await running.channel.sender.delete_one(REFERRER, 31)
        await running.application.shutdown()
    finally:
        await product.stop()


@pytest.mark.parametrize(("status", "payload", "read_as"), [
    (200, b'{"ok":true,"result":true}', 200),
    (200, b'{"ok":false,"error_code":400,"description":"Bad Request: x"}', 400),
    (200, b'{"ok": false, "error_code": 403, "description": "Forbidden: x"}', 403),
    (200, b'{"ok":false,"description":"no code"}', 400),
    (200, b'{"ok":false,"error_code":200}', 400),
    (200, b'{"ok":false, not json', 200),  # PTB says what is wrong with it
    (400, b'{"ok":false,"error_code":400}', 400),
    (500, b'{"message":"API method is not supported"}', 500),
])
def test_a_refusal_sent_as_a_success_gets_its_own_status(
        status: int, payload: bytes, read_as: int) -> None:
    assert refusal_status(status, payload) == read_as
