"""The channel: every update enters here, is read once, checked, and handed to the side of
the conversation it belongs to. Conversation logic lives in the services, not here.

Order and duplicates: updates of one chat run one after another (a lock per chat in this
process, and one in the database across processes); different chats run concurrently. An
update id seen before is ignored, so a redelivered update changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass, field, replace

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeout
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.console.sessions import CONSOLE_HELP, ConsoleSignIn
from bot.i18n.texts import N_, Texts
from bot.ports import AuditLog, ChatLocks, Clock, Staff, StaffStore, UpdateLedger
from bot.service.intake import Duplicate
from bot.service.invites import InviteDesk
from bot.service.staffcache import Miss, StaffCache
from bot.telegram.focal import FocalChat
from bot.telegram.incoming import Incoming, read
from bot.telegram.referrer import ENGINE_COMMANDS, ReferrerChat, StepKept
from bot.telegram.sender import Sender, Unreachable

log = logging.getLogger("intake.telegram")
#: Tries for a chat held by another process: about a minute in all.
LOCK_ATTEMPTS = 150
#: Seconds before an update whose database connection was lost is handled once more. It
#: rides over one dropped connection; a server that is restarting is still down by then, and
#: the person is told to try again.
RETRY_PAUSE = 0.2


class LockTimeout(RuntimeError):
    """Another process held this chat for too long."""

HELP = N_("This bot guides a safe referral. /new starts an intake, /back goes one step back, "
          "/cancel stops and keeps nothing, /urgent shows emergency contacts, /language ar "
          "changes your language, /forget erases the intake in progress, /services lists "
          "where people can go in your hub. Never type the story of what happened.")
FOCAL_HELP = N_("Referrals for your agency arrive here as cards. /inbox lists the open ones.")


@dataclass
class Channel:
    staff: StaffStore
    ledger: UpdateLedger
    audit: AuditLog
    clock: Clock
    invites: InviteDesk
    referrer: ReferrerChat
    focal: FocalChat
    sender: Sender
    texts: Texts
    chat_locks: ChatLocks
    known: StaffCache = field(default_factory=StaffCache)
    locks: dict[int, asyncio.Lock] = field(default_factory=lambda: defaultdict(asyncio.Lock))
    #: Updates holding or waiting for each chat's lock, so idle chats' locks are dropped.
    users: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    #: Makes the web console's sign-in links (/console); None: the command is unknown.
    console: ConsoleSignIn | None = None

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        inc = read(update)
        if inc.chat_id is None or not inc.private or inc.user_id is None:
            return  # groups and channels: nothing is read, stored or answered
        chat = inc.chat_id
        self.users[chat] += 1
        try:
            async with self.locks[chat]:
                await self._locked(inc)
        finally:
            self.users[chat] -= 1
            if not self.users[chat]:
                del self.users[chat], self.locks[chat]

    async def _locked(self, inc: Incoming) -> None:
        assert inc.chat_id is not None
        attempt = _Attempt(self.sender.posted())
        try:
            try:
                await self._hold(inc, attempt)
            except DBAPIError as error:
                if not (error.connection_invalidated and attempt.retryable(self.sender)):
                    raise
                # A connection lost mid-update (a dropped connection, a failover): the pool
                # has discarded it, so the next is fresh. Nothing was sent yet, and the intake
                # desk records the update id in its step's transaction: handling the update
                # again is what the person would do by sending it again.
                log.warning("database_connection_lost_retrying")
                await asyncio.sleep(RETRY_PAUSE)
                await self._hold(inc, _Attempt(self.sender.posted(), retry=True))
        except StepKept as kept:
            # The step is saved: "try again" would answer the question after it. Say so,
            # show where the intake stands, and let the error handler log the failure's kind.
            await self._resume(inc, kept)
            raise kept.__cause__ or kept from None
        except (DBAPIError, SQLAlchemyTimeout, LockTimeout, _LostReply):
            # Every change is transactional, so nothing half-done stays behind: the person
            # only has to send the same thing again once the database is back.
            log.error("database_unavailable")
            await self._refused(inc, N_("The service cannot reach its database right now. "
                                        "Nothing was lost: please try again in a minute."))
        except Exception:
            # A fault of ours: the person is not left waiting in silence, and the error
            # still reaches the application's error handler, which logs its kind.
            await self._refused(inc, N_("Something went wrong on our side while handling "
                                        "this. Please try again; if it happens again, tell "
                                        "your coordinator."))
            raise

    async def _refused(self, inc: Incoming, message: str) -> None:
        """Tell the person their update could not be handled (best effort: Telegram may be
        what failed)."""
        assert inc.chat_id is not None
        try:
            if inc.kind == "text" and inc.message_id is not None:
                # What was typed could not be stored, and may be personal: it does not stay
                # in the chat either way (the person sends it again).
                await self.sender.delete(inc.chat_id, [inc.message_id])
            await self.sender.send(inc.chat_id, self.texts.gettext(inc.language or "en",
                                                                   message))
        except (TelegramError, Unreachable):
            log.info("refusal_not_delivered")

    async def _resume(self, inc: Incoming, kept: StepKept) -> None:
        """Best effort, like :meth:`_refused`: Telegram or the database may still be down."""
        assert inc.chat_id is not None
        try:
            if inc.kind == "text" and inc.message_id is not None:
                # A sensitive answer's deletion may be what failed: it does not stay.
                await self.sender.delete(inc.chat_id, [inc.message_id])
            await self.referrer.resume(inc.chat_id, kept)
        except Exception as error:  # the original failure is still raised and logged
            log.info("resume_not_delivered", extra={"error": type(error).__name__})
            # The intake cannot be read (the database went too): still, never "try again".
            try:
                await self.sender.send(inc.chat_id, self.texts.gettext(kept.lang, N_(
                    "Your last step was saved, but the reply could not be sent, so do not "
                    "send it again. In a minute, send /back to go one step back and see "
                    "that question again.")))
            except (TelegramError, Unreachable):
                log.info("refusal_not_delivered")

    async def _hold(self, inc: Incoming, attempt: _Attempt) -> None:
        assert inc.chat_id is not None
        held = await self._acquire(inc.chat_id) if self.chat_locks.shared else None
        try:
            with self.chat_locks.bound(held):
                await self._route(inc, attempt)
        except Duplicate:
            if attempt.retry:
                # The first try's step did commit (the connection went during COMMIT), but
                # its replies were never sent: say so, as for an outage, so the person
                # presses or sends again and the current question comes back.
                raise _LostReply from None
            log.info("duplicate_update")
        except Unreachable:
            log.info("unreachable_during_reply")
        finally:
            if held is not None:
                await asyncio.to_thread(self.chat_locks.release, held)

    async def _acquire(self, chat_id: int) -> object:
        """Wait for the chat's database lock without holding a thread while waiting."""
        for attempt in range(LOCK_ATTEMPTS):
            held = await asyncio.to_thread(self.chat_locks.try_acquire, chat_id)
            if held != "busy":
                return held
            await asyncio.sleep(min(0.02 * (attempt + 1), 0.5))
        raise LockTimeout(chat_id)

    async def _staff(self, user_id: int) -> Staff | None:
        staff = self.known.get(user_id)
        if isinstance(staff, Miss):
            staff = await asyncio.to_thread(self.staff.by_telegram, user_id)
            self.known.put(user_id, staff)
        return staff

    async def _route(self, inc: Incoming, attempt: _Attempt) -> None:
        assert inc.chat_id is not None and inc.user_id is not None
        staff = await self._staff(inc.user_id)
        enrolling = inc.kind == "command" and inc.command == "start" and bool(inc.arg)
        if not enrolling and staff is not None and staff.active and _intake_input(inc, staff):
            # The intake desk records the update inside the transaction of its step.
            attempt.idempotent = True
            await self._intake(inc, staff)
            return
        if await asyncio.to_thread(self.ledger.seen, inc.update_id):
            raise Duplicate(inc.update_id)
        if enrolling:
            await self._enrol(inc, staff)
        elif staff is None or not staff.active:
            await asyncio.to_thread(self.audit.record, "stranger", "refused_stranger", None,
                                    self.clock.now())
            refusal = self.texts.gettext(inc.language or "en", N_(
                "This is a private service for enrolled staff."))
            if inc.kind == "button":  # answered, so their client stops waiting on it
                await self.sender.answer(inc.callback_id, refusal)
            else:
                await self.sender.send(inc.chat_id, refusal)
        else:
            await self._other(inc, staff)
        await asyncio.to_thread(self.ledger.first_time, inc.update_id, self.clock.now())

    async def _enrol(self, inc: Incoming, staff: Staff | None) -> None:
        assert inc.chat_id is not None and inc.user_id is not None and inc.arg
        lang = staff.language if staff else (inc.language or "en")[:2]
        enrolled = await asyncio.to_thread(self.invites.redeem, inc.arg, inc.user_id, lang)
        self.known.forget(inc.user_id)
        # The code is spent or worthless either way: it does not stay in the chat.
        await self.sender.delete(inc.chat_id, [inc.message_id] if inc.message_id else [])
        if enrolled is None:
            await self.sender.send(inc.chat_id, self.texts.gettext(lang, N_(
                "This is a private service for enrolled staff.")))
            return
        await self.sender.send(inc.chat_id, self.texts.gettext(
            enrolled.language, N_("Welcome. You are enrolled.")) + "\n" +
            self.texts.gettext(enrolled.language, FOCAL_HELP if enrolled.role ==
                               "focal_point" else HELP))
        if enrolled.role == "focal_point":  # what reached the agency before they enrolled
            await self.focal.push_waiting(inc.chat_id, enrolled)

    async def _intake(self, inc: Incoming, staff: Staff) -> None:
        """The referrer's conversation: buttons, answers and the commands that steer it."""
        if inc.kind == "button":
            await self.referrer.button(inc, staff)
        elif inc.kind == "text":
            await self.referrer.text(inc, staff)
        elif inc.command in ("new", "start"):
            await self.referrer.start(inc, staff)
        elif inc.command == "forget":
            await self.referrer.forget(inc, staff)
        elif inc.command == "language":
            await self._language(inc, staff)
        else:
            await self.referrer.command(inc, staff)

    async def _language(self, inc: Incoming, staff: Staff) -> None:
        """/language CODE is remembered for the member (their next intakes, the bot's other
        messages), then carried out in the chat, inside an intake or not."""
        assert inc.user_id is not None
        asked = (inc.arg or "").strip().lower()
        chosen = asked if asked in self.referrer.languages() else None
        if chosen is not None and chosen != staff.language:
            await asyncio.to_thread(self.staff.set_language, staff.id, chosen)
            self.known.forget(inc.user_id)
            staff = replace(staff, language=chosen)
        await self.referrer.language(inc, staff, chosen)

    async def _other(self, inc: Incoming, staff: Staff) -> None:
        assert inc.chat_id is not None
        lang = staff.language
        if inc.kind == "button":
            await self.focal.button(inc, staff)
        elif inc.kind == "media":
            await self.sender.delete(inc.chat_id, [inc.message_id] if inc.message_id else [])
            await self.sender.send(inc.chat_id, self.texts.gettext(lang, N_(
                "Photos, voice messages, files and stickers are not accepted here. "
                "Nothing was stored.")))
        elif inc.kind != "command":
            return  # edited messages and anything else: nothing to do
        elif inc.command == "start":  # a focal point's /start
            await self.sender.send(inc.chat_id, self.texts.gettext(lang, FOCAL_HELP))
        elif inc.command == "inbox":
            await self.focal.inbox(inc, staff)
        elif inc.command == "services":
            await self.referrer.services(inc, staff)
        elif inc.command == "console" and self.console is not None:
            reply = await asyncio.to_thread(self.console.bot_reply, staff, self.texts)
            await self.sender.send(inc.chat_id, reply, preview=False)  # a preview would open it
        elif inc.command == "help":
            text = self.texts.gettext(lang, FOCAL_HELP if staff.role == "focal_point" else HELP)
            if staff.role == "coordinator" and self.console is not None:
                text += "\n" + self.texts.gettext(lang, CONSOLE_HELP)
            await self.sender.send(inc.chat_id, text)
        else:
            await self.sender.send(inc.chat_id, self.texts.gettext(lang, N_(
                "Unknown command. Send /help for the list.")))


@dataclass
class _Attempt:
    """One try at handling an update: what decides whether it may be tried again."""

    posted: int  # the sender's count of Bot API calls in this task when the try began
    retry: bool = False
    #: The update went to the intake desk, which records it in its step's transaction (the
    #: other paths act, reply, and record the update after).
    idempotent: bool = False

    def retryable(self, sender: Sender) -> bool:
        """Only a first try of an intake input that has sent nothing: trying again can then
        neither repeat a reply nor an action."""
        return not self.retry and self.idempotent and sender.posted() == self.posted


class _LostReply(Exception):
    """A retried update found its step already done: the first try's replies were lost."""


#: Commands that belong to the referrer's conversation.
INTAKE_COMMANDS = frozenset({"new", "start", "forget", *ENGINE_COMMANDS})


def _intake_input(inc: Incoming, staff: Staff) -> bool:
    """Whether the update is handled by the intake desk (which records it itself)."""
    if inc.kind == "button":
        return not (inc.callback_data or "").startswith("r.")
    if inc.kind == "text":
        return True
    if inc.kind == "command":
        return inc.command in INTAKE_COMMANDS and not (
            inc.command == "start" and staff.role == "focal_point")
    return False
