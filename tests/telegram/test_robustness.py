"""What the field throws at the bot: duplicates, and thousands of odd updates."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram.ext import ContextTypes

from bot.settings import Settings
from bot.telegram.pacing import Pacer
from tests.telegram.harness import Harness, settings_for
from tests.telegram.test_end_to_end import FOCAL, REFERRER, complete_intake

STRANGER = 999
DATABASE = "intake.sqlite3"


class PacedTime:
    """The pacer's time, passing only when the pacer waits: a wait moves it on at once by
    the time waited. The pacer still keeps Telegram's limits in its own reckoning, but no
    test waits for the wall clock, and none depends on how fast the machine is."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


@pytest.fixture(scope="module")
def first_start(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Path]:
    """The settings and database of a product just after its first start (migrated, the
    configured flows published), made once: each example starts a product of its own on a
    copy of that database, as if it had started for the first time itself."""
    tmp = tmp_path_factory.mktemp("first-start")
    made = settings_for(tmp)

    async def start_and_stop() -> None:
        await (await Harness.start(tmp, made)).stop()

    asyncio.run(start_and_stop())
    return made, tmp / DATABASE


def _copy(database: Path, tmp: Path, made: Settings) -> Settings:
    """``made`` on a copy of ``database`` in ``tmp`` (SQLite's own backup: the write-ahead
    log's pages included)."""
    tmp.mkdir(parents=True, exist_ok=True)
    source, copy = sqlite3.connect(database), sqlite3.connect(tmp / DATABASE)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    return replace(made, database_url=f"sqlite:///{tmp / DATABASE}")


async def _product(tmp: Path, duplicate: bool = False,
                   first: tuple[Settings, Path] | None = None) -> Harness:
    """A running product with a referrer and a focal point; on a copy of ``first``'s
    database when given, its pacer's time passing only when it waits (:class:`PacedTime`)."""
    if first is None:
        harness = await Harness.start(tmp)
    else:
        harness = await Harness.start(tmp, _copy(first[1], tmp, first[0]))
        time = PacedTime()
        harness.bot.channel.sender.pacer = Pacer(clock=time.clock, sleep=time.sleep)
    harness.enrol(REFERRER, "referrer")
    harness.enrol(FOCAL, "focal_point", agency="example_health")
    if duplicate:
        feed = harness.feed

        async def twice(data: dict[str, Any]) -> None:
            await feed(data)
            await feed(data)

        harness.feed = twice  # type: ignore[method-assign]
    return harness


async def test_every_update_delivered_twice_changes_nothing(tmp_path: Path) -> None:
    once = await _product(tmp_path / "once")
    twice = await _product(tmp_path / "twice", duplicate=True)
    try:
        for product in (once, twice):
            await complete_intake(product)
            await product.tick()
            await product.choose(FOCAL, "accept")
            await product.tick()
        assert [c.method for c in twice.api.calls] == [c.method for c in once.api.calls]
        assert len(twice.services.storage.referrals.open()) == 1
    finally:
        await once.stop()
        await twice.stop()


TEXTS = st.one_of(
    st.text(max_size=50),
    st.text(alphabet="ابتثجحخدذرزسشصضطظعغفقكلمنهوي ٠١٢٣٤٥٦٧٨٩\u200f", max_size=40),
    st.sampled_from(["🙂🚑🏥", "x" * 5000, "/new", "/back", "/cancel", "/urgent", "/language ar",
                     "/language zz", "/forget", "/inbox", "/help", "/sudo", "/start badcode",
                     "/new@intake_bot", "/", "12", "2026-11-23"]),
)
UPDATE = st.fixed_dictionaries({
    "kind": st.sampled_from(["text", "text", "text", "button", "button", "photo", "edited",
                             "group"]),
    "user": st.sampled_from([REFERRER, REFERRER, FOCAL, STRANGER]),
    "text": TEXTS,
    "data": st.one_of(st.text(max_size=80), st.just("r.ZZZZZZZZZ.0.accept..AAAAAAAAAA")),
    "latest": st.booleans(),
})


# A hundred products, each sent 50 to 150 odd updates after /new: about ten thousand in all,
# as many as two hundred shorter runs sent, in runs that reach further into a conversation,
# for half the starts.
@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(batch=st.lists(UPDATE, min_size=50, max_size=150))
def test_ten_thousand_odd_updates_raise_nothing_and_store_nothing_for_strangers(
        tmp_path_factory: pytest.TempPathFactory, first_start: tuple[Settings, Path],
        batch: list[dict[str, Any]]) -> None:
    asyncio.run(_fuzz(tmp_path_factory.mktemp("fuzz"), batch, first_start))


async def _fuzz(tmp: Path, batch: list[dict[str, Any]], first: tuple[Settings, Path]) -> None:
    product = await _product(tmp, first=first)
    errors: list[BaseException] = []

    async def record(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if context.error is not None:
            errors.append(context.error)

    product.bot.application.add_error_handler(record)
    try:
        await product.text(REFERRER, "/new")
        for item in batch:
            user = item["user"]
            if item["kind"] == "text":
                await product.text(user, item["text"])
            elif item["kind"] == "group":
                await product.text(user, item["text"], chat_type="group")
            elif item["kind"] == "photo":
                await product.photo(user)
            elif item["kind"] == "edited":
                await product.edited(user, item["text"])
            elif item["latest"] and user == REFERRER:
                try:
                    message_id, buttons = product.last_keyboard(REFERRER)
                except AssertionError:
                    continue
                await product.press(user, buttons[0][1], message_id)
            else:
                await product.press(user, item["data"])
        assert errors == []
        assert product.services.storage.sessions.load(STRANGER) is None
        assert len(product.services.storage.staff.everyone()) == 2
    finally:
        await product.stop()


async def test_a_fault_of_ours_is_told_to_the_person_and_still_reaches_the_error_log(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    product = await _product(tmp_path)
    try:
        await product.text(REFERRER, "/new")
        desk = product.bot.channel.referrer.desk
        handle = desk.handle

        def broken(*args: Any, **kwargs: Any) -> Any:
            desk.handle = handle  # type: ignore[method-assign]
            raise RuntimeError("a bug")

        desk.handle = broken  # type: ignore[method-assign]
        with caplog.at_level(logging.ERROR, logger="intake.telegram"):
            typed = await product.text(REFERRER, "Amira, +90 555 000 0000")
        assert product.texts_to(REFERRER)[-1] == (
            "Something went wrong on our side while handling this. Please try again; if it "
            "happens again, tell your coordinator.")
        deleted = [[int(i) for i in c.params["message_ids"]]
                   for c in product.api.sent("deleteMessages", REFERRER)]
        assert [10_000 + typed] in deleted  # what was typed does not stay in the chat
        assert "update_failed" in caplog.text and "a bug" not in caplog.text
    finally:
        await product.stop()


async def test_replies_lost_after_a_saved_step_say_it_was_kept_and_show_where_to_go_on(
        tmp_path: Path) -> None:
    """Telegram refuses the next question after the step's transaction committed: the
    person is told the step was kept (not to try again, which would answer the question
    after it), and the question it stands at is put to them again, once."""
    product = await _product(tmp_path)
    try:
        await product.text(REFERRER, "/new")
        product.api.fail_next("editMessageText", 400, "Bad Request: message to edit not found")
        product.api.fail_next("sendMessage", 400, "Bad Request: something odd")
        await product.choose(REFERRER, "pwsn")
        texts = product.texts_to(REFERRER)
        assert not any(t.startswith("Something went wrong") for t in texts)
        assert texts[-2] == ("Your last step was saved, but the reply could not be sent. "
                             "Continue from the question below.")
        session = product.services.storage.sessions.load(REFERRER)
        assert session is not None and session.answers.get("situation") == "pwsn"
        assert session.state == "where/hub"
        await product.choose(REFERRER, "gaziantep")  # the question put again works
        session = product.services.storage.sessions.load(REFERRER)
        assert session is not None and session.state != "where/hub"
    finally:
        await product.stop()


async def test_replies_lost_after_the_last_step_say_the_intake_is_over(
        tmp_path: Path) -> None:
    """The step that ends the intake was saved but its summary could not be sent: the
    person is told it is over, not to try again."""
    product = await _product(tmp_path)
    try:
        await product.text(REFERRER, "/new")
        product.api.fail_next("sendMessage", 400, "Bad Request: something odd")
        await product.text(REFERRER, "/cancel")
        assert product.services.storage.sessions.load(REFERRER) is None
        assert product.texts_to(REFERRER)[-1] == (
            "Your last step was saved and this intake is over, but its last message could not "
            "be sent. There is nothing to send again; /new starts another intake.")
    finally:
        await product.stop()


async def test_replies_and_the_intake_both_unreadable_after_a_saved_step_still_never_say_retry(
        tmp_path: Path) -> None:
    """The replies fail after the step committed and the intake cannot be read back either
    (the database went too): the person is told the step was kept and how to see it again."""
    product = await _product(tmp_path)
    try:
        await product.text(REFERRER, "/new")
        desk = product.bot.channel.referrer.desk

        def unreadable(*args: Any, **kwargs: Any) -> Any:
            raise sqlite3.OperationalError("disk I/O error")

        product.api.fail_next("editMessageText", 400, "Bad Request: message to edit not found")
        product.api.fail_next("sendMessage", 400, "Bad Request: something odd")
        desk.current = unreadable  # type: ignore[method-assign]
        await product.choose(REFERRER, "pwsn")
        assert product.texts_to(REFERRER)[-1] == (
            "Your last step was saved, but the reply could not be sent, so do not send it "
            "again. In a minute, send /back to go one step back and see that question again.")
    finally:
        await product.stop()
