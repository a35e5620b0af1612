"""``intake run``: start the bot (long polling, or a webhook server), with the console's
listener beside it (``bot.http``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot import logs
from bot.cli.common import CommandError
from bot.settings import CONSOLE_LISTEN, Settings

if TYPE_CHECKING:
    from bot.http.health import Health
    from bot.http.serving import Listener
    from bot.metrics import Metrics
    from bot.wiring import Services
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
                                 "stored data. In both modes the web console, /metrics and "
                                 "/healthz listen on INTAKE_CONSOLE_LISTEN (default "
                                 "127.0.0.1:8081; off: not at all), never on the webhook's "
                                 "port, which serves /telegram and /healthz only. Logs at "
                                 "INTAKE_LOG_LEVEL (default INFO) as INTAKE_LOG_FORMAT (text "
                                 "or json), with no token, message text, answer or contact in "
                                 "any line.")
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
    secret = settings.webhook_secret or ""
    if args.webhook and not secret:
        raise CommandError("--webhook needs INTAKE_WEBHOOK_SECRET")
    import asyncio
    import logging

    from telegram import Update

    from bot.http.health import Health
    from bot.http.public import public_app
    from bot.http.serving import AddressInUse, listener, serving
    from bot.metrics import metrics_of
    from bot.settings import Listen
    from bot.telegram import startup, webhook
    from bot.telegram.app import build_bot
    from bot.telegram.counting import count_updates
    from bot.wiring import build_services
    from storage.migrate import upgrade
    from storage.probe import DatabaseProbe
    from storage.stores import Storage

    storage = Storage.from_settings(settings)
    upgrade(storage.engine)  # first, so the directory loaded into the database is read
    _check_keys(storage)  # before any call to Telegram
    services = build_services(settings, storage)
    running = build_bot(services, run_worker=not args.no_worker)
    metrics = metrics_of(services)
    count_updates(running.application, metrics)
    probe = DatabaseProbe(settings.database_url)
    health = Health(probe.check)
    inside: list[Listener] = []
    public: Listener | None = None
    try:  # both bound before anything starts: an address in use is one clear error
        inside = _console_listener(services, settings, health, metrics)
        if args.webhook:
            public = listener("webhook", public_app(running, secret, health),
                              Listen(args.listen, args.port), "--listen or --port", settings)
    except AddressInUse as error:
        for one in inside:
            one.socket.close()
        probe.close()
        storage.close()
        raise CommandError(str(error)) from None
    errors = metrics.error_counter()
    logging.getLogger().addHandler(errors)
    try:
        if public is None:
            from bot.telegram.polling import serve

            async def poll() -> None:
                async with serving(inside):  # answers while Telegram is still reached
                    await startup.initialize(running.application)  # retried; serve's: no-op
                    await serve(running)
            _refusals(lambda: asyncio.run(poll()))
            return 0
        hooked = public

        async def point_webhook() -> None:
            await startup.set_webhook(running.application.bot, args.url, secret,
                                      Update.ALL_TYPES)

        async def hook() -> None:
            async with serving(inside):
                await webhook.serve(running, lambda: serving([hooked]),
                                    point_webhook if args.url else None)
        _refusals(lambda: asyncio.run(hook()))
        return 0
    finally:
        logging.getLogger().removeHandler(errors)
        probe.close()


def _console_listener(services: Services, settings: Settings, health: Health,
                      metrics: Metrics) -> list[Listener]:
    """The console's listener, or none when ``INTAKE_CONSOLE_LISTEN`` is ``off``."""
    if settings.console_listen is None:
        return []
    from bot.console.app import build_console
    from bot.http.private import private_app
    from bot.http.serving import listener

    app = private_app(health, metrics, build_console(services))
    return [listener("console", app, settings.console_listen, CONSOLE_LISTEN, settings)]


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
