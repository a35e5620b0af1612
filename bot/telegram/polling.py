"""Long polling without python-telegram-bot's Updater, which confirms updates to Telegram
as soon as they are queued in memory.

Each batch ``getUpdates`` returns is stored in the inbox in one transaction, and only then
does the offset move past it: the next ``getUpdates`` (``offset`` = highest stored id + 1)
is what tells Telegram the batch arrived. A batch the database would not take is fetched
again. At start the offset follows the highest update id stored or handled, so nothing
Telegram still holds is skipped.

Each update of a batch is read on its own (``bot.telegram.omissions`` first fills what some
Bot API servers leave out): one python-telegram-bot cannot read is logged by its kind of
fault, never its content, and confirmed with the batch without being stored, so it neither
stops polling nor comes back for ever.

Telegram holds an empty ``getUpdates`` open for the long poll; a server that answers at once
(an emulator) is asked again only after :data:`EMPTY_ROUND`, never in a busy loop.

Telegram lets one poller per bot: a second gets 409 Conflict. That is logged and waited
out here, never a crash; the deployment guide says how to run several processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from telegram import Bot, Update
from telegram.error import Conflict, NetworkError, RetryAfter, TelegramError

from bot.telegram.inbox import Inbox, chat_of
from bot.telegram.omissions import complete_update
from bot.telegram.sender import quiet_raw_calls, retry_seconds

if TYPE_CHECKING:
    from bot.telegram.app import Bot as Running

log = logging.getLogger("intake.polling")
T = TypeVar("T")
#: Seconds Telegram may hold a ``getUpdates`` call open when nothing is waiting.
LONG_POLL = 10
#: Seconds between tries when Telegram or the database cannot be reached, growing to
#: :data:`MAX_PAUSE`.
PAUSE = 1.0
MAX_PAUSE = 30.0
#: Seconds to wait when another poller holds the bot (409): it may be a process being
#: replaced by this one.
CONFLICT_PAUSE = 5.0
#: The shortest time between the starts of two ``getUpdates`` calls when the first found
#: nothing: a server that does not hold the call open is not asked again at once.
EMPTY_ROUND = 0.5
#: Seconds a ``getUpdates`` answer may take beyond the long poll itself.
READ_MARGIN = 5.0


@dataclass
class Poller:
    bot: Bot
    inbox: Inbox
    long_poll: int = LONG_POLL

    async def run(self, stop: asyncio.Event) -> None:
        """Fetch, store, confirm, until ``stop``."""
        pause = PAUSE
        while True:
            try:
                highest = await _until(stop, lambda: asyncio.to_thread(
                    self.inbox.store.highest))
                break
            except Exception as error:  # the database is not there yet: nothing is fetched
                log.error("inbox_unavailable", extra={"error": type(error).__name__})
                await _sleep(stop, pause)
                pause = min(pause * 2, MAX_PAUSE)
        if stop.is_set():
            return
        offset = highest + 1 if highest is not None else None
        pause = PAUSE
        quiet_raw_calls()
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            asked = loop.time()
            try:
                # Raw, so that each update is read on its own (PTB's get_updates reads the
                # whole batch at once, and one unreadable update would fail them all).
                batch = await _until(stop, partial(
                    self.bot.do_api_request, "getUpdates", api_kwargs={
                        "offset": offset, "timeout": self.long_poll,
                        "allowed_updates": list(Update.ALL_TYPES)},
                    read_timeout=self.long_poll + READ_MARGIN))
            except Conflict:
                log.error("polling_conflict")  # another process polls this bot
                await _sleep(stop, CONFLICT_PAUSE)
                continue
            except RetryAfter as error:
                await _sleep(stop, retry_seconds(error))
                continue
            except (NetworkError, TelegramError) as error:
                log.warning("polling_failed", extra={"error": type(error).__name__})
                await _sleep(stop, pause)
                pause = min(pause * 2, MAX_PAUSE)
                continue
            if stop.is_set():
                return
            pause = PAUSE
            updates, last = self._read(batch)
            if last is None:  # nothing came: wait out the round a held call would take
                await _sleep(stop, EMPTY_ROUND - (loop.time() - asked))
                continue
            try:
                if updates:
                    await self.inbox.keep([(u.update_id, chat_of(u), u.to_dict())
                                           for u in updates], updates)
            except Exception as error:
                # Not stored, so not confirmed: the same batch comes back next time.
                log.error("inbox_store_failed", extra={"error": type(error).__name__})
                await _sleep(stop, pause)
                pause = min(pause * 2, MAX_PAUSE)
                continue
            offset = last + 1

    def _read(self, batch: object) -> tuple[list[Update], int | None]:
        """The updates of ``batch`` python-telegram-bot can read, and the highest update id
        in it (readable or not), which the next call confirms."""
        updates: list[Update] = []
        last: int | None = None
        for data in batch if isinstance(batch, list) else ():
            update_id = data.get("update_id") if isinstance(data, dict) else None
            if isinstance(update_id, int):
                last = update_id if last is None else max(last, update_id)
            try:
                update = Update.de_json(complete_update(data), self.bot)
            except Exception as error:  # any field PTB requires may be missing or odd
                log.warning("update_unreadable", extra={"error": type(error).__name__})
                continue
            if update is not None:
                updates.append(update)
        return updates, last


async def serve(running: Running) -> None:
    """``intake run`` in polling mode: start the application, handle what the inbox still
    holds, poll until SIGTERM or SIGINT, then stop cleanly (updates in hand finish)."""
    application = running.application
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        try:
            await _until(stop, running.inbox.ready.wait)  # what was left comes first
            try:
                await application.bot.delete_webhook()  # polling and a webhook exclude
            except TelegramError as error:
                log.warning("delete_webhook_failed", extra={"error": type(error).__name__})
            await Poller(application.bot, running.inbox).run(stop)
        finally:
            await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)
    finally:
        await application.shutdown()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)


async def _until(stop: asyncio.Event, make: Callable[[], Awaitable[T]]) -> T | None:
    """``make()``'s result, or None as soon as ``stop`` is set (the call is cancelled)."""
    work = asyncio.ensure_future(make())
    halt = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait([work, halt], return_when=asyncio.FIRST_COMPLETED)
    finally:
        halt.cancel()
    if not work.done():
        work.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await work
        return None
    result: T = work.result()
    return result


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
