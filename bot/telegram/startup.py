"""Reaching Telegram at start-up, patiently.

Before it serves, the bot asks the Bot API who it is (``getMe``) and removes or sets its
webhook. A host that has no network yet (a laptop just woken, a container started before its
network, a Bot API server still booting) fails those calls; the bot then waits and tries
again, each wait twice the last up to a cap, and logs one line per failed attempt instead of
a traceback::

    telegram unreachable (ConnectError), retrying in 4 s (attempt 3)

Only network failures and flood control are retried. Telegram refusing the request (a
revoked token, a bad webhook URL) is final: it raises, and the command says so.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from telegram import Bot
from telegram.error import NetworkError, RetryAfter
from telegram.ext import Application

from bot.telegram.sender import retry_seconds

log = logging.getLogger("intake.startup")
T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Backoff:
    """Seconds to wait after a failed attempt: ``first``, then doubled, never over ``cap``."""

    first: float = 1.0
    factor: float = 2.0
    cap: float = 60.0

    def delay(self, attempt: int) -> float:
        """The wait after failed attempt number ``attempt`` (from 1)."""
        return min(self.cap, self.first * self.factor ** (attempt - 1))


async def retrying(call: Callable[[], Awaitable[T]], backoff: Backoff = Backoff(),
                   sleep: Sleep = asyncio.sleep) -> T:
    """``call()``'s result, calling again after each network failure until one succeeds."""
    attempt = 1
    while True:
        try:
            return await call()
        except RetryAfter as flood:  # a subclass of neither; Telegram says how long
            delay = max(retry_seconds(flood), backoff.delay(attempt))
            log.warning("telegram asks to slow down, retrying in %s s (attempt %d)",
                        _seconds(delay), attempt)
        except NetworkError as error:  # TimedOut and HTTP 5xx are NetworkErrors too
            delay = backoff.delay(attempt)
            log.warning("telegram unreachable (%s), retrying in %s s (attempt %d)",
                        _reason(error), _seconds(delay), attempt)
        await sleep(delay)
        attempt += 1


async def initialize(application: Application,  # type: ignore[type-arg]
                     backoff: Backoff = Backoff(), sleep: Sleep = asyncio.sleep) -> None:
    """Initialise ``application`` (``getMe``). Called again later by whatever serves
    (the poller, the webhook server), initialising is then a no-op."""
    await retrying(application.initialize, backoff, sleep)


async def set_webhook(bot: Bot, url: str, secret: str, allowed_updates: Sequence[str],
                      backoff: Backoff = Backoff(), sleep: Sleep = asyncio.sleep) -> None:
    """Initialise ``bot`` (``getMe``) and point Telegram's webhook at ``url``."""
    await retrying(bot.initialize, backoff, sleep)
    await retrying(lambda: bot.set_webhook(url, secret_token=secret,
                                           allowed_updates=allowed_updates), backoff, sleep)


def _reason(error: NetworkError) -> str:
    """The kind of failure, never its text: a URL in it would carry the bot token."""
    cause = error.__cause__
    return type(cause if cause is not None else error).__name__


def _seconds(delay: float) -> str:
    return f"{delay:g}"
