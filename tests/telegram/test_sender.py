"""The sender reads a flood refusal's wait in both of PTB's forms without a warning."""

from __future__ import annotations

import os
import warnings
from datetime import timedelta

import pytest
from telegram.error import RetryAfter
from telegram.warnings import PTBDeprecationWarning

from bot.telegram.sender import Sender, retry_seconds


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
