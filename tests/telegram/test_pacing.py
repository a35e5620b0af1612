"""The pacer keeps every message within Telegram's limits (judged by
``tests.telegram.floodlimits``, on a simulated clock), sustains nearly 30 a second on a
burst to many chats, and lets a reply to a person's own action pass queued background work.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable

from bot.telegram.pacing import Limits, Pacer, background, in_background
from tests.telegram.floodlimits import violations

LIMITS = Limits()


class SimulatedTime:
    """A clock that moves only when every task is waiting on it, to the earliest wake."""

    def __init__(self) -> None:
        self.now = 0.0
        self._wakes: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._wakes, (self.now + seconds, next(self._order), future))
        await future

    async def run(self, *work: Awaitable[None]) -> None:
        tasks = [asyncio.ensure_future(w) for w in work]
        while not all(t.done() for t in tasks):
            for _ in range(5):  # let every runnable task reach its next sleep
                await asyncio.sleep(0)
            if self._wakes and not all(t.done() for t in tasks):
                at, _, future = heapq.heappop(self._wakes)
                self.now = max(self.now, at)
                future.set_result(None)
        for task in tasks:
            task.result()


def paced() -> tuple[SimulatedTime, Pacer, list[tuple[float, int]], Callable[..., Awaitable[None]]]:
    time = SimulatedTime()
    pacer = Pacer(LIMITS, clock=time.clock, sleep=time.sleep)
    sent: list[tuple[float, int]] = []

    async def send(chat: int, *, at: float = 0.0, front: bool = False) -> None:
        if at:
            await time.sleep(at)
        if front:
            await pacer.slot(chat)
        else:
            with background():
                await pacer.slot(chat)
        sent.append((time.now, chat))
    return time, pacer, sent, send


async def test_a_burst_of_2000_notices_to_500_chats_keeps_every_limit_at_nearly_full_rate(
        ) -> None:
    time, _, sent, send = paced()
    await time.run(*(send(1000 + n % 500) for n in range(2000)))
    assert len(sent) == 2000 and violations(sent, LIMITS) == []
    rate = (2000 - LIMITS.per_second) / time.now  # the first second's burst aside
    assert rate >= 0.9 * LIMITS.per_second


async def test_notices_to_one_chat_go_a_burst_then_one_a_second() -> None:
    time, _, sent, send = paced()
    await time.run(*(send(7) for _ in range(10)))
    times = [t for t, _ in sent]
    assert times[:3] == [0.0, 0.0, 0.0]
    assert times[3:] == [float(n) for n in range(1, 8)]
    assert violations(sent, LIMITS) == []


async def test_a_group_gets_at_most_20_a_minute() -> None:
    time, _, sent, send = paced()
    await time.run(*(send(-100) for _ in range(45)))
    times = [t for t, _ in sent]
    assert violations(sent, LIMITS) == []
    assert times[20] >= 60.0 and times[40] >= 120.0


async def test_a_reply_passes_queued_background_work() -> None:
    time, _, sent, send = paced()
    # 300 notices queued at once (ten seconds of sending), a person presses a button at 2 s.
    await time.run(*(send(1000 + n) for n in range(300)), send(42, at=2.0, front=True))
    [(replied_at, _)] = [(t, c) for t, c in sent if c == 42]
    assert replied_at <= 2.0 + 1.0 / LIMITS.per_second + 1e-9
    later = [t for t, c in sent if c != 42 and t > replied_at]
    assert len(later) > 200  # it did not wait behind them
    assert violations(sent, LIMITS) == []


async def test_replies_asked_together_all_go_before_the_next_background_message() -> None:
    time, _, sent, send = paced()
    # Asked just after the queue's head began waiting for the next slot: it yields.
    replies = [send(42 + n, at=2.01, front=True) for n in range(10)]
    await time.run(*(send(1000 + n) for n in range(300)), *replies)
    after = [c for t, c in sorted(sent) if t >= 2.01]
    assert set(after[:10]) == set(range(42, 52))  # nothing of the queue slipped between
    assert violations(sent, LIMITS) == []


async def test_a_person_s_own_replies_in_one_chat_are_not_held_a_second_each() -> None:
    time, _, sent, send = paced()
    await time.run(*(send(42, front=True) for _ in range(6)))
    assert [t for t, _ in sent] == [0.0] * 6


def test_background_marks_only_its_block() -> None:
    assert not in_background()
    with background():
        assert in_background()
    assert not in_background()


def test_the_judge_sees_a_broken_limit() -> None:
    assert violations([(0.0, 7)] * 4, LIMITS) == [(0.0, 7, "chat")]
    assert violations([(0.0, n) for n in range(31)], LIMITS) == [(0.0, 30, "overall")]
    group = [(float(n), -1) for n in range(21)]
    assert violations(group, LIMITS) == [(20.0, -1, "group")]


async def test_the_sender_asks_the_pacer_before_each_message_and_edit() -> None:
    from telegram import Bot

    from bot.telegram.sender import Sender
    from tests.telegram.fakeapi import FakeBotAPI

    time, pacer, _, _ = paced()
    api = FakeBotAPI()
    bot = Bot("123456:TEST", request=api, get_updates_request=FakeBotAPI())
    await bot.initialize()
    sender = Sender(bot, pacer)
    stamped: list[float] = []

    async def notices() -> None:
        with background():
            for _ in range(5):
                await sender.send(7, "notice")
                stamped.append(time.now)
            await sender.edit(7, 1001, "edited")
            stamped.append(time.now)

    await time.run(notices())
    await bot.shutdown()
    assert stamped == [0.0, 0.0, 0.0, 1.0, 2.0, 3.0]
    assert [c.method for c in api.calls if c.method != "getMe"] == \
        ["sendMessage"] * 5 + ["editMessageText"]
