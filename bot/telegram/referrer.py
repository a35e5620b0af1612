"""The referrer's side of the chat: an intake driven by inline buttons.

Chat hygiene is part of the job. Every message is protected from forwarding and saving; a
typed answer to a sensitive question is deleted as soon as it is captured; when the intake
ends its messages are deleted and one summary with the case code remains.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from bot.directory.model import Directory
from bot.directory.vocabulary import CASE_TYPES
from bot.engine import Choice, Command, Input, Session, Text
from bot.engine.asking import language_name
from bot.engine.context import DRAFT_NOTE
from bot.i18n.texts import N_, Texts
from bot.ports import Staff
from bot.service.intake import Accept, IntakeDesk, Turn
from bot.telegram.callbacks import BadCallback, Callback, CallbackCodec
from bot.telegram.inbox import OwnThreads, Writes
from bot.telegram.incoming import Incoming
from bot.telegram.render import BACK, Button, Outgoing, Renderer, summary
from bot.telegram.sender import Sender, Unreachable
from bot.telegram.servicesview import case_type_of, services_text

ENGINE_COMMANDS = {"back": "back", "cancel": "cancel", "urgent": "urgent",
                   "language": "language"}
#: The reserved button values of the question /new asks during an intake (option ids start
#: with a letter, so they never clash with a flow's).
START_OVER, KEEP_GOING = "-new", "-keep"


def new_token() -> str:
    return secrets.token_urlsafe(6).replace("-", "x").replace("_", "y")


@dataclass
class ReferrerChat:
    desk: IntakeDesk
    sender: Sender
    texts: Texts
    codec: CallbackCodec
    directory: Directory
    #: Runs the desk's write transactions; on SQLite those of chats handled at once share
    #: one commit (``storage.group_commit``).
    writes: Writes = field(default_factory=OwnThreads)

    def _ui(self, lang: str, message: str, **params: object) -> str:
        return self.texts.gettext(lang, message, **params)

    async def start(self, inc: Incoming, staff: Staff) -> None:
        """/new (or a referrer's /start): a new intake. During one, typing it asks first;
        the answer "start over" (a button) comes back here and replaces the open intake."""
        assert inc.chat_id is not None
        typed = inc.kind == "command" and inc.message_id is not None
        # The command itself goes with the intake's messages, like any other input.
        host: dict[str, Any] = {"token": new_token(), "seq": 0, "prompt": None,
                                "messages": [inc.message_id] if typed else []}
        turn = await self.writes.run(self.desk.start, inc.chat_id, staff, host,
                                       inc.update_id, not typed)
        if turn.refused and turn.session is not None:
            await self._ask_start_over(inc, turn.session)
            return
        lang = turn.session.referrer_lang if turn.session else staff.language
        async with _kept(lang):
            if turn.previous is not None:
                await self.sender.delete(inc.chat_id, _messages(turn.previous.host))
            await self._send(inc.chat_id, self._renderer(lang, host).render(turn.events),
                             host)

    async def _ask_start_over(self, inc: Incoming, session: Session) -> None:
        """/new typed during an intake: ask before its answers are thrown away. The buttons
        carry the intake's token and step, so they lapse once the intake moves on."""
        assert inc.chat_id is not None
        host, lang = session.host, session.referrer_lang
        token, seq = str(host.get("token", "")), int(host.get("seq", 0))

        def button(label: str, value: str) -> Button:
            return Button(self._ui(lang, label), self.codec.encode(
                Callback("a", token, seq, value)))

        asked = await self.sender.send(inc.chat_id, self._ui(lang, N_(
            "An intake is in progress. Start a new one? The answers given so far will be "
            "erased.")), [(button(N_("Start a new intake"), START_OVER),
                           button(N_("Continue this one"), KEEP_GOING))])
        # The command and the question are deleted with the intake's other messages.
        await self.writes.run(self.desk.remember, inc.chat_id, {"messages": [
            *host.get("messages", []), *([inc.message_id] if inc.message_id else []), asked]})

    async def _start_over_answer(self, inc: Incoming, staff: Staff,
                                 callback: Callback) -> None:
        assert inc.chat_id is not None
        session = await asyncio.to_thread(self.desk.current, inc.chat_id)
        if session is None or callback.token != session.host.get("token") or \
                callback.seq != session.host.get("seq"):
            await self._out_of_date(inc, session.referrer_lang if session else staff.language)
            return
        await self.sender.answer(inc.callback_id)
        if callback.value == START_OVER:
            await self.start(inc, staff)  # a button: the open intake is replaced
        elif inc.message_id is not None:  # keep going: the question above still stands
            await self.sender.delete(inc.chat_id, [inc.message_id])

    async def command(self, inc: Incoming, staff: Staff) -> None:
        assert inc.chat_id is not None and inc.command is not None
        given = Command(ENGINE_COMMANDS[inc.command], inc.arg)  # type: ignore[arg-type]
        if given.name == "urgent" and \
                await asyncio.to_thread(self.desk.current, inc.chat_id) is None:
            # Danger now and no intake open: one is started (it records the update) and
            # its urgent screen shown at once, the referrer's hub's contacts first.
            await self.start(inc, staff)
            await self._step(inc, staff, given, user_message=None, record=False)
            return
        await self._step(inc, staff, given, user_message=inc.message_id)

    def languages(self) -> tuple[str, ...]:
        """The languages a referrer may choose: those of the entry flow."""
        return tuple(self.desk.engine.library.current(self.desk.flow).flow.languages)

    async def language(self, inc: Incoming, staff: Staff, chosen: str | None) -> None:
        """/language: during an intake the engine changes it and asks the question again;
        outside one, the referrer is told. ``chosen`` is the valid code asked for, already
        remembered for the member by the channel, or None."""
        assert inc.chat_id is not None
        if await asyncio.to_thread(self.desk.current, inc.chat_id) is not None:
            await self._step(inc, staff, Command("language", chosen or inc.arg),
                             user_message=inc.message_id)
            return
        await self.sender.delete(inc.chat_id, [inc.message_id] if inc.message_id else [])
        if chosen is None:
            await self.sender.send(inc.chat_id, self._ui(staff.language, N_(
                "Available languages: %(codes)s. Send /language followed by one of them, "
                "for example /language %(example)s."), codes=", ".join(self.languages()),
                example=next((c for c in self.languages() if c != staff.language), "en")))
            return
        said = self._ui(chosen, N_(
            "Your language is now %(name)s, for this and your next intakes."),
            name=language_name(chosen))
        if not self.texts.reviewed(chosen):  # a draft catalog: say so where it is chosen
            said += "\n\n" + self._ui(chosen, DRAFT_NOTE)
        await self.sender.send(inc.chat_id, said)

    async def text(self, inc: Incoming, staff: Staff) -> None:
        await self._step(inc, staff, Text(inc.text or ""), user_message=inc.message_id)

    async def button(self, inc: Incoming, staff: Staff) -> None:
        assert inc.chat_id is not None
        try:
            callback = self.codec.decode(inc.callback_data)
        except BadCallback:
            await self.sender.answer(inc.callback_id, self._ui(
                await self._language(inc.chat_id, staff), N_("This button is not valid.")))
            return
        if callback.kind != "a":
            await self._out_of_date(inc, await self._language(inc.chat_id, staff))
            return
        if callback.value in (START_OVER, KEEP_GOING):
            await self._start_over_answer(inc, staff, callback)
            return

        def fresh(session: Session) -> bool:
            host = session.host
            return callback.token == host.get("token") and callback.seq == host.get("seq")

        given: Input = Command("back") if callback.value == BACK else Choice(callback.value)
        await self._step(inc, staff, given, user_message=None, accept=fresh)

    async def forget(self, inc: Incoming, staff: Staff) -> None:
        assert inc.chat_id is not None
        old = await self.writes.run(self.desk.forget, inc.chat_id, inc.update_id)
        ids = _messages(old.host) if old else []
        await self.sender.delete(inc.chat_id, [*ids, *([inc.message_id] if inc.message_id
                                                       else [])])
        await self.sender.send(inc.chat_id, self._ui(staff.language, N_(
            "The intake in progress was erased, with its messages.") if old else N_(
            "There was no intake in progress.")))

    async def expired(self, chat_id: int, session: Session) -> None:
        """Tell the referrer an idle intake was closed. Urgent notes it already sent are not
        withdrawn: they stay with the agencies that received them, under their case codes,
        so the referrer is never told that nothing was kept."""
        await self.sender.delete(chat_id, _messages(session.host))
        lang = session.referrer_lang
        if session.codes:
            text = self._ui(lang, N_(
                "The intake was closed after a period without activity. The referrals "
                "already sent stay with the agencies that received them (case codes: "
                "%(codes)s); nothing else was kept. Send /new to start again."),
                codes=", ".join(session.codes))
        else:
            text = self._ui(lang, N_(
                "The intake was closed after a period without activity. Nothing was kept. "
                "Send /new to start again."))
        await self.sender.send(chat_id, text)

    async def _language(self, chat_id: int, staff: Staff) -> str:
        """The referrer's language in this chat (/language may have changed it)."""
        session = await asyncio.to_thread(self.desk.current, chat_id)
        return session.referrer_lang if session else staff.language

    async def _out_of_date(self, inc: Incoming, lang: str) -> None:
        await self.sender.answer(inc.callback_id, self._ui(lang, N_(
            "This button is out of date. Use the latest question.")))

    def _renderer(self, lang: str, host: dict[str, Any]) -> Renderer:
        return Renderer(self.texts, self.codec, self.directory, lang, str(host["token"]),
                        int(host["seq"]))

    async def _step(self, inc: Incoming, staff: Staff, given: Input,
                    user_message: int | None, accept: Accept | None = None,
                    record: bool = True) -> None:
        """One engine step in one transaction, then the replies. ``record=False``: the
        update was recorded already, by the step before it that it follows.

        The rendering and the bookkeeping (button step, which answer to delete, whether the
        prompt is edited in place) are decided inside the step's transaction, so the common
        case, a button that edits its own question, costs one transaction.
        """
        assert inc.chat_id is not None
        chat = inc.chat_id
        plan = _Plan()

        def bookkeep(before: Session, turn: Turn) -> dict[str, Any]:
            host = dict(before.host)
            if user_message is not None:
                if host.get("sensitive"):
                    plan.delete = [user_message]
                else:
                    host["messages"] = [*host.get("messages", []), user_message]
            host["seq"] = int(host.get("seq", 0)) + 1
            plan.lang = turn.session.referrer_lang if turn.session else staff.language
            plan.outgoing = self._renderer(plan.lang, host).render(turn.events)
            prompts = [m for m in plan.outgoing if m.prompt]
            if prompts:
                host["sensitive"] = prompts[-1].sensitive_reply
            plan.in_place = (user_message is None and len(plan.outgoing) == 1
                             and plan.outgoing[0].prompt and inc.message_id is not None
                             and host.get("prompt") == inc.message_id)
            plan.host = host
            return host

        turn = await self.writes.run(self.desk.handle, chat, staff, given,
                                       update_id=inc.update_id if record else None,
                                       accept=accept, bookkeep=bookkeep)
        if turn.session is None or turn.refused:
            if inc.kind == "button":
                lang = turn.session.referrer_lang if turn.session else staff.language
                await self._out_of_date(inc, lang)
                if turn.session is not None:
                    await self._show_again(inc, turn.session)
            else:
                await self.sender.send(chat, self._ui(staff.language, _no_intake(staff)))
            return
        async with _kept(plan.lang):
            await self._replies(inc, turn, plan)

    async def _replies(self, inc: Incoming, turn: Turn, plan: _Plan) -> None:
        """What a saved step says: run after its transaction committed."""
        assert inc.chat_id is not None
        chat = inc.chat_id
        if inc.kind == "button":
            await self.sender.answer(inc.callback_id)
        await self.sender.delete(chat, plan.delete)
        host = plan.host
        if turn.ended is not None:
            await self._finish(chat, turn, plan)
            return
        prompt_id = host.get("prompt")
        if plan.in_place and await self.sender.edit(chat, int(prompt_id or 0),
                                                    plan.outgoing[0].text,
                                                    plan.outgoing[0].rows):
            return  # the bookkeeping was saved with the step
        if prompt_id:
            await self.sender.strip_buttons(chat, prompt_id)
        await self._send(chat, plan.outgoing, host)

    async def resume(self, chat: int, kept: StepKept) -> None:
        """After :class:`StepKept`: say the step was saved, and put the question the intake
        now stands at to the referrer again (its buttons are the current ones), or say the
        intake is over."""
        session = await asyncio.to_thread(self.desk.current, chat)
        if session is None:
            await self.sender.send(chat, self._ui(kept.lang, N_(
                "Your last step was saved and this intake is over, but its last message "
                "could not be sent. There is nothing to send again; /new starts another "
                "intake.")))
            return
        host, lang = dict(session.host), session.referrer_lang
        if host.get("prompt"):
            await self.sender.strip_buttons(chat, host["prompt"])
        note = await self.sender.send(chat, self._ui(lang, N_(
            "Your last step was saved, but the reply could not be sent. Continue from the "
            "question below.")))
        host["messages"] = [*host.get("messages", []), note]
        host["prompt"] = None
        await self._send(chat, self._renderer(lang, host).render(self.desk.show(session)),
                         host)

    async def _show_again(self, inc: Incoming, session: Session) -> None:
        """A stale press on the current question's own message means the screen shows an
        older state of it (a double tap, or a reply lost when the bot stopped between saving
        a step and sending it): put the question as it stands back on that message."""
        host = session.host
        if inc.chat_id is None or inc.message_id is None or host.get("prompt") != inc.message_id:
            return
        outgoing = self._renderer(session.referrer_lang, host).render(self.desk.show(session))
        if len(outgoing) == 1 and outgoing[0].prompt:
            await self.sender.edit(inc.chat_id, inc.message_id, outgoing[0].text,
                                   outgoing[0].rows)

    async def _send(self, chat: int, outgoing: list[Outgoing], host: dict[str, Any]) -> None:
        """Send new messages and remember their ids, so they can be deleted at the end."""
        sent: list[int] = []
        for message in outgoing:
            message_id = await self.sender.send(chat, message.text, message.rows)
            sent.append(message_id)
            if message.prompt:
                host["prompt"] = message_id
        host["messages"] = [*host.get("messages", []), *sent]
        await self.writes.run(self.desk.remember, chat, {
            "prompt": host.get("prompt"), "messages": host["messages"]})

    async def _finish(self, chat: int, turn: Turn, plan: _Plan) -> None:
        """Delete the intake's messages; one summary with the case code stays."""
        assert turn.ended is not None
        await self.sender.delete(chat, _messages(plan.host))
        text = summary(self.texts, plan.lang, turn.ended, turn.codes)
        if turn.unrouted:
            text += "\n" + self._ui(plan.lang, N_("The referral could not be routed "
                                                  "automatically (%(reason)s); the "
                                                  "coordinators are told."),
                                    reason=turn.unrouted)
        # The summary and the flow's last words, as the one message that stays. On /cancel
        # the engine's words ("Cancelled. Nothing was kept.") only repeat the summary, which
        # also keeps any case code and says how to start again.
        last = [] if turn.ended.reason == "cancel" else \
            [m.text for m in plan.outgoing if not m.prompt]
        if turn.needs and turn.hub:  # no referral: where the person can go instead
            last.append(services_text(self.texts, self.directory, turn.hub, turn.needs,
                                      plan.lang))
        await self.sender.send(chat, "\n\n".join([text, *last]))

    async def services(self, inc: Incoming, staff: Staff) -> None:
        """/services [need]: the hub's entry points for one case type; without one, for the
        needs of the intake in progress, else for every case type."""
        assert inc.chat_id is not None
        session = await asyncio.to_thread(self.desk.current, inc.chat_id)
        lang = session.referrer_lang if session else staff.language
        answered = session.answers.get("hub") if session else None
        hub = answered if isinstance(answered, str) else staff.hub
        wanted = case_type_of(self.texts, lang, inc.arg) if inc.arg else None
        if inc.arg and wanted is None:
            await self.sender.send(inc.chat_id, self._ui(lang, N_(
                "Unknown need. Send /services alone for every service of your hub.")))
            return
        if hub is None:
            await self.sender.send(inc.chat_id, self._ui(lang, N_(
                "Your hub is not known yet: start an intake with /new and choose the hub.")))
            return
        needs = self.desk.needs_of(session) if session and not session.ended else ()
        await self.sender.send(inc.chat_id, services_text(
            self.texts, self.directory, hub, [wanted] if wanted else needs or CASE_TYPES,
            lang))


class StepKept(Exception):
    """The step's transaction committed, then its replies failed (``__cause__``): trying
    again would not repeat it but answer the next question, so the channel says it was kept
    (:meth:`ReferrerChat.resume`) instead of asking the person to try again."""

    def __init__(self, lang: str) -> None:
        super().__init__("the step was saved; its replies failed")
        self.lang = lang


@asynccontextmanager
async def _kept(lang: str) -> AsyncIterator[None]:
    """Replies after a committed step: a failure among them is raised as :class:`StepKept`
    (a person who blocked the bot is left to the channel as before)."""
    try:
        yield
    except Unreachable:
        raise
    except Exception as error:
        raise StepKept(lang) from error


@dataclass
class _Plan:
    """What the bookkeeping decided inside the step's transaction, for the replies after."""

    lang: str = "en"
    outgoing: list[Outgoing] = field(default_factory=list)
    in_place: bool = False
    delete: list[int] = field(default_factory=list)
    host: dict[str, Any] = field(default_factory=dict)


def _no_intake(staff: Staff) -> str:
    """What typing outside an intake is told: a focal point's help never offers /new (their
    work arrives as cards), so they are pointed to /inbox; everyone else to /new."""
    if staff.role == "focal_point":
        return N_("No intake is open. Referrals for your agency arrive here as cards; send "
                  "/inbox to list the open ones.")
    return N_("No intake is open. Send /new to start one.")


def _messages(host: dict[str, Any]) -> list[int]:
    ids = list(host.get("messages", []))
    if host.get("prompt"):
        ids.append(host["prompt"])
    return [int(i) for i in ids]
