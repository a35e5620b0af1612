"""What an update is, reduced to what the product needs; nothing else is read or kept.

Reading an update in one place keeps the handlers thin and makes every kind of input,
including the odd ones (edited messages, stickers, group chats), explicit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from telegram import Update

Kind = Literal["command", "button", "text", "media", "edited", "other"]
#: Commands the bot answers; anything else that starts with "/" is an unknown command.
COMMANDS = ("start", "new", "back", "cancel", "language", "urgent", "help", "forget", "inbox",
            "services")


@dataclass(frozen=True)
class Incoming:
    update_id: int
    kind: Kind
    chat_id: int | None = None
    user_id: int | None = None
    private: bool = False
    message_id: int | None = None
    command: str | None = None
    arg: str | None = None
    text: str | None = None
    callback_id: str | None = None
    callback_data: str | None = None
    language: str | None = None  # the Telegram client's language, a hint at enrolment


def read(update: Update) -> Incoming:
    chat = update.effective_chat
    user = update.effective_user
    base = Incoming(
        update_id=update.update_id, kind="other",
        chat_id=chat.id if chat else None, user_id=user.id if user else None,
        private=bool(chat and chat.type == "private"),
        language=user.language_code if user else None,
    )
    if update.callback_query is not None:
        query = update.callback_query
        message = query.message
        # Id 0 names no message: a server that left the id out (``bot.telegram.omissions``).
        return replace(base, kind="button", callback_id=query.id, callback_data=query.data,
                       message_id=(message.message_id or None) if message else None)
    if update.edited_message is not None:
        return replace(base, kind="edited", message_id=update.edited_message.message_id)
    message = update.message
    if message is None:
        return base
    if message.text is None:
        return replace(base, kind="media", message_id=message.message_id)
    text = message.text
    if text.startswith("/"):
        head, _, rest = text[1:].partition(" ")
        name = head.split("@", 1)[0].lower()
        return replace(base, kind="command", message_id=message.message_id, command=name,
                       arg=rest.strip() or None)
    return replace(base, kind="text", message_id=message.message_id, text=text)
