"""Telegram's flood limits as a judge, written apart from the pacer: given when each message
went to which chat, which of them broke a limit.

A limit of ``size`` messages refilled at ``rate`` a second holds when, for every run of
messages from the i-th to the j-th (in time order), ``j - i + 1 <= size + rate * (t_j -
t_i)``: no stretch of time carries more than its share plus the burst. Groups: at most 20
in any 60 seconds. ``slack`` tolerates that many messages over (timing noise of a real
clock); 0 on a simulated one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from bot.telegram.pacing import Limits

EPSILON = 1e-9


def _over(times: Sequence[float], size: float, rate: float, slack: int) -> list[int]:
    """Indexes of the messages that ended a stretch carrying too many."""
    broken = []
    for j in range(len(times)):
        for i in range(j):
            if j - i + 1 > size + rate * (times[j] - times[i]) + slack + EPSILON:
                broken.append(j)
                break
    return broken


def _window(times: Sequence[float], count: int, seconds: float) -> list[int]:
    return [j for j in range(count, len(times))
            if times[j] - times[j - count] < seconds - EPSILON]


def violations(sent: Iterable[tuple[float, int]], limits: Limits,
               slack: int = 0) -> list[tuple[float, int, str]]:
    """The messages (time, chat, which limit) that broke a limit."""
    ordered = sorted(sent)
    found = [(ordered[j][0], ordered[j][1], "overall") for j in _over(
        [t for t, _ in ordered], limits.burst, limits.per_second, slack)]
    chats: dict[int, list[float]] = defaultdict(list)
    for at, chat in ordered:
        chats[chat].append(at)
    for chat, times in chats.items():
        found += [(times[j], chat, "chat") for j in _over(
            times, limits.chat_burst, limits.chat_per_second, slack)]
        if chat < 0:
            found += [(times[j], chat, "group") for j in _window(
                times, limits.group_per_minute + slack, limits.minute)]
    return sorted(found)
