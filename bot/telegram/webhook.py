"""Webhook mode: a small ASGI app. Telegram posts updates to ``/telegram``; the secret token
header is compared in constant time; ``/healthz`` answers for load balancers.

An update is answered 200 only once it is stored in the inbox (``bot.telegram.inbox``):
Telegram forgets it at that answer, so a crash after it loses nothing. A database that does
not take it gets 500, and Telegram sends the update again later.

Any number of bot processes may sit behind one webhook URL: whichever process stores an
update, any of them may handle it, one chat at a time and in order, and an update id is
handled once.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update

from bot.telegram.app import Bot
from bot.telegram.inbox import chat_of

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


def webhook_app(running: Bot, secret: str) -> Callable[[Scope, Receive, Send],
                                                      Awaitable[None]]:
    expected = secret.encode()
    application = running.application

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await application.initialize()
                    if application.post_init:
                        await application.post_init(application)
                    await application.start()
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await application.stop()
                    if application.post_stop:
                        await application.post_stop(application)
                    await application.shutdown()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        if path == "/healthz" and method == "GET":
            await _respond(send, 200, {"status": "ok"})
            return
        if path != PATH or method != "POST":
            await _respond(send, 404, {"error": "not found"})
            return
        headers = dict(scope["headers"])
        given = headers.get(b"x-telegram-bot-api-secret-token", b"")
        if not hmac.compare_digest(given, expected):
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
        try:
            data = json.loads(body)
            if not isinstance(data, dict):  # de_json needs an object; [] or 1 would crash it
                raise TypeError("an update is a JSON object")
            if _too_deep(data):
                raise ValueError("an update does not nest this deep")
            update = Update.de_json(data, application.bot)
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
            # RecursionError: json.loads of thousands of nested brackets
            await _respond(send, 400, {"error": "not an update"})
            return
        if update is None:
            await _respond(send, 400, {"error": "not an update"})
            return
        try:
            await running.inbox.keep([(update.update_id, chat_of(update), data)])
        except Exception as error:  # not stored: Telegram must send it again
            log.error("inbox_store_failed", extra={"error": type(error).__name__})
            await _respond(send, 500, {"error": "not stored"})
            return
        await _respond(send, 200, {"ok": True})

    return app
