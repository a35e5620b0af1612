"""``intake run``: start the bot (long polling, or a webhook server)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot import logs
from bot.cli.common import CommandError
from bot.settings import Settings

if TYPE_CHECKING:
    from storage.stores import Storage

NO_TOKEN = """No bot token is configured (INTAKE_BOT_TOKEN).
To get one: open Telegram, talk to @BotFather, send /newbot, and put the token it gives
in INTAKE_BOT_TOKEN (in .env, see .env.example). Encryption keys are needed too: run
"intake keys generate" twice and set INTAKE_KEYS and INTAKE_INDEX_KEY.

Starting the terminal simulator on the same flows meanwhile.
"""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("run", help="start the bot",
                                 description="Start the bot: long polling by default, or a "
                                 "webhook server with --webhook. Migrates the database first. "
                                 "While Telegram cannot be reached, the start-up calls are "
                                 "retried, waiting longer each time (up to a minute), one "
                                 "log line per attempt. Before any call to Telegram, refuses "
                                 "to start when INTAKE_KEYS or INTAKE_INDEX_KEY do not fit the "
                                 "stored data. Logs at INTAKE_LOG_LEVEL (default INFO) as "
                                 "INTAKE_LOG_FORMAT (text or json), with no token, message "
                                 "text, answer or contact in any line.")
    parser.add_argument("--webhook", action="store_true", help="serve an ASGI webhook app")
    parser.add_argument("--listen", default="127.0.0.1", help="webhook address "
                        "(default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="webhook port (default 8080)")
    parser.add_argument("--url", help="public URL Telegram should post to (sets the webhook)")
    parser.add_argument("--no-worker", action="store_true",
                        help="do not run the reminder and delivery loop in this process")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    # Redacted on the handler: no token, text or contact in any line, at any level.
    logs.configure(settings)
    if not settings.bot_token:
        print(NO_TOKEN, file=sys.stderr)
        from bot.cli import chat

        return chat.run(argparse.Namespace(flow="intake", lang=None, person_lang=None,
                                           hub=None), settings)
    if args.webhook and not settings.webhook_secret:
        raise CommandError("--webhook needs INTAKE_WEBHOOK_SECRET")
    import asyncio

    from telegram import Update

    from bot.telegram import startup
    from bot.telegram.app import build_bot
    from bot.wiring import build_services
    from storage.migrate import upgrade
    from storage.stores import Storage

    storage = Storage.from_settings(settings)
    upgrade(storage.engine)  # first, so the directory loaded into the database is read
    _check_keys(storage)  # before any call to Telegram
    services = build_services(settings, storage)
    running = build_bot(services, run_worker=not args.no_worker)
    if not args.webhook:
        from bot.telegram.polling import serve

        async def poll() -> None:
            await startup.initialize(running.application)  # retried; serve's is a no-op
            await serve(running)
        _refusals(lambda: asyncio.run(poll()))
        return 0
    import uvicorn

    from bot.telegram.webhook import webhook_app

    assert settings.webhook_secret is not None
    secret = settings.webhook_secret
    if args.url:
        async def set_hook() -> None:
            # Opened and closed inside this event loop: uvicorn runs another one, and an
            # HTTP connection kept alive from this one would fail there.
            bot = running.application.bot
            try:
                await startup.set_webhook(bot, args.url, secret, Update.ALL_TYPES)
            finally:
                await bot.shutdown()
        _refusals(lambda: asyncio.run(set_hook()))
    app = startup.patient_lifespan(webhook_app(running, secret), running.application)
    # log_config=None: uvicorn's loggers propagate to the redacting handler (bot.logs)
    # instead of handlers of their own that would print tracebacks unfiltered.
    uvicorn.run(app, host=args.listen, port=args.port, log_level="warning", lifespan="on",
                log_config=None)
    return 0


def _check_keys(storage: Storage) -> None:
    """Refuse to start when the keys do not fit the stored data: one line naming the
    setting (``storage.keycheck``)."""
    from datetime import UTC, datetime

    from storage.keycheck import KeyMismatch, check_keys

    try:
        check_keys(storage.context, datetime.now(UTC))
    except KeyMismatch as error:
        storage.close()
        raise CommandError(f"{error}; the bot did not start") from None


def _refusals(start: Callable[[], object]) -> None:
    """Run ``start``; Telegram refusing a start-up call (not a network failure, which is
    retried) becomes one clear error line."""
    from telegram.error import InvalidToken, TelegramError

    try:
        start()
    except InvalidToken:
        raise CommandError("Telegram refused the bot token: check INTAKE_BOT_TOKEN (from "
                           "@BotFather)") from None
    except TelegramError as error:
        raise CommandError(f"Telegram refused a start-up call: {error.message}") from None
