"""What the field throws at the bot: duplicates, and thousands of odd updates."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram.ext import ContextTypes

from tests.telegram.harness import Harness
from tests.telegram.test_end_to_end import FOCAL, REFERRER, complete_intake

STRANGER = 999


async def _product(tmp: Path, duplicate: bool = False) -> Harness:
    harness = await Harness.start(tmp)
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


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(batch=st.lists(UPDATE, min_size=20, max_size=80))
def test_ten_thousand_odd_updates_raise_nothing_and_store_nothing_for_strangers(
        tmp_path_factory: Any, batch: list[dict[str, Any]]) -> None:
    asyncio.run(_fuzz(tmp_path_factory.mktemp("fuzz"), batch))


async def _fuzz(tmp: Path, batch: list[dict[str, Any]]) -> None:
    product = await _product(tmp)
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
