"""The focal point's side: referral cards, the actions on them, and the inbox.

A card shows the envelope only. Contact details are released to the agency that accepted,
through an explicit "Reveal contact" that is audited, in a protected message that deletes
itself after a while.

Every card and reveal sent is recorded (``storage.agency_messages``): the reveal with the
time it deletes itself, which the worker honours (``bot.telegram.worker``), also after a
restart; erasure, the retention purge and revoking a member take the messages back.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from bot.directory.model import Directory
from bot.engine.rating import LEVEL_NAMES
from bot.flows.library import FlowLibrary
from bot.i18n.texts import N_, Texts, isolate
from bot.ports import AgencyMessages, NotFound, ReferralRecord, Staff
from bot.service.referrals import ReferralDesk, Refused
from bot.telegram.callbacks import BadCallback, Callback, CallbackCodec
from bot.telegram.cardview import consent_line, content_lines
from bot.telegram.incoming import Incoming
from bot.telegram.render import Button
from bot.telegram.sender import Sender

log = logging.getLogger("intake.telegram")

DECLINE_REASONS = {
    "capacity": N_("No capacity now"),
    "mandate": N_("Outside our mandate"),
    "area": N_("Not in our area"),
    "unreachable": N_("Person cannot be reached"),
}
CLOSE_OUTCOMES = {
    "served": N_("Services provided"),
    "referred_on": N_("Referred on to another service"),
    "declined_services": N_("Person declined services"),
    "lost_contact": N_("Contact lost"),
}
CASE_TYPES = {
    "protection": N_("protection"), "medical": N_("medical"), "legal": N_("legal"),
    "material_assistance": N_("material assistance"),
    "child_protection": N_("child protection"), "gbv": N_("gender-based violence"),
}
STATUS_NAMES = {
    "sent": N_("sent"), "acknowledged": N_("acknowledged"), "accepted": N_("accepted"),
    "declined": N_("declined"), "forwarded": N_("forwarded"), "closed": N_("closed"),
    "erased": N_("erased"),
}

#: Statuses in which a referral waits for its agency's answer (the card offers it).
WAITING = ("sent", "forwarded", "acknowledged")
#: Cards pushed at once to a focal point who has just enrolled; the rest are in /inbox.
PUSHED_CARDS = 10


def code_token(code: str) -> str:
    return code.replace("-", "")


@dataclass
class FocalChat:
    desk: ReferralDesk
    sender: Sender
    texts: Texts
    codec: CallbackCodec
    directory: Directory
    #: Where every card and reveal sent is recorded, to be taken back later.
    messages: AgencyMessages
    reveal_seconds: float = 120.0
    flows: FlowLibrary | None = None  # for the envelope's labels (``cardview``)

    def _ui(self, lang: str, message: str, **params: object) -> str:
        return self.texts.gettext(lang, message, **params)

    def _button(self, label: str, code: str, action: str, arg: str = "") -> Button:
        return Button(label, self.codec.encode(Callback("r", code_token(code), 0, action, arg)))

    # -- cards ---------------------------------------------------------------------------
    def card_text(self, record: ReferralRecord, lang: str) -> str:
        ui = self._ui
        hub = self.directory.hubs.get(record.hub or "")
        lines = [
            ui(lang, N_("Referral %(code)s"), code=record.code),
            ui(lang, N_("Status: %(status)s"), status=ui(lang, STATUS_NAMES.get(
                record.status, record.status))),
            ui(lang, N_("Hub: %(hub)s"), hub=hub.name(lang) if hub else record.hub or "?"),
            ui(lang, N_("Case type: %(type)s"), type=ui(lang, CASE_TYPES.get(
                record.case_type, record.case_type))),
            ui(lang, N_("Risk: %(risk)s"), risk=ui(lang, LEVEL_NAMES[record.risk])
               if record.risk in LEVEL_NAMES else "-"),
        ]
        lines.extend(content_lines(self.texts, lang, record, self.flows))
        lines.append(consent_line(self.texts, lang, record))
        return "\n".join(lines)

    def card_buttons(self, record: ReferralRecord, lang: str) -> list[tuple[Button, ...]]:
        ui, code = self._ui, record.code
        if record.status in ("sent", "forwarded", "acknowledged"):
            return [(self._button(ui(lang, N_("Accept")), code, "accept"),
                     self._button(ui(lang, N_("Decline")), code, "decline")),
                    (self._button(ui(lang, N_("Forward")), code, "forward"),)]
        if record.status == "accepted":
            return [(self._button(ui(lang, N_("Reveal contact")), code, "reveal"),
                     self._button(ui(lang, N_("Close")), code, "close"))]
        return []

    async def send_card(self, chat_id: int, record: ReferralRecord, staff: Staff) -> None:
        lang = staff.language
        sent = await self.sender.send(chat_id, self.card_text(record, lang),
                                      self.card_buttons(record, lang))
        try:  # only a recorded card can be taken back by erasure, purge or revocation
            await self._record(record.code, staff, chat_id, sent, "card")
        except Exception:
            await self.sender.delete(chat_id, [sent])
            raise

    async def _record(self, code: str, staff: Staff, chat_id: int, message_id: int,
                      kind: str, keep: timedelta | None = None) -> None:
        now = self.desk.clock.now()
        await asyncio.to_thread(self.messages.record, code, staff_id=staff.id,
                                chat_id=chat_id, message_id=message_id, kind=kind, at=now,
                                remove_at=None if keep is None else now + keep)

    # -- actions -------------------------------------------------------------------------
    async def button(self, inc: Incoming, staff: Staff) -> None:
        assert inc.chat_id is not None
        lang = staff.language
        try:
            callback = self.codec.decode(inc.callback_data)
            if callback.kind != "r":
                raise BadCallback("not a referral action")
        except BadCallback:
            await self.sender.answer(inc.callback_id, self._ui(lang, N_(
                "This button is not valid.")))
            return
        try:
            note = await self._act(inc, staff, callback)
        except (Refused, NotFound) as error:
            text = str(error) if isinstance(error, Refused) else self._ui(
                lang, N_("No such referral."))
            await self.sender.answer(inc.callback_id, text)
            return
        await self.sender.answer(inc.callback_id, note)

    async def _act(self, inc: Incoming, staff: Staff, callback: Callback) -> str | None:
        assert inc.chat_id is not None
        ui, lang, chat = self._ui, staff.language, inc.chat_id
        code, action, arg = callback.token, callback.value, callback.arg
        record = await asyncio.to_thread(self.desk.view, staff, code)
        message = inc.message_id
        if action in ("decline", "forward", "close") and not arg:
            options = self._choices(record, action, lang)
            options.append((self._button(ui(lang, N_("◀ Back")), record.code, "show"),))
            if message:
                await self.sender.edit(chat, message, self.card_text(record, lang), options)
            return None
        if action == "show":
            if message and await self.sender.edit(chat, message, self.card_text(record, lang),
                                                  self.card_buttons(record, lang)):
                # It may have been the /inbox list: the card it now shows is recorded.
                await self._record(record.code, staff, chat, message, "card")
            return None
        if action == "reveal":
            contact = await asyncio.to_thread(self.desk.reveal, staff, record.code)
            text = "\n".join(f"{k}: {isolate(v, lang)}" for k, v in contact.items()) or \
                ui(lang, N_("No contact details were given; the card says how to reach the "
                            "person."))
            sent = await self.sender.send(chat, ui(lang, N_(
                "Contact for %(code)s (this message deletes itself):"), code=record.code)
                + "\n" + text)
            try:  # the worker deletes it when its time is up, whichever process runs then
                await self._record(record.code, staff, chat, sent, "reveal",
                                   timedelta(seconds=self.reveal_seconds))
            except Exception:
                await self.sender.delete(chat, [sent])  # unrecorded, it must not stay
                raise
            return None
        await asyncio.to_thread(self.desk.act, staff, record.code, action, arg or None)
        updated = await asyncio.to_thread(self.desk.view, staff, record.code)
        if message:
            await self.sender.edit(chat, message, self.card_text(updated, lang),
                                   self.card_buttons(updated, lang))
        return ui(lang, N_("Done: %(status)s"), status=ui(lang, STATUS_NAMES.get(
            updated.status, updated.status)))

    def _choices(self, record: ReferralRecord, action: str,
                 lang: str) -> list[tuple[Button, ...]]:
        if action == "decline":
            return [(self._button(self._ui(lang, label), record.code, "decline", key),)
                    for key, label in DECLINE_REASONS.items()]
        if action == "close":
            return [(self._button(self._ui(lang, label), record.code, "close", key),)
                    for key, label in CLOSE_OUTCOMES.items()]
        agencies = [a for a in self.directory.agencies.values()
                    if a.id != record.agency and (not record.hub or a.serves(record.hub))]
        return [(self._button(a.name(lang), record.code, "forward", a.id),)
                for a in agencies[:20]]

    async def inbox(self, inc: Incoming, staff: Staff) -> None:
        assert inc.chat_id is not None
        records = await asyncio.to_thread(self.desk.inbox, staff)
        lang = staff.language
        if not records:
            await self.sender.send(inc.chat_id, self._ui(lang, N_(
                "No open referrals for your agency.")))
            return
        rows = [(self._button(f"{r.code} · {self._ui(lang, STATUS_NAMES[r.status])}"
                              + (f" · {r.due_at:%d/%m %H:%M}" if r.due_at else ""),
                              r.code, "show"),) for r in records[:30]]
        await self.sender.send(inc.chat_id, self._ui(lang, N_(
            "Open referrals, the nearest deadline first:")), rows)

    async def push_waiting(self, chat_id: int, staff: Staff) -> int:
        """Cards of the referrals waiting for the agency's answer, for a focal point who
        enrols after they were sent (their cards went to nobody, or to colleagues): the
        most urgent first, up to ``PUSHED_CARDS``, then a pointer to /inbox. Returns how
        many cards were sent."""
        waiting = [r for r in await asyncio.to_thread(self.desk.inbox, staff)
                   if r.status in WAITING]
        for listed in waiting[:PUSHED_CARDS]:
            # The full record, as the worker sends it: a listing leaves the envelope out.
            record = await asyncio.to_thread(self.desk.referrals.get, listed.code)
            await self.send_card(chat_id, record, staff)
        if len(waiting) > PUSHED_CARDS:
            await self.sender.send(chat_id, self.texts.ngettext(
                staff.language, "%(num)s more referral is waiting: send /inbox.",
                "%(num)s more referrals are waiting: send /inbox.",
                len(waiting) - PUSHED_CARDS))
        return min(len(waiting), PUSHED_CARDS)
