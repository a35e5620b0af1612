"""Flood control: messages paced within Telegram's limits, a person's own replies first.

Telegram refuses (429, ``RetryAfter``) a bot that sends more than about 30 messages a second
in all, more than about one a second in one chat for long, or more than 20 a minute in one
group. python-telegram-bot's rate limiter covers the overall and group limits, not the
per-chat one; and a burst of background work (cards, reminders, erasure notices to every
agency after a purge) would otherwise queue in front of the reply to someone pressing a
button. So every message the bot sends asks the :class:`Pacer` for a slot first:

* overall: a bucket of one second's messages (30) refilled at 30 a second;
* per chat: a bucket of ``burst`` messages refilled at one a second, so the few messages
  that answer one action go at once and a run of notices to one chat is spread out;
* per group (a negative chat id): at most 20 in any 60 seconds;
* a reply to a person's own action (foreground, the default) takes the next overall slot
  and is held by no per-chat wait; background work (:func:`background`, used by the worker)
  waits while any foreground message is waiting, and keeps every limit.

``RetryAfter`` is still honoured by the sender, should Telegram disagree. One pacer serves
one process; processes sharing a bot share Telegram's limits, so each runs well under them
only when the load is spread (docs/deploy.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass

#: Set by :func:`background` for the task doing background work (the worker's round).
_BACKGROUND: ContextVar[bool] = ContextVar("intake_background_send", default=False)


@contextlib.contextmanager
def background() -> Iterator[None]:
    """Within this block, the current task's messages are background work."""
    token = _BACKGROUND.set(True)
    try:
        yield
    finally:
        _BACKGROUND.reset(token)


def in_background() -> bool:
    return _BACKGROUND.get()


@dataclass(frozen=True)
class Limits:
    per_second: float = 30.0
    #: Messages that may go at once overall (one second's worth), then ``per_second``.
    burst: int = 30
    chat_per_second: float = 1.0
    chat_burst: int = 3
    group_per_minute: int = 20
    minute: float = 60.0

    def faster(self, factor: float) -> Limits:
        """The same limits with time running ``factor`` times faster (benchmarks)."""
        return Limits(self.per_second * factor, self.burst, self.chat_per_second * factor,
                      self.chat_burst, self.group_per_minute, self.minute / factor)


class Pacer:
    """Hands out send slots within :class:`Limits`; ``clock`` and ``sleep`` may be
    replaced (tests run it on a simulated clock)."""

    def __init__(self, limits: Limits | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.limits = limits or Limits()
        self._clock, self._sleep = clock, sleep
        #: the overall bucket: (tokens, when they were counted)
        self._all = (float(self.limits.burst), clock())
        #: chat -> (tokens, when they were counted)
        self._chats: dict[int, tuple[float, float]] = {}
        self._groups: dict[int, deque[float]] = {}
        self._foreground = 0
        self._turn = asyncio.Lock()
        self._chat_locks: dict[int, tuple[asyncio.Lock, int]] = {}

    async def slot(self, chat_id: int, *, foreground: bool | None = None) -> None:
        """Wait until a message to ``chat_id`` may go, and take the slot.

        Each check and its taking run without an await between them, so the limits hold
        however many tasks ask at once; the locks only spare them waking in a herd: one
        background task per chat waits for its chat, then one at a time, in order, for the
        overall slot."""
        front = (not in_background()) if foreground is None else foreground
        if front:
            await self._foreground_slot(chat_id)
            return
        lock, users = self._chat_locks.get(chat_id, (asyncio.Lock(), 0))
        self._chat_locks[chat_id] = (lock, users + 1)
        try:
            async with lock:
                while True:
                    await self._until(lambda now: self._chat_ready_at(chat_id, now))
                    async with self._turn:
                        while True:
                            now = self._clock()
                            if self._chat_ready_at(chat_id, now) > now:
                                break  # a reply took this chat's share meanwhile
                            at = self._overall_ready_at(now)
                            if at <= now and self._foreground == 0:
                                self._take(chat_id, now)
                                return
                            await self._sleep(max(at - now, 0.0)
                                              or 1.0 / self.limits.per_second)
        finally:
            lock, users = self._chat_locks[chat_id]
            if users <= 1:
                del self._chat_locks[chat_id]
            else:
                self._chat_locks[chat_id] = (lock, users - 1)

    async def _foreground_slot(self, chat_id: int) -> None:
        self._foreground += 1
        try:
            while True:
                now = self._clock()
                at = self._overall_ready_at(now)
                if at <= now:
                    self._take(chat_id, now)
                    return
                await self._sleep(at - now)
        finally:
            self._foreground -= 1

    async def _until(self, ready_at: Callable[[float], float]) -> None:
        while True:
            now = self._clock()
            at = ready_at(now)
            if at <= now:
                return
            await self._sleep(at - now)

    @staticmethod
    def _refill(bucket: tuple[float, float], now: float, rate: float, size: float) -> float:
        tokens, since = bucket
        return min(size, tokens + (now - since) * rate)

    def _overall_ready_at(self, now: float) -> float:
        limits = self.limits
        overall = self._refill(self._all, now, limits.per_second, limits.burst)
        return now if overall >= 1.0 else now + (1.0 - overall) / limits.per_second

    def _chat_ready_at(self, chat_id: int, now: float) -> float:
        limits = self.limits
        at = now
        size = float(limits.chat_burst)
        tokens = self._refill(self._chats.get(chat_id, (size, now)), now,
                              limits.chat_per_second, size)
        if tokens < 1.0:
            at = now + (1.0 - tokens) / limits.chat_per_second
        sent = self._groups.get(chat_id)
        if chat_id < 0 and sent is not None:
            recent = [t for t in sent if t > now - limits.minute]
            if len(recent) >= limits.group_per_minute:
                at = max(at, recent[-limits.group_per_minute] + limits.minute)
        return at

    def _take(self, chat_id: int, now: float) -> None:
        limits = self.limits
        overall = self._refill(self._all, now, limits.per_second, limits.burst)
        self._all = (overall - 1.0, now)
        size = float(limits.chat_burst)
        tokens = self._refill(self._chats.get(chat_id, (size, now)), now,
                              limits.chat_per_second, size)
        self._chats[chat_id] = (tokens - 1.0, now)
        if chat_id < 0:
            sent = self._groups.setdefault(chat_id, deque())
            sent.append(now)
            while sent and sent[0] <= now - limits.minute:
                sent.popleft()
        if len(self._chats) > 10_000:  # forget chats whose bucket is full again
            full = now - limits.chat_burst / limits.chat_per_second
            self._chats = {c: v for c, v in self._chats.items() if v[1] > full}
