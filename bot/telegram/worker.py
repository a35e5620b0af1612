"""The worker loop inside the bot process: deliver queued messages, run the escalation
checks, close idle intakes, purge personal data past its retention time (once per
``INTAKE_PURGE_HOURS``). Safe in several processes: rows are claimed, not read."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from dataclasses import dataclass

from bot.i18n.texts import N_, Texts
from bot.ports import PurgeReport, Staff, StaffStore
from bot.service import outbox
from bot.service.dispatch import Delivery, Dispatcher
from bot.service.intake import IntakeDesk
from bot.service.retention import PurgeSchedule
from bot.telegram.cardview import case_deadline_line, clock_line
from bot.telegram.focal import CASE_TYPES, STATUS_NAMES, FocalChat
from bot.telegram.referrer import ReferrerChat
from bot.telegram.sender import Sender, Unreachable

log = logging.getLogger("intake.worker")


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
        deliveries = await asyncio.to_thread(self.dispatcher.claim, self.name or worker_name())
        for delivery in deliveries:
            await self.deliver(delivery)
        for chat_id, session in await asyncio.to_thread(self.intake.expire):
            try:
                await self.referrer.expired(chat_id, session.referrer_lang, session.host)
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
                                                "update_ids": report.update_ids})
        return report

    async def run(self, interval: float, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.tick()
            except Exception as error:  # the loop must outlive any one failure
                log.error("worker_tick_failed", extra={"error": type(error).__name__})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)

    async def deliver(self, delivery: Delivery) -> None:
        for member in delivery.recipients:
            chat = await asyncio.to_thread(self.staff.telegram_id, member.id)
            try:
                await self._send(chat, member, delivery)
            except Unreachable:
                coordinators = await asyncio.to_thread(self.dispatcher.unreachable, member)
                await self._tell_coordinators(coordinators, member)
        await asyncio.to_thread(self.dispatcher.sent, delivery)
        log.info("delivered", extra={"kind": delivery.kind,
                                     "recipients": len(delivery.recipients)})

    async def _send(self, chat: int, member: Staff, delivery: Delivery) -> None:
        record, lang = delivery.record, member.language
        assert record is not None
        ui = self.texts.gettext
        if delivery.kind == outbox.CARD:
            await self.focal.send_card(chat, record, lang)
        elif delivery.kind == outbox.STATUS:
            await self.sender.send(chat, ui(lang, N_("Referral %(code)s: %(status)s."),
                                            code=record.code,
                                            status=ui(lang, STATUS_NAMES.get(
                                                delivery.status or record.status,
                                                delivery.status or record.status)))
                                   + "\n" + case_deadline_line(self.texts, lang, record))
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
        elif delivery.kind == outbox.ERASED:
            await self.sender.send(chat, ui(lang, N_(
                "Consent for referral %(code)s was withdrawn: its personal data is erased. "
                "Delete any copy you hold."), code=record.code))

    async def _tell_coordinators(self, coordinators: list[Staff], member: Staff) -> None:
        for coordinator in coordinators:
            chat = await asyncio.to_thread(self.staff.telegram_id, coordinator.id)
            try:
                await self.sender.send(chat, self.texts.gettext(
                    coordinator.language, N_("Staff member %(id)s cannot be reached on "
                                             "Telegram (the bot was blocked)."), id=member.id))
            except Unreachable:
                log.info("coordinator_unreachable")
