"""``intake run``: start the bot (long polling, or a webhook server)."""

from __future__ import annotations

import argparse
import logging
import sys

from bot.settings import Settings

NO_TOKEN = """No bot token is configured (INTAKE_BOT_TOKEN).
To get one: open Telegram, talk to @BotFather, send /newbot, and put the token it gives
in INTAKE_BOT_TOKEN (or a .env file). Encryption keys are needed too: run
`intake keys generate` twice and set INTAKE_KEYS and INTAKE_INDEX_KEY.

Starting the terminal simulator on the same flows meanwhile.
"""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("run", help="start the bot",
                                 description="Start the bot: long polling by default, or a "
                                 "webhook server with --webhook. Migrates the database first.")
    parser.add_argument("--webhook", action="store_true", help="serve an ASGI webhook app")
    parser.add_argument("--listen", default="127.0.0.1", help="webhook address "
                        "(default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="webhook port (default 8080)")
    parser.add_argument("--url", help="public URL Telegram should post to (sets the webhook)")
    parser.add_argument("--no-worker", action="store_true",
                        help="do not run the reminder and delivery loop in this process")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # httpx logs every request URL at INFO, and a Bot API URL contains the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # transitions narrates every state change at INFO: noise, and nothing an operator needs.
    logging.getLogger("transitions").setLevel(logging.WARNING)
    if not settings.bot_token:
        print(NO_TOKEN, file=sys.stderr)
        from bot.cli import chat

        return chat.run(argparse.Namespace(flow="intake", lang=None, person_lang=None,
                                           hub=None), settings)
    from telegram import Update

    from bot.telegram.app import build_bot
    from bot.wiring import build_services
    from storage.migrate import upgrade
    from storage.stores import Storage

    storage = Storage.from_settings(settings)
    upgrade(storage.engine)  # first, so the directory loaded into the database is read
    services = build_services(settings, storage)
    running = build_bot(services, run_worker=not args.no_worker)
    if not args.webhook:
        running.application.run_polling(allowed_updates=Update.ALL_TYPES)
        return 0
    if not settings.webhook_secret:
        print("error: --webhook needs INTAKE_WEBHOOK_SECRET", file=sys.stderr)
        return 2
    import asyncio

    import uvicorn

    from bot.telegram.webhook import webhook_app

    if args.url:
        async def set_hook() -> None:
            # Opened and closed inside this event loop: uvicorn runs another one, and an
            # HTTP connection kept alive from this one would fail there.
            async with running.application.bot as bot:
                await bot.set_webhook(args.url, secret_token=settings.webhook_secret,
                                      allowed_updates=Update.ALL_TYPES)
        asyncio.run(set_hook())
    uvicorn.run(webhook_app(running.application, settings.webhook_secret), host=args.listen,
                port=args.port, log_level="warning", lifespan="on")
    return 0
