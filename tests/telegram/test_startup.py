"""While Telegram cannot be reached at start-up, each call is tried again after a wait that
doubles up to a cap, with one log line per failed attempt and no traceback; a refusal by
Telegram is final."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram import Update
from telegram.error import InvalidToken, NetworkError, TimedOut
from telegram.ext import Application, ApplicationBuilder
from telegram.request import RequestData

from bot.__main__ import main
from bot.telegram import startup
from bot.telegram.startup import Backoff
from storage.crypto import generate_key
from tests.telegram.fakeapi import FakeBotAPI


class Unreachable(FakeBotAPI):
    """The fake Bot API behind a network that drops the first ``failures`` requests."""

    def __init__(self, failures: int, kind: type[NetworkError] = NetworkError) -> None:
        super().__init__()
        self.failures = failures
        self.kind = kind
        self.attempts: list[str] = []

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = None, write_timeout: Any = None,
                         connect_timeout: Any = None, pool_timeout: Any = None,
                         ) -> tuple[int, bytes]:
        self.attempts.append(url.rsplit("/", 1)[-1])
        if self.failures > 0:
            self.failures -= 1
            try:  # as PTB's httpx transport reports a refused connection
                raise httpx.ConnectError("[Errno 111] Connection refused")
            except httpx.ConnectError as cause:
                raise self.kind("httpx.ConnectError: connection refused") from cause
        return await super().do_request(url, method, request_data, read_timeout,
                                        write_timeout, connect_timeout, pool_timeout)


class Waits:
    """Records the waits instead of waiting."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def application(api: FakeBotAPI) -> Application:  # type: ignore[type-arg]
    return (ApplicationBuilder().token("123456:TEST").request(api).get_updates_request(api)
            .updater(None).build())


def test_getme_is_retried_with_doubling_waits_and_one_line_each(
        caplog: pytest.LogCaptureFixture) -> None:
    api, waits = Unreachable(failures=4), Waits()
    app = application(api)
    with caplog.at_level(logging.WARNING, logger="intake.startup"):
        asyncio.run(startup.initialize(app, Backoff(first=1, cap=60), waits))
    assert api.attempts == ["getMe"] * 5
    assert waits.seconds == [1, 2, 4, 8]
    assert [r.getMessage() for r in caplog.records] == [
        f"telegram unreachable (ConnectError), retrying in {s} s (attempt {n})"
        for n, s in enumerate((1, 2, 4, 8), 1)]
    assert all(r.exc_info is None for r in caplog.records)  # no traceback
    assert app.bot.id  # initialised: the bot knows who it is
    asyncio.run(app.shutdown())


def test_the_wait_never_exceeds_the_cap() -> None:
    backoff = Backoff(first=1, factor=2, cap=30)
    assert [backoff.delay(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 30, 30, 30]


def test_a_timeout_is_retried_like_a_refused_connection(
        caplog: pytest.LogCaptureFixture) -> None:
    api, waits = Unreachable(failures=1, kind=TimedOut), Waits()
    with caplog.at_level(logging.WARNING, logger="intake.startup"):
        asyncio.run(startup.initialize(application(api), Backoff(), waits))
    assert waits.seconds == [1]
    assert caplog.records[0].getMessage() == (
        "telegram unreachable (ConnectError), retrying in 1 s (attempt 1)")


def test_setting_the_webhook_is_retried_too() -> None:
    api, waits = Unreachable(failures=0), Waits()
    app = application(api)

    async def set_hook() -> None:
        api.failures = 0
        await startup.initialize(app, Backoff(), waits)
        api.failures = 2  # the network drops after getMe
        await startup.set_webhook(app.bot, "https://example.invalid/telegram", "s3cret",
                                  Update.ALL_TYPES, Backoff(), waits)
        await app.shutdown()

    api._setWebhook = lambda params: True  # type: ignore[attr-defined]
    asyncio.run(set_hook())
    assert api.attempts == ["getMe", "setWebhook", "setWebhook", "setWebhook"]
    assert waits.seconds == [1, 2]
    assert api.sent("setWebhook")[-1].params["secret_token"] == "s3cret"


def test_a_refused_token_is_final_not_retried() -> None:
    api, waits = Unreachable(failures=0), Waits()
    api.fail_next("getMe", 401, "Unauthorized")
    with pytest.raises(InvalidToken):
        asyncio.run(startup.initialize(application(api), Backoff(), waits))
    assert api.attempts == ["getMe"] and waits.seconds == []


def test_intake_run_says_a_refused_token_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The whole command, its Bot API faked at the transport."""
    api = Unreachable(failures=1)
    api.fail_next("getMe", 401, "Unauthorized")
    monkeypatch.setenv("INTAKE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("INTAKE_BOT_TOKEN", "123456:REVOKED")
    monkeypatch.delenv("INTAKE_ENV_FILE", raising=False)
    monkeypatch.chdir(tmp_path)
    from bot.telegram import app as telegram_app

    real = telegram_app.build_bot
    monkeypatch.setattr(telegram_app, "build_bot",
                        lambda services, run_worker=True: real(services, api, run_worker))
    monkeypatch.setenv("INTAKE_KEYS", generate_key())
    monkeypatch.setenv("INTAKE_INDEX_KEY", generate_key())
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == ("error: Telegram refused the bot token: check "
                                    "INTAKE_BOT_TOKEN (from @BotFather)")
    assert "Traceback" not in err
    assert api.attempts == ["getMe", "getMe"]
