"""The worker loop inside the bot process: take back cards and reveals whose time has come,
deliver queued messages, run the escalation checks, close idle intakes, purge personal
data past its retention time (once per ``INTAKE_PURGE_HOURS``). Safe in several
processes: rows are claimed, not read.

Taking a message back means deleting it while Telegram allows a bot to (48 hours after it
was sent; :data:`DELETABLE` keeps a margin), else editing it to a text that says the data
was removed. A reveal's self-delete, erasure (``intake erase``, the purge) and revoking a
focal point all come here, written down by whoever decided them (the CLI included, which
cannot reach Telegram itself).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.i18n.texts import N_, Texts
from bot.ports import (
    BLOCKED,
    DELETED,
    EDITED,
    ERASED_REASON,
    GONE,
    REVEAL_MESSAGE,
    REVOKED_REASON,
    PurgeReport,
    SentMessage,
    Staff,
    StaffStore,
)
from bot.service import outbox
from bot.service.dispatch import Delivery, Dispatcher
from bot.service.intake import IntakeDesk
from bot.service.retention import PurgeSchedule
from bot.telegram.cardview import CASE_ENDED, case_deadline_line, clock_line
from bot.telegram.focal import CASE_TYPES, STATUS_NAMES, FocalChat
from bot.telegram.pacing import background
from bot.telegram.referrer import ReferrerChat
from bot.telegram.sender import Sender, Unreachable

log = logging.getLogger("intake.worker")
#: Telegram lets a bot delete a message for 48 hours; later ones are edited instead. The
#: hour of margin covers the time between Telegram's stamp and ours.
DELETABLE = timedelta(hours=47)
#: How often a message in the chat of a member who blocked the bot is tried again: should
#: they unblock it, the message is taken back then.
BLOCKED_RETRY = timedelta(hours=6)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Worker:
    dispatcher: Dispatcher
    intake: IntakeDesk
    staff: StaffStore
    referrer: ReferrerChat
    focal: FocalChat
    sender: Sender
    texts: Texts
    name: str = ""
    #: The retention purge on the bot's schedule; None: not this worker's job.
    purges: PurgeSchedule | None = None

    async def tick(self) -> int:
        """One round; returns how many messages were delivered. The purge comes last, after
        idle intakes were closed and their referrers told (the purge deletes silently)."""
        await self.take_back()
        deliveries = await asyncio.to_thread(self.dispatcher.claim, self.name or worker_name())
        await self.deliver_all(deliveries)
        for chat_id, session in await asyncio.to_thread(self.intake.expire):
            try:
                await self.referrer.expired(chat_id, session)
            except Unreachable:
                log.info("expired_unreachable")
        await self.purge()
        return len(deliveries)

    async def purge(self) -> PurgeReport | None:
        """Run the retention purge if it is due (``bot.service.retention``): None when not.
        Only the counts are logged."""
        if self.purges is None:
            return None
        report = await asyncio.to_thread(self.purges.run_if_due, self.name or worker_name())
        if report is not None:
            log.info("retention_purged", extra={"referrals": report.referrals,
                                                "conversations": report.conversations,
                                                "update_ids": report.update_ids,
                                                "messages": report.messages})
        return report

    async def take_back(self) -> int:
        """Delete (or edit) the cards and reveals whose time has come; returns how many. One
        that fails for another reason (the network) stays claimed and is tried again when
        its claim lapses; the others, and the round's deliveries, go on.

        One in the chat of a member who blocked the bot is still there: it is not done. It
        stays pending, is tried again every :data:`BLOCKED_RETRY`, and the first time the
        coordinators of the referral's hub are asked to have it deleted."""
        messages = self.focal.messages
        now = self.dispatcher.clock.now()
        due = await asyncio.to_thread(messages.claim_due, self.name or worker_name(), now)
        done = 0
        for message in due:
            try:
                outcome = await self._take_back(message, now)
                if outcome == BLOCKED:
                    first, staff_id = await asyncio.to_thread(
                        messages.blocked, message.id,
                        self.dispatcher.clock.now() + BLOCKED_RETRY)
                    if first:
                        await self._still_in_chat(message, staff_id)
                    continue
            except Exception as error:
                log.warning("take_back_failed", extra={"error": type(error).__name__})
                continue
            await asyncio.to_thread(messages.done, message.id, outcome,
                                    self.dispatcher.clock.now())
            done += 1
        if done:
            log.info("messages_taken_back", extra={"messages": done})
        return done

    async def _take_back(self, message: SentMessage, now: datetime) -> str:
        chat, message_id = message.chat_id, message.message_id
        try:
            if now - message.sent_at < DELETABLE and \
                    await self.sender.delete_one(chat, message_id):
                return DELETED
            if await self.sender.edit(chat, message_id, self._removed(message)):
                return EDITED
            return GONE
        except Unreachable:
            return BLOCKED

    async def _still_in_chat(self, message: SentMessage, staff_id: int | None) -> None:
        """Ask the coordinators of the referral's hub (else every coordinator) to have a
        message the bot could not take back deleted by hand."""
        record = await asyncio.to_thread(self.dispatcher.referrals.get, message.code)
        coordinators = await asyncio.to_thread(self.dispatcher.coordinators, record)
        log.warning("take_back_blocked", extra={"coordinators": len(coordinators)})
        for coordinator in coordinators:
            chat = await asyncio.to_thread(self.staff.telegram_id, coordinator.id)
            text = self.texts.gettext(coordinator.language, N_(
                "Referral %(code)s: a message with its personal data could not be removed "
                "from the chat of staff member %(id)s, who blocked the bot. The bot tries "
                "again every few hours; meanwhile, ask them to delete it."),
                code=message.code, id=staff_id if staff_id is not None else "?")
            try:
                await self.sender.send(chat, text)
            except Unreachable:
                log.info("coordinator_unreachable")

    def _removed(self, message: SentMessage) -> str:
        """What a message too old to delete is edited to, in the member's language."""
        ui, lang, code = self.texts.gettext, message.language, message.code
        if message.reason == ERASED_REASON:
            return ui(lang, N_("Referral %(code)s: its personal data was erased and removed "
                               "from this chat."), code=code)
        if message.reason == REVOKED_REASON:
            return ui(lang, N_("Referral %(code)s: removed from this chat (your access was "
                               "revoked)."), code=code)
        if message.kind == REVEAL_MESSAGE:
            return ui(lang, N_("Contact for %(code)s: removed."), code=code)
        return ui(lang, N_("Referral %(code)s: removed from this chat."), code=code)

    async def run(self, interval: float, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                with background():  # paced per chat; replies to people go first
                    await self.tick()
            except Exception as error:  # the loop must outlive any one failure
                log.error("worker_tick_failed", extra={"error": type(error).__name__})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)

    async def deliver_all(self, deliveries: list[Delivery]) -> None:
        """Deliver a round's messages: those to the same people one after another, in the
        order claimed, and the others side by side, so that per-chat pacing holding a run
        of cards to one focal point holds no one else's. One that fails is logged and
        tried again when its claim lapses; the others go on."""
        lanes: dict[tuple[int, ...], list[Delivery]] = {}
        for delivery in deliveries:
            lanes.setdefault(tuple(m.id for m in delivery.recipients), []).append(delivery)

        async def lane(queued: list[Delivery]) -> None:
            for delivery in queued:
                try:
                    await self.deliver(delivery)
                except Exception as error:
                    log.warning("delivery_failed", extra={"kind": delivery.kind,
                                                          "error": type(error).__name__})

        await asyncio.gather(*(lane(queued) for queued in lanes.values()))

    async def deliver(self, delivery: Delivery) -> None:
        if not delivery.recipients and delivery.kind in outbox.ERASURE_NOTICES:
            # No focal point and no coordinator: the notice waits (its claim lapses and it
            # is tried again) rather than count as delivered to no one.
            log.warning("notice_without_recipient", extra={"kind": delivery.kind})
            return
        reached = 0
        for member in delivery.recipients:
            chat = await asyncio.to_thread(self.staff.telegram_id, member.id)
            try:
                await self._send(chat, member, delivery)
                reached += 1
            except Unreachable:
                coordinators = await asyncio.to_thread(self.dispatcher.unreachable, member)
                await self._tell_coordinators(coordinators, member)
        if not reached and delivery.agency is not None and delivery.instead_of is None:
            # Every focal point of the agency blocked the bot: its coordinators are asked
            # to pass the erasure on, as for an agency with no focal point.
            assert delivery.record is not None
            instead = await asyncio.to_thread(self.dispatcher.coordinators, delivery.record)
            await self.deliver(replace(delivery, recipients=instead,
                                       instead_of=delivery.agency))
            return
        await asyncio.to_thread(self.dispatcher.sent, delivery)
        log.info("delivered", extra={"kind": delivery.kind,
                                     "recipients": len(delivery.recipients)})

    async def _send(self, chat: int, member: Staff, delivery: Delivery) -> None:
        record, lang = delivery.record, member.language
        assert record is not None
        ui = self.texts.gettext
        if delivery.kind == outbox.CARD:
            await self.focal.send_card(chat, record, member)
        elif delivery.kind == outbox.STATUS:
            status = delivery.status or record.status
            notice = ui(lang, N_("Referral %(code)s: %(status)s."), code=record.code,
                        status=ui(lang, STATUS_NAMES.get(status, status)))
            if status not in CASE_ENDED:  # a closed case has no deadline left to meet
                notice += "\n" + case_deadline_line(self.texts, lang, record)
            await self.sender.send(chat, notice)
        elif delivery.kind == "reminder":
            clock = clock_line(self.texts, lang, record)
            await self.sender.send(chat, "\n".join([ui(lang, N_(
                "Reminder: referral %(code)s is waiting for your agency. Send /inbox."),
                code=record.code), *([clock] if clock else []),
                case_deadline_line(self.texts, lang, record)]))
        elif delivery.kind == outbox.UNROUTED:
            await self.sender.send(chat, ui(lang, N_(
                "Referral %(code)s (%(type)s) could not be routed automatically. Please "
                "assign it to an agency."), code=record.code, type=ui(lang, CASE_TYPES.get(
                    record.case_type, record.case_type))))
        elif delivery.kind in outbox.ERASURE_NOTICES:
            await self.sender.send(chat, self._erasure_notice(delivery, lang))

    def _erasure_notice(self, delivery: Delivery, lang: str) -> str:
        ui, record = self.texts.gettext, delivery.record
        assert record is not None
        code, kind = record.code, delivery.kind
        if kind == outbox.ERASED_REFERRER:
            return ui(lang, N_("Consent for referral %(code)s was withdrawn: its personal data "
                               "is erased, and every agency that received it is told."),
                      code=code)
        if kind == outbox.PURGED_REFERRER:
            return ui(lang, N_("Referral %(code)s reached the end of its retention period: "
                               "its personal data is erased."), code=code)
        if delivery.instead_of is None:
            if kind == outbox.ERASED:
                return ui(lang, N_("Consent for referral %(code)s was withdrawn: its personal "
                                   "data is erased. Delete any copy you hold."), code=code)
            return ui(lang, N_("Referral %(code)s reached the end of its retention period: "
                               "its personal data is erased. Delete any copy you hold."),
                      code=code)
        known = self.focal.directory.agencies.get(delivery.instead_of)
        agency = known.name(lang) if known else delivery.instead_of
        if kind == outbox.ERASED:
            return ui(lang, N_("Consent for referral %(code)s was withdrawn: its personal "
                               "data is erased. No focal point of %(agency)s can be reached "
                               "on the bot: ask them to delete any copy they hold."),
                      code=code, agency=agency)
        return ui(lang, N_("Referral %(code)s reached the end of its retention period: its "
                           "personal data is erased. No focal point of %(agency)s can be "
                           "reached on the bot: ask them to delete any copy they hold."),
                  code=code, agency=agency)

    async def _tell_coordinators(self, coordinators: list[Staff], member: Staff) -> None:
        for coordinator in coordinators:
            chat = await asyncio.to_thread(self.staff.telegram_id, coordinator.id)
            try:
                await self.sender.send(chat, self.texts.gettext(
                    coordinator.language, N_("Staff member %(id)s cannot be reached on "
                                             "Telegram (the bot was blocked)."), id=member.id))
            except Unreachable:
                log.info("coordinator_unreachable")
