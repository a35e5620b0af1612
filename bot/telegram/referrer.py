"""The referrer's side of the chat: an intake driven by inline buttons.

Chat hygiene is part of the job. Every message is protected from forwarding and saving; a
typed answer to a sensitive question is deleted as soon as it is captured; when the intake
ends its messages are deleted and one summary with the case code remains.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from typing import Any

from bot.directory.model import Directory
from bot.engine import Choice, Command, Input, Session, Text
from bot.i18n.texts import N_, Texts
from bot.ports import Staff
from bot.service.intake import IntakeDesk, Turn
from bot.telegram.callbacks import BadCallback, CallbackCodec
from bot.telegram.incoming import Incoming
from bot.telegram.render import BACK, Renderer, summary
from bot.telegram.sender import Sender

ENGINE_COMMANDS = {"back": "back", "cancel": "cancel", "urgent": "urgent",
                   "language": "language"}


def new_token() -> str:
    return secrets.token_urlsafe(6).replace("-", "x").replace("_", "y")


@dataclass
class ReferrerChat:
    desk: IntakeDesk
    sender: Sender
    texts: Texts
    codec: CallbackCodec
    directory: Directory

    def _ui(self, lang: str, message: str, **params: object) -> str:
        return self.texts.gettext(lang, message, **params)

    async def start(self, inc: Incoming, staff: Staff) -> None:
        assert inc.chat_id is not None
        old = await asyncio.to_thread(self.desk.forget, inc.chat_id)
        if old is not None:
            await self.sender.delete(inc.chat_id, _messages(old.host))
        host = {"token": new_token(), "seq": 0, "messages": [], "prompt": None}
        turn = await asyncio.to_thread(self.desk.start, inc.chat_id, staff, host,
                                       inc.update_id)
        await self._respond(inc, staff, turn, host, from_button=False)

    async def command(self, inc: Incoming, staff: Staff) -> None:
        assert inc.chat_id is not None and inc.command is not None
        given = Command(ENGINE_COMMANDS[inc.command], inc.arg)  # type: ignore[arg-type]
        await self._step(inc, staff, given, user_message=inc.message_id)

    async def text(self, inc: Incoming, staff: Staff) -> None:
        await self._step(inc, staff, Text(inc.text or ""), user_message=inc.message_id)

    async def button(self, inc: Incoming, staff: Staff) -> None:
        assert inc.chat_id is not None
        session = await asyncio.to_thread(self.desk.current, inc.chat_id)
        lang = session.referrer_lang if session else staff.language
        try:
            callback = self.codec.decode(inc.callback_data)
        except BadCallback:
            await self.sender.answer(inc.callback_id, self._ui(lang, N_(
                "This button is not valid.")))
            return
        if session is None or callback.kind != "a" or callback.token != session.host.get(
                "token") or callback.seq != session.host.get("seq"):
            await self.sender.answer(inc.callback_id, self._ui(lang, N_(
                "This button is out of date. Use the latest question.")))
            return
        await self.sender.answer(inc.callback_id)
        given: Input = Command("back") if callback.value == BACK else Choice(callback.value)
        await self._step(inc, staff, given, user_message=None, session=session)

    async def forget(self, inc: Incoming, staff: Staff) -> None:
        assert inc.chat_id is not None
        old = await asyncio.to_thread(self.desk.forget, inc.chat_id)
        ids = _messages(old.host) if old else []
        await self.sender.delete(inc.chat_id, [*ids, *([inc.message_id] if inc.message_id
                                                       else [])])
        await self.sender.send(inc.chat_id, self._ui(staff.language, N_(
            "The intake in progress was erased, with its messages.") if old else N_(
            "There was no intake in progress.")))

    async def expired(self, chat_id: int, lang: str, host: dict[str, Any]) -> None:
        await self.sender.delete(chat_id, _messages(host))
        await self.sender.send(chat_id, self._ui(lang, N_(
            "The intake was closed after a period without activity. Nothing was kept. "
            "Send /new to start again.")))

    async def _step(self, inc: Incoming, staff: Staff, given: Input,
                    user_message: int | None, session: Session | None = None) -> None:
        assert inc.chat_id is not None
        if session is None:
            session = await asyncio.to_thread(self.desk.current, inc.chat_id)
        if session is None:
            await self.sender.send(inc.chat_id, self._ui(staff.language, N_(
                "No intake is open. Send /new to start one.")))
            return
        host = dict(session.host)
        if user_message is not None:
            if host.get("sensitive"):
                await self.sender.delete(inc.chat_id, [user_message])
            else:
                host["messages"] = [*host.get("messages", []), user_message]
        turn = await asyncio.to_thread(self.desk.handle, inc.chat_id, staff, given, None,
                                       inc.update_id)
        await self._respond(inc, staff, turn, host, from_button=user_message is None)

    async def _respond(self, inc: Incoming, staff: Staff, turn: Turn, host: dict[str, Any],
                       from_button: bool) -> None:
        assert inc.chat_id is not None
        chat = inc.chat_id
        lang = turn.session.referrer_lang if turn.session else staff.language
        host["seq"] = int(host.get("seq", 0)) + 1
        renderer = Renderer(self.texts, self.codec, self.directory, lang,
                            str(host["token"]), host["seq"])
        outgoing = renderer.render(turn.events)
        if turn.ended is not None:
            await self.sender.delete(chat, _messages(host))
            text = summary(self.texts, lang, turn.ended, turn.code if turn.ended.kept else None)
            if turn.unrouted:
                text += "\n" + self._ui(lang, N_("The referral could not be routed "
                                                 "automatically (%(reason)s); the "
                                                 "coordinators are told."),
                                        reason=turn.unrouted)
            # The summary and the flow's last words, as the one message that stays.
            last = [m.text for m in outgoing if not m.prompt]
            await self.sender.send(chat, "\n\n".join([text, *last]))
            return
        prompt_id = host.get("prompt")
        sent: list[int] = []
        in_place = (from_button and len(outgoing) == 1 and outgoing[0].prompt
                    and prompt_id is not None and prompt_id == inc.message_id)
        if in_place and await self.sender.edit(chat, int(prompt_id or 0), outgoing[0].text,
                                               outgoing[0].rows):
            host["sensitive"] = outgoing[0].sensitive_reply
            await asyncio.to_thread(self.desk.remember, chat, host)
            return
        if prompt_id:
            await self.sender.strip_buttons(chat, prompt_id)
        for message in outgoing:
            message_id = await self.sender.send(chat, message.text, message.rows)
            sent.append(message_id)
            if message.prompt:
                host["prompt"] = message_id
                host["sensitive"] = message.sensitive_reply
        host["messages"] = [*host.get("messages", []), *sent]
        await asyncio.to_thread(self.desk.remember, chat, host)


def _messages(host: dict[str, Any]) -> list[int]:
    ids = list(host.get("messages", []))
    if host.get("prompt"):
        ids.append(host["prompt"])
    return [int(i) for i in ids]
