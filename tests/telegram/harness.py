"""A running product on a real SQLite file and the real python-telegram-bot stack, with only
the Bot API's HTTP replaced by :class:`FakeBotAPI`. Tests drive it with update JSON."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram import Update

from bot.settings import Settings
from bot.telegram.app import Bot, build_bot
from bot.telegram.callbacks import CallbackCodec
from bot.wiring import Services, build_services
from storage.clock import FixedClock
from storage.crypto import generate_key
from storage.migrate import upgrade
from storage.stores import Storage
from tests.telegram.fakeapi import FakeBotAPI

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def settings_for(tmp: Path) -> Settings:
    base = Settings.from_env({})
    return Settings(
        flows=base.flows, locales=base.locales, directory=base.directory,
        default_language="en", database_url=f"sqlite:///{tmp / 'intake.sqlite3'}",
        keys=(generate_key(),), index_key=generate_key(), bot_token="123456:TEST",
        reveal_seconds=3600)


@dataclass
class Harness:
    services: Services
    bot: Bot
    api: FakeBotAPI
    clock: FixedClock
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @classmethod
    async def start(cls, tmp: Path, settings: Settings | None = None) -> Harness:
        """A product on ``tmp``'s database; two harnesses given the same ``settings`` are two
        bot processes sharing one database."""
        clock = FixedClock(START)
        settings = settings or settings_for(tmp)
        storage = Storage.from_settings(settings)
        upgrade(storage.engine)  # first, as `intake run` does: the services read the tables
        services = build_services(settings, storage, clock=clock)
        api = FakeBotAPI()
        bot = build_bot(services, request=api, run_worker=False)
        await bot.application.initialize()
        return cls(services, bot, api, clock)

    async def stop(self) -> None:
        await self.bot.application.shutdown()
        self.bot.checkpoints.stop()  # started by whoever started it (as `intake run` does)
        self.services.storage.close()

    @property
    def codec(self) -> CallbackCodec:
        return CallbackCodec(self.services.callback_key())

    def enrol(self, telegram_id: int, role: str, agency: str | None = None,
              hub: str | None = "gaziantep", language: str = "en") -> int:
        return self.services.storage.staff.enrol(
            telegram_id, role, agency=agency, hub=hub,  # type: ignore[arg-type]
            language=language, at=self.clock.now())

    async def feed(self, data: dict[str, Any]) -> None:
        update = Update.de_json(data, self.bot.application.bot)
        assert update is not None
        await self.bot.application.process_update(update)

    def _base(self, user: int, chat_type: str = "private") -> dict[str, Any]:
        return {"chat": {"id": user if chat_type == "private" else -user, "type": chat_type},
                "from": {"id": user, "is_bot": False, "first_name": "Staff",
                         "language_code": "en"},
                "date": 1_790_000_000}

    async def text(self, user: int, text: str, chat_type: str = "private",
                   update_id: int | None = None) -> int:
        update_id = update_id or next(self.ids)
        message = {"message_id": 10_000 + update_id, "text": text, **self._base(user, chat_type)}
        if text.startswith("/"):
            command = text.split(" ", 1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        await self.feed({"update_id": update_id, "message": message})
        return update_id

    async def edited(self, user: int, text: str) -> None:
        update_id = next(self.ids)
        await self.feed({"update_id": update_id, "edited_message": {
            "message_id": 10_000 + update_id, "text": text, "edit_date": 1_790_000_100,
            **self._base(user)}})

    async def photo(self, user: int) -> None:
        update_id = next(self.ids)
        message = {"message_id": 10_000 + update_id, **self._base(user),
                   "photo": [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]}
        await self.feed({"update_id": update_id, "message": message})

    async def press(self, user: int, data: str, message_id: int = 1) -> None:
        update_id = next(self.ids)
        await self.feed({"update_id": update_id, "callback_query": {
            "id": f"cb{update_id}", "from": self._base(user)["from"], "chat_instance": "x",
            "data": data, "message": {"message_id": message_id, "text": "",
                                      **{k: v for k, v in self._base(user).items()
                                         if k != "from"}}}})

    # -- reading what the bot sent -------------------------------------------------------
    def last_keyboard(self, chat: int) -> tuple[int, list[tuple[str, str]]]:
        """(message id, [(label, callback data)]) of the last message with buttons."""
        for call in reversed(self.api.calls):
            if call.method in ("sendMessage", "editMessageText") and \
                    int(call.params.get("chat_id", 0)) == chat and "reply_markup" in call.params:
                markup = call.params["reply_markup"]
                markup = json.loads(markup) if isinstance(markup, str) else markup
                if not markup or not markup.get("inline_keyboard"):
                    continue
                buttons = [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"]
                           for b in row]
                message_id = call.params.get("message_id") or call.result["message_id"]
                return int(message_id), buttons
        raise AssertionError(f"no keyboard was sent to {chat}")

    async def choose(self, user: int, value: str) -> None:
        """Press the button whose value (option id or action) is ``value``."""
        message_id, buttons = self.last_keyboard(user)
        for _, data in buttons:
            callback = self.codec.decode(data)
            if callback.value == value or f"{callback.value}:{callback.arg}" == value:
                await self.press(user, data, message_id)
                return
        raise AssertionError(f"no button '{value}' in {[b[0] for b in buttons]}")

    def texts_to(self, chat: int) -> list[str]:
        return [str(c.params.get("text", "")) for c in self.api.calls
                if c.method in ("sendMessage", "editMessageText")
                and int(c.params.get("chat_id", 0)) == chat]

    def answers(self) -> list[str]:
        return [str(c.params.get("text", "")) for c in self.api.calls
                if c.method == "answerCallbackQuery" and c.params.get("text")]

    async def tick(self) -> int:
        return await self.bot.worker.tick()
