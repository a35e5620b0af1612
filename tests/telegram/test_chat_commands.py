"""The referrer's and focal point's commands around an intake, as Telegram sees them.

/language works inside and outside an intake and is remembered for the member; /new during
an intake asks before anything is thrown away; /new and /start CODE leave the chat like any
other input; a focal point who enrols after a referral reached their agency gets its card at
once; a stranger's button press is answered, so their client stops waiting.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest_asyncio

from bot.engine.asking import language_name
from tests.telegram.harness import Harness
from tests.telegram.test_end_to_end import complete_intake

REFERRER, FOCAL, LATE_FOCAL, STRANGER = 501, 601, 602, 999


@pytest_asyncio.fixture
async def product(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path)
    harness.enrol(REFERRER, "referrer")
    yield harness
    await harness.stop()


def deleted(p: Harness, chat: int) -> set[int]:
    return {int(m) for c in p.api.sent("deleteMessages", chat) for m in c.params["message_ids"]}


def language_of(p: Harness, telegram_id: int) -> str:
    member = p.services.storage.staff.by_telegram(telegram_id)
    assert member is not None
    return member.language


async def press_on(p: Harness, keyboard: tuple[int, list[tuple[str, str]]],
                   value: str) -> None:
    """Press the button ``value`` of an earlier keyboard (not the last one sent)."""
    message_id, buttons = keyboard
    data = next(d for _, d in buttons if p.codec.decode(d).value == value)
    await p.press(REFERRER, data, message_id)


def state(p: Harness) -> str | None:
    session = p.services.storage.sessions.load(REFERRER)
    return session.state if session else None


# -- /language ---------------------------------------------------------------------------
async def test_language_outside_an_intake_is_remembered_and_the_next_intake_uses_it(
        product: Harness) -> None:
    p = product
    update = await p.text(REFERRER, "/language AR")
    assert language_of(p, REFERRER) == "ar"
    said = "Your language is now %(name)s, for this and your next intakes."
    reply = p.services.texts.gettext("ar", said, name=language_name("ar"))
    assert p.texts_to(REFERRER) == [reply] and reply != said % {"name": language_name("ar")}
    assert 10_000 + update in deleted(p, REFERRER)
    await p.text(REFERRER, "/new")  # the staff cache let go of the old language at once
    session = p.services.storage.sessions.load(REFERRER)
    assert session is not None and session.referrer_lang == "ar"


async def test_language_inside_an_intake_changes_the_intake_and_is_remembered(
        product: Harness) -> None:
    p = product
    await p.text(REFERRER, "/new")
    await p.choose(REFERRER, "pwsn")
    await p.text(REFERRER, "/language tr")
    session = p.services.storage.sessions.load(REFERRER)
    assert session is not None and session.referrer_lang == "tr" and session.state == "where/hub"
    assert language_of(p, REFERRER) == "tr"


async def test_an_unknown_or_missing_language_lists_the_known_ones_and_changes_nothing(
        product: Harness) -> None:
    p = product
    for typed in ("/language xx", "/language"):
        await p.text(REFERRER, typed)
        assert p.texts_to(REFERRER)[-1] == (
            "Available languages: en, ar, tr, ku, fr. Send /language followed by one of them, "
            "for example /language ar.")
    assert language_of(p, REFERRER) == "en"


# -- /new during an intake ---------------------------------------------------------------
async def test_new_during_an_intake_asks_first_and_continuing_keeps_every_answer(
        product: Harness) -> None:
    p = product
    await p.text(REFERRER, "/new")
    await p.choose(REFERRER, "pwsn")
    hub_question = p.last_keyboard(REFERRER)
    await p.text(REFERRER, "/new")
    asked, buttons = p.last_keyboard(REFERRER)
    assert p.texts_to(REFERRER)[-1] == ("An intake is in progress. Start a new one? The "
                                        "answers given so far will be erased.")
    assert [label for label, _ in buttons] == ["Start a new intake", "Continue this one"]
    assert state(p) == "where/hub"
    await p.choose(REFERRER, "-keep")
    assert p.api.sent("answerCallbackQuery")[-1].params["callback_query_id"]
    assert asked in deleted(p, REFERRER)
    assert state(p) == "where/hub"
    await press_on(p, hub_question, "gaziantep")  # the question above still works
    assert state(p) == "person_language"


async def test_starting_over_erases_the_open_intake_and_its_messages(
        product: Harness) -> None:
    p = product
    first = await p.text(REFERRER, "/new")
    first_question, _ = p.last_keyboard(REFERRER)
    await p.choose(REFERRER, "pwsn")
    again = await p.text(REFERRER, "/new")
    asked, _ = p.last_keyboard(REFERRER)
    await p.choose(REFERRER, "-new")
    gone = deleted(p, REFERRER)
    assert {10_000 + first, first_question, 10_000 + again, asked} <= gone
    session = p.services.storage.sessions.load(REFERRER)
    assert session is not None and session.state == "situation"
    assert session.answers.get("situation") is None


async def test_the_start_over_question_lapses_once_the_intake_moves_on(
        product: Harness) -> None:
    p = product
    await p.text(REFERRER, "/new")
    await p.choose(REFERRER, "pwsn")
    hub_question = p.last_keyboard(REFERRER)
    await p.text(REFERRER, "/new")
    asked, buttons = p.last_keyboard(REFERRER)
    start_over = next(data for label, data in buttons if label == "Start a new intake")
    await press_on(p, hub_question, "gaziantep")  # answered the question instead
    await p.press(REFERRER, start_over, asked)
    assert p.answers()[-1] == "This button is out of date. Use the latest question."
    assert state(p) == "person_language"


async def test_a_redelivered_new_asks_once(product: Harness) -> None:
    p = product
    await p.text(REFERRER, "/new")
    await p.text(REFERRER, "/new", update_id=7000)
    calls = len(p.api.calls)
    await p.text(REFERRER, "/new", update_id=7000)
    assert len(p.api.calls) == calls


# -- commands leave the chat like other input --------------------------------------------
async def test_the_new_command_is_deleted_with_the_intake(product: Harness) -> None:
    p = product
    update = await p.text(REFERRER, "/new")
    await p.text(REFERRER, "/cancel")
    assert 10_000 + update in deleted(p, REFERRER)
    assert state(p) is None


async def test_urgent_outside_an_intake_shows_the_hubs_emergency_contacts(
        product: Harness) -> None:
    p = product
    await p.text(REFERRER, "/urgent")
    said = "\n".join(p.texts_to(REFERRER))
    assert "Example Health Line Gaziantep" in said  # the referrer's hub, asked for nothing
    assert "No intake is open" not in said
    assert state(p) is not None  # and the intake goes on from there
    update = await p.text(REFERRER, "/urgent", update_id=7100)
    calls = len(p.api.calls)
    await p.text(REFERRER, "/urgent", update_id=update)  # redelivered: nothing again
    assert len(p.api.calls) == calls


async def test_cancel_says_once_that_nothing_was_kept(product: Harness) -> None:
    p = product
    await p.text(REFERRER, "/new")
    await p.choose(REFERRER, "pwsn")
    await p.text(REFERRER, "/cancel")
    assert p.texts_to(REFERRER)[-1] == ("This intake is closed and nothing was kept. Send /new "
                                        "to start another.")


async def test_the_start_code_message_is_deleted_whether_or_not_it_enrols(
        product: Harness) -> None:
    p = product
    code, _ = p.services.invites.create("referrer", None, "hatay", timedelta(days=1))
    used = await p.text(800, f"/start {code}")
    assert 10_000 + used in deleted(p, 800)
    assert p.texts_to(800)[0].startswith("Welcome. You are enrolled.")
    refused = await p.text(801, f"/start {code}")  # spent: a stranger now
    assert 10_000 + refused in deleted(p, 801)
    assert p.texts_to(801) == ["This is a private service for enrolled staff."]


# -- a focal point who enrols late -------------------------------------------------------
async def test_a_focal_point_enrolled_after_the_referral_gets_its_card_at_enrolment(
        product: Harness) -> None:
    p = product
    code = await complete_intake(p)
    await p.tick()  # the card went to nobody: the agency had no focal point yet
    assert p.services.storage.referrals.get(code).status == "sent"
    invite, _ = p.services.invites.create("focal_point", "example_health", None,
                                          timedelta(days=1))
    await p.text(LATE_FOCAL, f"/start {invite}")
    texts = p.texts_to(LATE_FOCAL)
    assert texts[0].startswith("Welcome. You are enrolled.")
    assert len(texts) == 2 and texts[1].startswith(f"Referral {code}")
    _, buttons = p.last_keyboard(LATE_FOCAL)
    assert [label for label, _ in buttons] == ["Accept", "Decline", "Forward"]
    await p.choose(LATE_FOCAL, "accept")  # the pushed card works like a delivered one
    assert p.services.storage.referrals.get(code).status == "accepted"


async def test_a_focal_point_enrolled_with_nothing_waiting_gets_only_the_welcome(
        product: Harness) -> None:
    p = product
    invite, _ = p.services.invites.create("focal_point", "example_health", None,
                                          timedelta(days=1))
    await p.text(LATE_FOCAL, f"/start {invite}")
    assert len(p.texts_to(LATE_FOCAL)) == 1


# -- typing with no intake open -----------------------------------------------------------
async def test_text_without_an_intake_points_each_role_to_its_own_next_step(
        product: Harness) -> None:
    """A referrer is told to start an intake with /new; a focal point, whose help never
    mentions /new, is pointed to /inbox instead."""
    p = product
    p.enrol(FOCAL, "focal_point", agency="example_health")
    await p.text(REFERRER, "hello")
    assert p.texts_to(REFERRER)[-1] == "No intake is open. Send /new to start one."
    await p.text(FOCAL, "hello")
    told = p.texts_to(FOCAL)[-1]
    assert told == ("No intake is open. Referrals for your agency arrive here as cards; "
                    "send /inbox to list the open ones.")
    assert "/new" not in told


# -- strangers ---------------------------------------------------------------------------
async def test_a_strangers_button_press_is_answered_and_nothing_else_is_sent(
        product: Harness) -> None:
    p = product
    await p.text(REFERRER, "/new")
    _, buttons = p.last_keyboard(REFERRER)
    before = len(p.api.sent("sendMessage"))
    await p.press(STRANGER, buttons[0][1])
    answer = p.api.sent("answerCallbackQuery")[-1]
    assert answer.params["callback_query_id"].startswith("cb")
    assert answer.params["text"] == "This is a private service for enrolled staff."
    assert len(p.api.sent("sendMessage")) == before
    assert p.services.storage.sessions.load(STRANGER) is None
