"""Bot API calls with the product's rules: every message protected, flood limits honoured,
blocked users recognised, and failures that do not matter (an old message that cannot be
deleted) logged without stopping anything.

Messages go out through ``Bot.do_api_request``, PTB's call for a raw result, with the
keyboard built as plain JSON: the typed methods would build keyboard objects, and parse
every reply into a ``Message`` with its keyboard, only for the product to read one id.
That parsing was most of a button press's Bot API cost (see docs/performance.md).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import warnings
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning, PTBUserWarning

from bot.telegram.pacing import Pacer
from bot.telegram.render import Button

log = logging.getLogger("intake.telegram")
#: RetryAfter is honoured this many times for one call before giving up on it.
RETRIES = 3


class Unreachable(Exception):
    """The person blocked the bot or left: Telegram answered Forbidden."""


def retry_seconds(flood: RetryAfter) -> float:
    """How long a flood refusal asks to wait, in seconds, in either form PTB gives it.

    PTB 22 returns whole seconds as an int and warns that the attribute becomes a
    ``timedelta``; with ``PTB_TIMEDELTA=true`` (and from PTB 23 on) it is a ``timedelta``.
    Only that one deprecation is silenced, and only around this read.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait: object = flood.retry_after
    if isinstance(wait, timedelta):
        return wait.total_seconds()
    if isinstance(wait, int | float):
        return float(wait)
    raise TypeError(f"RetryAfter.retry_after is a {type(wait).__name__}")


def keyboard(rows: Sequence[Sequence[Button]]) -> str:
    """The Bot API's ``reply_markup`` for inline buttons, as the JSON text it travels as."""
    return json.dumps({"inline_keyboard": [[{"text": b.label, "callback_data": b.data}
                                            for b in row] for row in rows]},
                      ensure_ascii=False, separators=(",", ":"))


def quiet_raw_calls() -> None:
    """PTB suggests the typed method whenever ``do_api_request`` names a known one; the
    sender does so on purpose, so that advice is not repeated in the logs."""
    warnings.filterwarnings("ignore", message=r"Please use 'Bot\.\w+' instead of "
                            r"'Bot\.do_api_request", category=PTBUserWarning)


def prefer_timedelta_periods() -> None:
    """Opt in to PTB's ``timedelta`` time periods unless the operator chose otherwise.

    PTB 22 warns each time it builds a flood refusal (``RetryAfter``) while periods are
    still whole seconds; with the opt-in it warns about nothing and hands a ``timedelta``.
    The product reads no other time period, and reads this one in either form.
    """
    os.environ.setdefault("PTB_TIMEDELTA", "true")


class Sender:
    def __init__(self, bot: Bot, pacer: Pacer | None = None) -> None:
        self.bot = bot
        #: Every message sent or edited waits for its slot (``bot.telegram.pacing``).
        self.pacer = pacer or Pacer()
        quiet_raw_calls()
        prefer_timedelta_periods()
        #: Bot API calls posted by the current task (one update's handling, or the worker).
        self._posted: ContextVar[int] = ContextVar(f"posted_{id(self)}", default=0)

    def posted(self) -> int:
        """How many Bot API calls the current task has posted, tried ones included: the
        channel reads it to know whether anything of an update reached the chat."""
        return self._posted.get()

    async def _post(self, method: str, params: dict[str, Any]) -> Any:
        return await self.bot.do_api_request(method, params)

    async def _call(self, what: str, call):  # type: ignore[no-untyped-def]
        for attempt in range(RETRIES + 1):
            self._posted.set(self._posted.get() + 1)
            try:
                return await call()
            except RetryAfter as flood:
                if attempt == RETRIES:
                    raise
                seconds = retry_seconds(flood)
                log.warning("flood_wait", extra={"call": what, "seconds": seconds})
                await asyncio.sleep(seconds)
            except Forbidden:
                raise Unreachable(what) from None
        return None  # pragma: no cover

    async def send(self, chat_id: int, text: str,
                   rows: Sequence[Sequence[Button]] = (), *, preview: bool = True) -> int:
        """``preview=False``: no link preview (Telegram would fetch the link to draw one)."""
        params: dict[str, Any] = {"chat_id": chat_id, "text": text, "protect_content": True}
        if rows:
            params["reply_markup"] = keyboard(rows)
        if not preview:
            params["link_preview_options"] = {"is_disabled": True}
        await self.pacer.slot(chat_id)
        message = await self._call("send", lambda: self._post("sendMessage", params))
        return int(message["message_id"])

    async def edit(self, chat_id: int, message_id: int, text: str,
                   rows: Sequence[Sequence[Button]] = ()) -> bool:
        try:
            params: dict[str, Any] = {"chat_id": chat_id, "message_id": message_id,
                                      "text": text}
            if rows:
                params["reply_markup"] = keyboard(rows)
            await self.pacer.slot(chat_id)
            await self._call("edit", lambda: self._post("editMessageText", params))
            return True
        except BadRequest as error:
            if "not modified" in str(error).lower():
                return True
            log.info("edit_failed", extra={"reason": type(error).__name__})
            return False

    async def strip_buttons(self, chat_id: int, message_id: int) -> None:
        try:
            await self._call("strip", lambda: self._post("editMessageReplyMarkup", {
                "chat_id": chat_id, "message_id": message_id}))
        except TelegramError:
            log.info("strip_failed")

    async def delete(self, chat_id: int, message_ids: Iterable[int]) -> None:
        """Delete messages, up to 100 in one call. Where that call fails (a Bot API server
        without ``deleteMessages``, which came with Bot API 7.0, or a passing fault), each
        is deleted on its own: what is deleted here may be personal (a typed answer, the
        intake's messages), and it must not stay in the chat for want of the batch call."""
        ids = sorted(set(message_ids))
        for start in range(0, len(ids), 100):  # the Bot API deletes at most 100 at once
            batch = ids[start:start + 100]
            try:
                await self._call("delete", lambda b=batch: self.bot.delete_messages(chat_id, b))
            except RetryAfter:  # still flooded after the retries: one by one would be worse
                log.info("delete_failed", extra={"count": len(batch)})
            except TelegramError as error:
                log.info("delete_batch_failed", extra={"count": len(batch),
                                                       "reason": type(error).__name__})
                for message_id in batch:
                    await self._delete_alone(chat_id, message_id)

    async def _delete_alone(self, chat_id: int, message_id: int) -> None:
        try:
            await self.delete_one(chat_id, message_id)  # a refusal is logged there
        except TelegramError as error:
            log.info("delete_failed", extra={"count": 1, "reason": type(error).__name__})

    async def delete_one(self, chat_id: int, message_id: int) -> bool:
        """Delete one message; False if Telegram refuses (too old, already gone). Unlike
        :meth:`delete` the caller learns the outcome (erasure edits what it cannot delete);
        a blocked bot raises :class:`Unreachable`."""
        try:
            await self._call("delete", lambda: self._post("deleteMessage", {
                "chat_id": chat_id, "message_id": message_id}))
            return True
        except BadRequest as error:
            log.info("delete_failed", extra={"reason": type(error).__name__})
            return False

    async def answer(self, callback_id: str | None, text: str | None = None) -> None:
        if not callback_id:
            return
        try:
            await self._call("answer", lambda: self.bot.answer_callback_query(
                callback_id, text=text))
        except TelegramError:
            log.info("answer_failed")
