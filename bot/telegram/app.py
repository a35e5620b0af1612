"""Build the python-telegram-bot application around the channel and the worker."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler
from telegram.request import BaseRequest, HTTPXRequest

from bot.console.sessions import sign_in_for
from bot.telegram.callbacks import CallbackCodec
from bot.telegram.channel import Channel
from bot.telegram.focal import FocalChat
from bot.telegram.inbox import Inbox, OwnThreads, Writes, release_gone
from bot.telegram.omissions import Tolerant
from bot.telegram.referrer import ReferrerChat
from bot.telegram.sender import Sender
from bot.telegram.worker import Worker
from bot.wiring import Services
from storage.checkpoint import Checkpoints
from storage.group_commit import GroupCommit

log = logging.getLogger("intake.telegram")
#: Updates handled at once by one process. Each may hold two database connections (the
#: chat's lock and its work) and the pool has 15: stay below it, never queue on the pool.
CONCURRENT_UPDATES = 6
MENU = (("new", "Start a referral"), ("back", "One step back"), ("cancel", "Stop, keep nothing"),
        ("urgent", "Emergency contacts"), ("language", "Change language"),
        ("forget", "Erase the intake in progress"), ("inbox", "Open referrals (focal points)"),
        ("help", "How this works"))


@dataclass
class Bot:
    """The running product: the PTB application, the channel, the worker loop, and the
    inbox the updates are handled from."""

    application: Application  # type: ignore[type-arg]
    channel: Channel
    worker: Worker
    inbox: Inbox
    #: SQLite's checkpoints, taken off the updates' path while the bot runs.
    checkpoints: Checkpoints
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    inbox_task: asyncio.Task[None] | None = None


def build_bot(services: Services, request: BaseRequest | None = None,
              run_worker: bool = True) -> Bot:
    settings = services.settings
    if not settings.bot_token:
        raise ValueError("INTAKE_BOT_TOKEN is not set")
    api = settings.bot_api_url
    builder = (ApplicationBuilder().token(settings.bot_token)
               .base_url(f"{api}/bot").base_file_url(f"{api}/file/bot")
               .concurrent_updates(CONCURRENT_UPDATES)
               # No Updater: it confirms updates to Telegram before they are handled. The
               # poller (bot.telegram.polling) and the webhook store them in the inbox first.
               .updater(None))
    # PTB's own defaults: a pool for the calls, one connection for getUpdates. getMe's answer
    # is completed where another Bot API server leaves out what it cannot but be.
    calls = request if request is not None else HTTPXRequest(connection_pool_size=256)
    updates = request if request is not None else HTTPXRequest(connection_pool_size=1)
    builder = builder.request(Tolerant(calls)).get_updates_request(updates)
    application = builder.build()
    sender = Sender(application.bot)
    codec = CallbackCodec(services.callback_key())
    storage = services.storage
    # On SQLite, which takes one writer at a time anyway, the write transactions of the
    # updates in hand share commits; PostgreSQL takes them side by side, each update's on
    # the connection holding its chat's lock.
    writes: Writes = GroupCommit(storage.context.unit) if storage.context.dialect == "sqlite" \
        else OwnThreads()
    referrer = ReferrerChat(services.intake, sender, services.texts, codec, services.directory,
                            writes)
    focal = FocalChat(services.referrals, sender, services.texts, codec, services.directory,
                      storage.messages, float(settings.reveal_seconds),
                      flows=services.intake.engine.library)
    channel = Channel(storage.staff, storage.updates, storage.audit, services.clock,
                      services.invites, referrer, focal, sender, services.texts, storage.locks,
                      console=sign_in_for(services))
    worker = Worker(services.dispatcher, services.intake, storage.staff, referrer, focal,
                    sender, services.texts, purges=services.purges)

    async def handle(data: dict[str, Any] | Update) -> None:
        update = data if isinstance(data, Update) else Update.de_json(data, application.bot)
        if update is not None:
            await application.process_update(update)

    inbox = Inbox(storage.inbox, handle, services.clock, CONCURRENT_UPDATES, writes=writes)
    running = Bot(application, channel, worker, inbox, Checkpoints(storage.engine))
    application.add_handler(TypeHandler(Update, channel.on_update))
    application.add_error_handler(_on_error)

    async def started(app: Application) -> None:  # type: ignore[type-arg]
        running.checkpoints.start()
        try:
            await app.bot.set_my_commands([BotCommand(c, d) for c, d in MENU])
        except TelegramError as error:  # the menu is a convenience, never a reason to stop
            log.warning("set_commands_failed", extra={"error": type(error).__name__})
        if run_worker:
            try:  # messages a killed process had claimed go out now, not after their lease
                freed = await asyncio.to_thread(release_gone, storage.reminders, inbox.name)
                if freed:
                    log.warning("outbox_claims_recovered", extra={"messages": freed})
            except Exception as error:  # the worker's rounds retry the database anyway
                log.error("outbox_recover_failed", extra={"error": type(error).__name__})
            running.task = asyncio.create_task(
                worker.run(float(settings.worker_seconds), running.stop))
        running.inbox_task = asyncio.create_task(inbox.run(running.stop))

    async def stopping(app: Application) -> None:  # type: ignore[type-arg]
        running.stop.set()
        if running.task is not None:
            await running.task
        if running.inbox_task is not None:
            await running.inbox_task  # the updates in hand finish first
        await asyncio.to_thread(running.checkpoints.stop)

    application.post_init = started
    application.post_stop = stopping
    return running


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    # Only the kind of error: the update may hold what a person typed.
    log.error("update_failed", extra={"error": type(context.error).__name__})
