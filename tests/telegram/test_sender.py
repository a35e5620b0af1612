"""The sender reads a flood refusal's wait in both of PTB's forms without a warning, and
deletes messages one by one where the server refuses to delete them in one call."""

from __future__ import annotations

import os
import warnings
from datetime import timedelta
from pathlib import Path

import pytest
from telegram.error import RetryAfter
from telegram.warnings import PTBDeprecationWarning

from bot.telegram.sender import Sender, retry_seconds
from tests.telegram.harness import Harness


def built(wait: int | timedelta) -> RetryAfter:
    """A refusal as PTB builds it; without the opt-in PTB warns while building it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        return RetryAfter(wait)


@pytest.mark.parametrize("opt_in", ["", "true"])
@pytest.mark.parametrize(("given", "seconds"), [(3, 3.0), (timedelta(seconds=2.5), 2.5)])
def test_retry_after_is_read_in_seconds_without_a_warning(
        monkeypatch: pytest.MonkeyPatch, opt_in: str, given: int | timedelta,
        seconds: float) -> None:
    # "" gives PTB 22's int form (which warns when read); "true" gives the timedelta form.
    monkeypatch.setenv("PTB_TIMEDELTA", opt_in)
    flood = built(given)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert retry_seconds(flood) == seconds


def test_the_deprecation_is_silenced_only_around_the_read(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PTB_TIMEDELTA", raising=False)
    flood = built(1)
    retry_seconds(flood)
    with pytest.warns(DeprecationWarning, match="retry_after"):
        _ = flood.retry_after


class _Flooded:
    """A bot whose first call is refused for flooding (in PTB's timedelta form)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def do_api_request(self, method: str, params: dict[str, object]) -> object:
        self.calls.append(method)
        if len(self.calls) == 1:
            raise RetryAfter(timedelta(0))
        return {"message_id": 7}


async def test_a_flood_refusal_is_waited_out_and_warns_about_nothing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PTB_TIMEDELTA", raising=False)
    bot = _Flooded()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sender = Sender(bot)  # type: ignore[arg-type]
        assert await sender.send(5, "hello") == 7
        assert retry_seconds(RetryAfter(4)) == 4.0  # PTB builds it without a warning now
    assert bot.calls == ["sendMessage", "sendMessage"]


def test_an_operator_who_chose_whole_seconds_keeps_them(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "false")
    Sender(_Flooded())  # type: ignore[arg-type]
    assert os.environ["PTB_TIMEDELTA"] == "false"


@pytest.mark.parametrize(("status", "description"), [
    (404, "Not Found"),  # a Bot API server without deleteMessages (older than Bot API 7.0)
    (500, "Internal Server Error"),
    (400, "Bad Request: method not supported"),
])
async def test_messages_are_deleted_one_by_one_where_the_batch_call_fails(
        tmp_path: Path, status: int, description: str) -> None:
    product = await Harness.start(tmp_path)
    try:
        api = product.api
        api.fail_next("deleteMessages", status, description)
        await product.bot.channel.sender.delete(4242, [31, 30, 33])
        assert [c.params["message_ids"] for c in api.sent("deleteMessages")] == [[30, 31, 33]]
        assert [int(c.params["message_id"]) for c in api.sent("deleteMessage")] == [30, 31, 33]
    finally:
        await product.stop()


async def test_a_batch_call_that_works_deletes_in_one_call(tmp_path: Path) -> None:
    product = await Harness.start(tmp_path)
    try:
        await product.bot.channel.sender.delete(4242, [31, 30])
        assert len(product.api.sent("deleteMessages")) == 1
        assert product.api.sent("deleteMessage") == []
    finally:
        await product.stop()
