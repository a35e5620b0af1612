"""Webhook mode: the endpoint Telegram posts updates to (``/telegram`` on the public app,
``bot.http.public``). The secret token header is compared in constant time.

An update is answered 200 only once it is stored in the inbox (``bot.telegram.inbox``):
Telegram forgets it at that answer, so a crash after it loses nothing. A database that does
not take it gets 500, and Telegram sends the update again later.

Any number of bot processes may sit behind one webhook URL: whichever process stores an
update, any of them may handle it, one chat at a time and in order, and an update id is
handled once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import signal
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from telegram import Update

from bot.telegram import startup
from bot.telegram.app import Bot
from bot.telegram.inbox import chat_of
from bot.telegram.omissions import complete_update

log = logging.getLogger("intake.webhook")
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
#: Telegram's updates are small; anything larger is not from Telegram.
MAX_BODY = 1_000_000
#: Telegram's updates nest a dozen levels at most (a reply's quoted message and its
#: entities); deeper JSON is not from Telegram, and parsing it recursively would overflow.
MAX_DEPTH = 32
PATH = "/telegram"


def _too_deep(data: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether ``data`` nests more than ``limit`` objects or arrays (walked without
    recursion, so the check itself cannot overflow)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        children = (value.values() if isinstance(value, dict)
                    else value if isinstance(value, list) else ())
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


async def _respond(send: Send, status: int, body: dict[str, Any]) -> None:
    payload = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})


class TelegramWebhook:
    """The ASGI endpoint of ``POST /telegram`` (routed by ``bot.http.public``). It reads the
    body itself, chunk by chunk, so a wrong secret is refused before anything is read and an
    oversized body as soon as it grows too large."""

    def __init__(self, running: Bot, secret: str) -> None:
        self._running = running
        self._expected = secret.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await _respond(send, 404, {"error": "not found"})
            return
        headers = dict(scope["headers"])
        given = headers.get(b"x-telegram-bot-api-secret-token", b"")
        if not hmac.compare_digest(given, self._expected):
            log.warning("webhook_bad_secret")
            await _respond(send, 403, {"error": "forbidden"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if len(body) > MAX_BODY:
                await _respond(send, 413, {"error": "too large"})
                return
            if not message.get("more_body"):
                break
        application = self._running.application
        try:
            data = json.loads(body)
            if not isinstance(data, dict):  # de_json needs an object; [] or 1 would crash it
                raise TypeError("an update is a JSON object")
            if _too_deep(data):
                raise ValueError("an update does not nest this deep")
            data = complete_update(data)  # what some Bot API servers leave out
            update = Update.de_json(data, application.bot)
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
            # RecursionError: json.loads of thousands of nested brackets
            await _respond(send, 400, {"error": "not an update"})
            return
        if update is None:
            await _respond(send, 400, {"error": "not an update"})
            return
        try:
            await self._running.inbox.keep([(update.update_id, chat_of(update), data)],
                                          [update])
        except Exception as error:  # not stored: Telegram must send it again
            log.error("inbox_store_failed", extra={"error": type(error).__name__})
            await _respond(send, 500, {"error": "not stored"})
            return
        await _respond(send, 200, {"ok": True})


async def serve(running: Bot, listening: Callable[[], AbstractAsyncContextManager[None]],
                set_hook: Callable[[], Awaitable[None]] | None = None) -> None:
    """``intake run --webhook``: initialise the application (retried while Telegram cannot
    be reached), point the webhook here (``set_hook``), start the application (the inbox
    and the worker), then serve (``listening``: the public listener) until SIGTERM or
    SIGINT; then stop serving and stop the application cleanly (updates in hand finish)."""
    application = running.application
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        if not await _unless(stop, lambda: startup.initialize(application)):
            return
        if set_hook is not None and not await _unless(stop, set_hook):
            return
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        try:
            async with listening():
                await stop.wait()
        finally:
            await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)
    finally:
        await application.shutdown()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)


async def _unless(stop: asyncio.Event, call: Callable[[], Awaitable[None]]) -> bool:
    """Run ``call()`` (a start-up call retried while Telegram is unreachable) unless
    ``stop`` comes first: then it is cancelled and the answer is False."""
    work = asyncio.ensure_future(call())
    halt = asyncio.ensure_future(stop.wait())
    await asyncio.wait([work, halt], return_when=asyncio.FIRST_COMPLETED)
    halt.cancel()
    if work.done():
        work.result()  # its error, if any, is the command's
        return True
    work.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await work
    return False
