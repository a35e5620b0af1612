"""The whole product through the real python-telegram-bot stack, offline.

A referrer completes an intake; the focal point receives the card, accepts, reveals the
contact and closes; the referrer hears of every step. Strangers, other agencies, forged and
stale buttons, duplicates, media and group chats get nothing they should not.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from tests.telegram.harness import Harness

REFERRER, FOCAL, OTHER_AGENCY, STRANGER = 501, 601, 701, 999
PHONE = "+90 555 123 4567"


@pytest_asyncio.fixture
async def product(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path)
    harness.enrol(REFERRER, "referrer")
    harness.enrol(FOCAL, "focal_point", agency="example_health")
    harness.enrol(OTHER_AGENCY, "focal_point", agency="example_law")
    yield harness
    await harness.stop()


#: The buttons of :func:`complete_intake`, in order (``bench/channel.py`` presses them too).
ANSWERS = ("pwsn", "gaziantep", "en", "older", "none", "done", "person", "in_person", "yes",
           "yes", "yes", "disability", "done", "none", "done", "mobility", "alone",
           "no_income", "done", "keep", "medical", "done", "female", "phone")


async def complete_intake(p: Harness, referrer: int = REFERRER) -> str:
    """A PwSN intake in Gaziantep asking for health care, with a phone number."""
    await p.text(referrer, "/new")
    for value in ANSWERS:
        await p.choose(referrer, value)
    await p.text(referrer, PHONE)
    summary = p.texts_to(referrer)[-1]
    assert summary.startswith("Referral sent. Case code: "), summary
    return summary.split("Case code: ")[1].split(".")[0]


async def test_a_referral_goes_round_the_whole_loop(product: Harness) -> None:
    p = product
    code = await complete_intake(p)
    deleted = {m for c in p.api.sent("deleteMessages", REFERRER)
               for m in c.params["message_ids"]}
    assert len(deleted) > 5  # the intake's messages are gone; the summary stays
    last = p.api.sent("sendMessage", REFERRER)[-1]
    assert last.result["message_id"] not in deleted and "on its way" in last.params["text"]
    assert all(c.params.get("protect_content") for c in p.api.sent("sendMessage"))

    assert await p.tick() >= 1  # the card goes out to the agency's focal point
    card = p.texts_to(FOCAL)[-1]
    assert card.startswith(f"Referral {code}") and "Risk: medium" in card
    assert PHONE not in card
    # Labels in the reader's language, never ids; both clocks shown.
    assert ": 60 or older" in card and "Female" in card and "Health care" in card
    assert "age_band" not in card and "Services needed: Health care" in card
    assert "Case deadline: " in card and "Your agency must acknowledge by " in card

    await p.choose(FOCAL, "accept")
    await p.choose(FOCAL, "reveal")
    assert any(PHONE in t for t in p.texts_to(FOCAL))
    await p.choose(FOCAL, "close")
    await p.choose(FOCAL, "close:served")
    assert await p.tick() >= 3
    statuses = [t for t in p.texts_to(REFERRER) if t.startswith(f"Referral {code}:")]
    assert [t.split("\n")[0] for t in statuses] == [
        f"Referral {code}: {s}." for s in ("acknowledged", "accepted", "closed")]
    *still_open, closed = statuses
    assert all("\nCase deadline: " in t for t in still_open)  # it never restarts
    assert len({t.split("\n")[1] for t in still_open}) == 1
    assert closed == f"Referral {code}: closed."  # no deadline once the case is closed
    assert all(PHONE not in t for t in p.texts_to(REFERRER)[-5:])
    actions = [action for _, _, action, _ in p.services.storage.audit.entries(code)]
    assert {"refer", "view", "acknowledge", "accept", "reveal", "close"} <= set(actions)


async def test_another_agency_cannot_act_on_the_referral_and_is_audited(
        product: Harness) -> None:
    p = product
    code = await complete_intake(p)
    await p.tick()
    _, buttons = p.last_keyboard(FOCAL)
    accept = next(data for label, data in buttons if label == "Accept")
    await p.press(OTHER_AGENCY, accept)
    assert p.answers()[-1] == "This referral is not with your agency."
    assert p.services.storage.referrals.get(code).status == "sent"
    assert "refused_view" in [a for _, _, a, _ in p.services.storage.audit.entries(code)]


async def test_a_stranger_gets_one_neutral_reply_and_nothing_is_stored(
        product: Harness) -> None:
    p = product
    await p.text(STRANGER, "/new")
    await p.text(STRANGER, "hello, my name is Amira")
    assert p.texts_to(STRANGER) == ["This is a private service for enrolled staff."] * 2
    assert p.services.storage.sessions.load(STRANGER) is None


async def test_a_revoked_member_is_refused_once_the_staff_cache_lets_go(
        product: Harness) -> None:
    p = product
    ticks = [0.0]
    p.bot.channel.known.clock = lambda: ticks[0]
    await p.text(REFERRER, "/new")
    staff = p.services.storage.staff.by_telegram(REFERRER)
    assert staff is not None
    p.services.storage.staff.set_active(staff.id, False, p.clock.now())  # another process
    ticks[0] += p.bot.channel.known.ttl
    await p.choose(REFERRER, "pwsn")
    assert p.answers()[-1] == "This is a private service for enrolled staff."
    assert p.services.storage.sessions.load(REFERRER).state == "situation"  # type: ignore[union-attr]


async def test_forged_and_stale_buttons_are_refused_politely(product: Harness) -> None:
    p = product
    await p.text(REFERRER, "/new")
    message_id, buttons = p.last_keyboard(REFERRER)
    old = buttons[0][1]
    await p.press(REFERRER, "a.forged.1.pwsn..AAAAAAAAAA", message_id)
    assert p.answers()[-1] == "This button is not valid."
    await p.choose(REFERRER, "pwsn")
    await p.press(REFERRER, old, message_id)
    assert p.answers()[-1] == "This button is out of date. Use the latest question."
    assert p.services.storage.sessions.load(REFERRER).state == "where/hub"  # type: ignore[union-attr]


async def test_a_question_lost_from_the_screen_comes_back_when_its_old_buttons_are_pressed(
        product: Harness) -> None:
    p = product
    await p.text(REFERRER, "/new")
    message_id, buttons = p.last_keyboard(REFERRER)
    first = next(data for _, data in buttons if p.codec.decode(data).value == "pwsn")
    await p.press(REFERRER, first, message_id)  # answered; the hub question takes its place
    edits = len(p.api.sent("editMessageText", REFERRER))
    # As if that edit had been lost (the bot stopped after saving the step): the screen
    # still shows the first question, and the person presses one of its buttons again.
    await p.press(REFERRER, first, message_id)
    assert p.answers()[-1] == "This button is out of date. Use the latest question."
    again = p.api.sent("editMessageText", REFERRER)[edits:]
    assert [int(c.params["message_id"]) for c in again] == [message_id]
    await p.choose(REFERRER, "gaziantep")  # a button of the question put back
    assert p.services.storage.sessions.load(REFERRER).state == "person_language"  # type: ignore[union-attr]


async def test_a_redelivered_update_changes_nothing(product: Harness) -> None:
    p = product
    await p.text(REFERRER, "/new", update_id=5000)
    calls = len(p.api.calls)
    await p.text(REFERRER, "/new", update_id=5000)
    assert len(p.api.calls) == calls


async def test_media_is_refused_and_deleted(product: Harness) -> None:
    p = product
    await p.text(REFERRER, "/new")
    await p.photo(REFERRER)
    assert p.texts_to(REFERRER)[-1].startswith("Photos, voice messages, files and stickers")
    assert p.api.sent("deleteMessages", REFERRER)


async def test_group_chats_get_no_answer(product: Harness) -> None:
    p = product
    before = len(p.api.calls)
    await p.text(REFERRER, "/new", chat_type="group")
    assert len(p.api.calls) == before


async def test_a_typed_sensitive_answer_is_deleted_at_once(product: Harness) -> None:
    p = product
    await p.text(REFERRER, "/new")
    for value in ("pwsn", "gaziantep", "en", "older", "none", "done", "person", "in_person",
                  "yes", "yes", "yes", "disability", "done", "threats", "done", "none", "done",
                  "medical", "done", "female", "phone"):
        await p.choose(REFERRER, value)
    update_id = await p.text(REFERRER, PHONE)
    deleted = [m for c in p.api.sent("deleteMessages", REFERRER) for m in c.params["message_ids"]]
    assert 10_000 + update_id in deleted


async def test_forget_erases_the_intake_and_its_messages(product: Harness) -> None:
    p = product
    await p.text(REFERRER, "/new")
    await p.choose(REFERRER, "pwsn")
    await p.text(REFERRER, "/forget")
    assert p.services.storage.sessions.load(REFERRER) is None
    assert p.texts_to(REFERRER)[-1] == "The intake in progress was erased, with its messages."


async def test_text_where_a_button_is_expected_gets_a_hint(product: Harness) -> None:
    p = product
    await p.text(REFERRER, "/new")
    await p.text(REFERRER, "an older woman")
    assert "Please choose one of the buttons." in p.texts_to(REFERRER)


async def test_an_unacknowledged_referral_is_reminded_then_escalated(product: Harness) -> None:
    p = product
    code = await complete_intake(p)
    await p.tick()
    record = p.services.storage.referrals.get(code)
    assert record.agency == "example_health" and record.acknowledge_by is not None
    p.clock.at = record.acknowledge_by - (record.acknowledge_by - record.created_at) / 4
    await p.tick()
    assert any(t.startswith(f"Reminder: referral {code}") for t in p.texts_to(FOCAL))
    p.clock.at = record.acknowledge_by
    await p.tick()
    await p.tick()
    moved = p.services.storage.referrals.get(code)
    assert moved.status == "forwarded" and moved.agency == "example_relief"
    assert moved.escalation_level == 1


async def test_an_invitation_enrols_once(product: Harness) -> None:
    p = product
    from datetime import timedelta

    code, _ = p.services.invites.create("referrer", None, "hatay", timedelta(days=1))
    await p.text(800, f"/start {code}")
    assert p.texts_to(800)[0].startswith("Welcome. You are enrolled.")
    await p.text(801, f"/start {code}")
    assert p.texts_to(801) == ["This is a private service for enrolled staff."]
    await asyncio.sleep(0)


async def test_flood_control_is_waited_out_and_the_message_still_goes(
        product: Harness) -> None:
    p = product
    p.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    await p.text(REFERRER, "/new")
    sends = p.api.sent("sendMessage", REFERRER)
    assert len(sends) >= 2 and sends[0].params["text"] == sends[1].params["text"]
    assert p.last_keyboard(REFERRER)  # the question arrived after the wait


async def test_a_focal_point_who_blocked_the_bot_is_marked_and_the_coordinator_told(
        product: Harness) -> None:
    p = product
    coordinator = 801
    p.enrol(coordinator, "coordinator", agency="example_relief")
    await complete_intake(p)
    p.api.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    await p.tick()
    focal = p.services.storage.staff.by_telegram(FOCAL)
    assert focal is not None and focal.unreachable
    assert p.texts_to(coordinator)[-1] == (
        f"Staff member {focal.id} cannot be reached on Telegram (the bot was blocked).")


async def test_withdrawn_consent_erases_the_referral_and_tells_the_agency(
        product: Harness) -> None:
    from storage.retention import erase

    p = product
    code = await complete_intake(p)
    await p.tick()
    erase(p.services.storage.context, code, at=p.clock.now(), actor="cli")
    await p.tick()
    assert p.texts_to(FOCAL)[-1] == (f"Consent for referral {code} was withdrawn: its personal "
                                     "data is erased. Delete any copy you hold.")
    assert p.services.storage.referrals.reveal_contact(code) == {}


async def test_a_declined_referral_goes_on_to_the_backup_and_the_referrer_hears_each_step(
        product: Harness) -> None:
    p = product
    code = await complete_intake(p)
    first = p.services.storage.referrals.get(code)
    await p.tick()
    await p.choose(FOCAL, "decline")
    await p.choose(FOCAL, "decline:capacity")
    await p.tick()
    await p.tick()
    moved = p.services.storage.referrals.get(code)
    assert (moved.status, moved.agency) == ("forwarded", "example_relief")
    # Two clocks: the case deadline stays; the backup gets its own acknowledgement window.
    assert moved.case_due_at == first.case_due_at is not None
    assert moved.acknowledge_by is not None and moved.acknowledge_by > p.clock.now()
    statuses = [t for t in p.texts_to(REFERRER) if t.startswith(f"Referral {code}:")]
    assert [t.split("\n")[0] for t in statuses] == [
        f"Referral {code}: {s}." for s in ("acknowledged", "declined", "forwarded")]


async def test_a_question_that_cannot_be_edited_in_place_is_sent_anew(
        product: Harness) -> None:
    p = product
    await p.text(REFERRER, "/new")
    await p.choose(REFERRER, "pwsn")
    old_id, _ = p.last_keyboard(REFERRER)
    p.api.fail_next("editMessageText", 400, "Bad Request: message can't be edited")
    await p.choose(REFERRER, "gaziantep")
    new_id, buttons = p.last_keyboard(REFERRER)
    assert new_id != old_id and buttons  # the next question came as a new message
    stripped = p.api.sent("editMessageReplyMarkup", REFERRER)[-1]
    assert int(stripped.params["message_id"]) == old_id and "reply_markup" not in \
        stripped.params  # the old question kept no buttons
    await p.choose(REFERRER, "en")  # and the new message is the one edited from now on
    assert p.last_keyboard(REFERRER)[0] == new_id


async def test_an_edit_telegram_finds_unchanged_counts_as_done(product: Harness) -> None:
    p = product
    await p.text(REFERRER, "/new")
    await p.choose(REFERRER, "pwsn")
    message_id, _ = p.last_keyboard(REFERRER)
    sends = len(p.api.sent("sendMessage", REFERRER))
    p.api.fail_next("editMessageText", 400, "Bad Request: message is not modified")
    await p.choose(REFERRER, "gaziantep")
    assert len(p.api.sent("sendMessage", REFERRER)) == sends  # nothing sent again
    session = p.services.storage.sessions.load(REFERRER)
    assert session is not None and session.state == "person_language"
    assert session.host["prompt"] == message_id
