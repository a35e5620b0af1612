"""Counting the updates the bot handles into its metrics (``bot.metrics``).

A handler in a group after the product's own (``Channel.on_update``, group 0) sees every
update once it has been handled, whatever happened there: python-telegram-bot runs the
groups in order and hands a failure to the error handlers without skipping the rest.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.metrics import Metrics

#: After the product's handlers (group 0).
GROUP = 1
#: The kinds of update counted by name; any other is counted as ``other``.
KINDS = ("message", "edited_message", "callback_query", "my_chat_member", "chat_member",
         "channel_post", "edited_channel_post", "message_reaction")


def kind_of(update: Update) -> str:
    return next((kind for kind in KINDS if getattr(update, kind, None) is not None), "other")


def count_updates(application: Application,  # type: ignore[type-arg]
                  metrics: Metrics) -> None:
    async def counted(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        metrics.update_handled(kind_of(update))

    application.add_handler(TypeHandler(Update, counted), group=GROUP)
