"""Erasure reaches every chat that holds the data: a reveal deletes itself through the
worker, also after a restart; erasure, the purge and revoking a focal point take cards and
reveals back out of every chat that got them (deleted within 48 hours, else edited); every
agency that held the referral and the referrer are told, coordinators in place of an
agency with no focal point, and a notice with no one to read it waits instead of counting
as delivered."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from bot.__main__ import main
from bot.ports import Staff
from storage.retention import erase, purge
from tests.storage.builders import consent, request
from tests.telegram.harness import Harness, settings_for

REFERRER, HEALTH, RELIEF, COORDINATOR = 501, 601, 602, 701
PHONE = "+90 000 000 9999"  # the contact of ``tests.storage.builders.request``


@pytest_asyncio.fixture
async def product(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path)
    harness.enrol(REFERRER, "referrer")
    harness.enrol(HEALTH, "focal_point", agency="example_health")
    harness.enrol(RELIEF, "focal_point", agency="example_relief")
    yield harness
    await harness.stop()


def member(p: Harness, telegram_id: int) -> Staff:
    staff = p.services.storage.staff.by_telegram(telegram_id)
    assert staff is not None
    return staff


async def referred(p: Harness, case_type: str = "medical") -> str:
    """A referral submitted and its card delivered (medical: to example_health)."""
    with p.services.storage.unit():
        code = p.services.referrals.submit(request(case_type=case_type),
                                           member(p, REFERRER), consent()).code
    await p.tick()
    return code


def card_id(p: Harness, chat: int, code: str) -> int:
    sent = [c for c in p.api.sent("sendMessage", chat)
            if str(c.params["text"]).startswith(f"Referral {code}\n")]
    assert sent, f"no card of {code} reached {chat}"
    return int(sent[-1].result["message_id"])


def reveal_id(p: Harness, chat: int) -> int:
    sent = [c for c in p.api.sent("sendMessage", chat) if PHONE in str(c.params["text"])]
    assert len(sent) == 1
    return int(sent[0].result["message_id"])


def deleted(p: Harness, chat: int) -> set[int]:
    return {int(c.params["message_id"]) for c in p.api.sent("deleteMessage", chat)}


def edited(p: Harness, chat: int) -> dict[int, str]:
    return {int(c.params["message_id"]): str(c.params["text"])
            for c in p.api.sent("editMessageText", chat)}


async def accepted_and_revealed(p: Harness, chat: int) -> None:
    await p.choose(chat, "accept")
    await p.choose(chat, "reveal")


async def test_a_reveal_is_deleted_by_the_worker_when_its_time_is_up_even_after_a_restart(
        tmp_path: Path) -> None:
    settings = settings_for(tmp_path)  # reveal_seconds=3600
    first = await Harness.start(tmp_path, settings)
    first.enrol(REFERRER, "referrer")
    first.enrol(HEALTH, "focal_point", agency="example_health")
    await referred(first)
    await accepted_and_revealed(first, HEALTH)
    reveal = reveal_id(first, HEALTH)
    first.clock.advance(minutes=59)
    await first.tick()
    assert reveal not in deleted(first, HEALTH)  # not before its time
    await first.stop()  # the process that revealed is gone

    second = await Harness.start(tmp_path, settings)
    try:
        second.clock.advance(minutes=59)
        await second.tick()
        assert second.api.sent("deleteMessage") == []
        second.clock.advance(minutes=2)
        await second.tick()
        assert deleted(second, HEALTH) == {reveal}
        await second.tick()
        assert len(second.api.sent("deleteMessage")) == 1  # done once, not every round
    finally:
        await second.stop()


async def test_erasure_takes_cards_and_reveals_back_from_every_agency_and_tells_them_all(
        product: Harness) -> None:
    p = product
    code = await referred(p)
    health_card = card_id(p, HEALTH, code)
    await p.choose(HEALTH, "forward")
    await p.choose(HEALTH, "forward:example_relief")
    await p.tick()
    relief_card = card_id(p, RELIEF, code)
    await accepted_and_revealed(p, RELIEF)
    reveal = reveal_id(p, RELIEF)

    done = erase(p.services.storage.context, code, at=p.clock.now(), actor="cli")
    assert (done.notices, done.referrer, done.messages) == (
        ("example_health", "example_relief"), True, 3)
    assert p.api.sent("deleteMessage") == []  # the command reaches no chat: the bot does
    await p.tick()
    assert deleted(p, HEALTH) == {health_card}
    assert deleted(p, RELIEF) == {relief_card, reveal}
    notice = (f"Consent for referral {code} was withdrawn: its personal data is erased. "
              "Delete any copy you hold.")
    assert p.texts_to(HEALTH)[-1] == notice and p.texts_to(RELIEF)[-1] == notice
    assert p.texts_to(REFERRER)[-1] == (
        f"Consent for referral {code} was withdrawn: its personal data is erased, and every "
        "agency that received it is told.")
    assert [o for _, _, o in p.services.storage.messages.outcomes(code)] == ["deleted"] * 3


async def test_messages_too_old_to_delete_are_edited_to_say_the_data_was_erased(
        product: Harness) -> None:
    p = product
    code = await referred(p)
    card = card_id(p, HEALTH, code)
    p.clock.advance(hours=47)
    erase(p.services.storage.context, code, at=p.clock.now(), actor="cli")
    await p.tick()
    assert card not in deleted(p, HEALTH)
    assert edited(p, HEALTH)[card] == (
        f"Referral {code}: its personal data was erased and removed from this chat.")


async def test_a_message_telegram_refuses_to_delete_is_edited_instead(
        product: Harness) -> None:
    p = product
    code = await referred(p)
    card = card_id(p, HEALTH, code)
    p.api.fail_next("deleteMessage", 400, "Bad Request: message can't be deleted for everyone")
    erase(p.services.storage.context, code, at=p.clock.now(), actor="cli")
    await p.tick()
    assert card in edited(p, HEALTH)
    assert [o for _, _, o in p.services.storage.messages.outcomes(code)] == ["edited"]


async def test_a_card_opened_from_the_inbox_list_is_taken_back_too(product: Harness) -> None:
    p = product
    code = await referred(p)
    await p.text(HEALTH, "/inbox")
    listing, _ = p.last_keyboard(HEALTH)
    await p.choose(HEALTH, "show")  # the list's message now shows the card
    erase(p.services.storage.context, code, at=p.clock.now(), actor="cli")
    await p.tick()
    assert deleted(p, HEALTH) == {card_id(p, HEALTH, code), listing}


async def test_a_message_that_fails_for_another_reason_is_tried_again_later(
        product: Harness) -> None:
    p = product
    code = await referred(p)
    card = card_id(p, HEALTH, code)
    p.api.fail_next("deleteMessage", 500, "Internal Server Error")
    erase(p.services.storage.context, code, at=p.clock.now(), actor="cli")
    await p.tick()
    assert p.texts_to(HEALTH)[-1].startswith(f"Consent for referral {code} was withdrawn")
    assert [o for _, _, o in p.services.storage.messages.outcomes(code)] == [None]
    p.clock.advance(minutes=3)  # the claim lapses
    await p.tick()
    assert deleted(p, HEALTH) == {card}
    assert [o for _, _, o in p.services.storage.messages.outcomes(code)] == ["deleted"]


async def test_the_purge_takes_the_cards_back_and_tells_agency_and_referrer(
        product: Harness) -> None:
    p = product
    code = await referred(p)
    card = card_id(p, HEALTH, code)
    referrals = p.services.storage.referrals
    referrals.append_event(code, "accepted", at=p.clock.now(), actor="staff:1")
    referrals.append_event(code, "closed", at=p.clock.now(), actor="staff:1")
    p.clock.advance(days=91)
    report = purge(p.services.storage.context, p.clock.now(), older_than=timedelta(days=90),
                   idle=timedelta(minutes=30))
    assert (report.referrals, report.messages) == (1, 1)
    await p.tick()
    assert card in edited(p, HEALTH)  # 91 days old: too old to delete
    assert p.texts_to(HEALTH)[-1] == (
        f"Referral {code} reached the end of its retention period: its personal data is "
        "erased. Delete any copy you hold.")
    assert p.texts_to(REFERRER)[-1] == (
        f"Referral {code} reached the end of its retention period: its personal data is "
        "erased.")


async def test_a_notice_to_an_agency_without_focal_point_goes_to_the_hub_coordinator(
        product: Harness) -> None:
    p = product
    p.enrol(COORDINATOR, "coordinator", agency="example_relief")
    code = await referred(p, case_type="legal")  # example_law: nobody enrolled
    erase(p.services.storage.context, code, at=p.clock.now(), actor="cli")
    await p.tick()
    assert p.texts_to(COORDINATOR)[-1] == (
        f"Consent for referral {code} was withdrawn: its personal data is erased. No focal "
        "point of Example Legal Aid Centre can be reached on the bot: ask them to delete any "
        "copy they hold.")
    assert p.services.storage.reminders.pending(code) == []


async def test_when_every_focal_point_blocked_the_bot_the_coordinator_gets_the_notice(
        product: Harness) -> None:
    p = product
    p.enrol(COORDINATOR, "coordinator", agency="example_relief")
    code = await referred(p)
    p.api.block(HEALTH)
    erase(p.services.storage.context, code, at=p.clock.now(), actor="cli")
    await p.tick()
    assert p.texts_to(COORDINATOR)[-2:] == [
        f"Staff member {member(p, HEALTH).id} cannot be reached on Telegram (the bot was "
        "blocked).",
        f"Consent for referral {code} was withdrawn: its personal data is erased. No focal "
        "point of Example Health Partners can be reached on the bot: ask them to delete any "
        "copy they hold."]
    assert p.services.storage.reminders.pending(code) == []


async def test_a_notice_with_no_one_to_read_it_waits_until_someone_enrols(
        product: Harness) -> None:
    p = product
    code = await referred(p, case_type="legal")  # no focal point, no coordinator
    erase(p.services.storage.context, code, at=p.clock.now(), actor="cli")
    await p.tick()
    waiting = [r.kind for r in p.services.storage.reminders.pending(code)]
    assert waiting == ["erasure_notice"]  # not marked delivered to no one
    p.enrol(COORDINATOR, "coordinator", agency="example_relief")
    p.clock.advance(minutes=11)  # the claim's lease runs out
    await p.tick()
    assert p.texts_to(COORDINATOR)[-1].startswith(f"Consent for referral {code} was withdrawn")
    assert p.services.storage.reminders.pending(code) == []


@pytest.fixture
def cli_env(product: Harness, monkeypatch: pytest.MonkeyPatch) -> Harness:
    settings = product.services.settings
    for name, value in (("DATABASE_URL", settings.database_url),
                        ("INTAKE_KEYS", settings.keys[0]),
                        ("INTAKE_INDEX_KEY", settings.index_key or "")):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("INTAKE_KEYS_FILE", raising=False)
    return product


async def test_revoking_a_focal_point_takes_the_cards_out_of_their_chat(
        cli_env: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    p = cli_env
    code = await referred(p)
    card = card_id(p, HEALTH, code)
    capsys.readouterr()
    assert main(["staff", "revoke", str(member(p, HEALTH).id)]) == 0
    assert capsys.readouterr().out.splitlines()[1] == (
        "queued for the running bot: 1 referral card(s) and contact reveal(s) to remove from "
        "their chat (this command does not reach Telegram)")
    assert p.api.sent("deleteMessage") == []
    # The command stamped the real time: the bot's clock moves past it (days later, so the
    # card is edited rather than deleted).
    p.clock.at = datetime.now(UTC) + timedelta(minutes=1)
    await p.tick()
    assert edited(p, HEALTH)[card] == (
        f"Referral {code}: removed from this chat (your access was revoked).")


async def test_revoking_a_referrer_erases_their_intake_in_progress_at_once(
        cli_env: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    p = cli_env
    await p.text(REFERRER, "/new")
    assert p.services.storage.sessions.load(REFERRER) is not None
    capsys.readouterr()
    assert main(["staff", "revoke", str(member(p, REFERRER).id)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "their intake in progress was erased"
    assert p.services.storage.sessions.load(REFERRER) is None


async def test_a_card_whose_record_fails_is_deleted_at_once_as_erasure_could_not_reach_it(
        product: Harness, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    store = product.services.storage.messages

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database went away after Telegram took the card")

    monkeypatch.setattr(store, "record", broken)
    with product.services.storage.unit():
        code = product.services.referrals.submit(request(case_type="medical"),
                                                 member(product, REFERRER), consent()).code
    with caplog.at_level(logging.WARNING, logger="intake.worker"):
        await product.tick()  # the delivery fails and stays due; the round logs it
    assert [r.getMessage() for r in caplog.records] == ["delivery_failed"]
    sent = [c for c in product.api.sent("sendMessage", HEALTH)
            if str(c.params["text"]).startswith(f"Referral {code}\n")]
    assert sent, "the card went out before its record failed"
    removed = {int(m) for c in product.api.sent("deleteMessages", HEALTH)
               for m in c.params["message_ids"]}
    assert {int(c.result["message_id"]) for c in sent} <= removed
