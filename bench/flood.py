"""A burst of background notices through the real sender and pacer, against a fake Bot API
that enforces Telegram's flood limits and answers 429 when one is broken.

    python bench/flood.py [--notices 2000] [--chats 500] [--speed 1] [--unpaced]

The notices go out as the worker sends them (background work), all asked for at once; a
person pressing a button every two seconds meanwhile is answered in the foreground. Prints
how many notices were lost (never sent), how many calls Telegram refused with 429, the
sustained rate against the overall limit (target: 0 lost, 0 refused, >= 90 % of 30 a
second), and how long the person's replies waited.

``--speed F`` runs the limits (and the fake's enforcement) F times faster, for a quick
look; the figures are then per simulated second. ``--unpaced`` runs the same burst with the
pacer's limits lifted, to show what the fake's limits do to a bot without it (RetryAfter
waits and lost notices).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telegram import Bot
from telegram.request import RequestData

from bot.telegram.pacing import Limits, Pacer, background
from bot.telegram.sender import Sender
from tests.telegram.fakeapi import FakeBotAPI
from tests.telegram.floodlimits import violations

PERSON = 42
#: Arrival times on a real clock jitter by a few milliseconds: one message over is let pass.
SLACK = 1


@dataclass
class LimitedBotAPI(FakeBotAPI):
    """Answers a message that breaks a limit with 429 and ``retry_after``, as Telegram."""

    limits: Limits = field(default_factory=Limits)
    start: float = field(default_factory=time.monotonic)
    accepted: list[tuple[float, int]] = field(default_factory=list)
    refused: int = 0
    _recent: deque[float] = field(default_factory=deque)
    _chats: dict[int, deque[float]] = field(default_factory=lambda: defaultdict(deque))

    def _breaks(self, times: deque[float], at: float, size: float, rate: float) -> bool:
        for back, earlier in enumerate(reversed(times), start=2):
            if back > size + rate * (at - earlier) + SLACK:
                return True
        return False

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = None, write_timeout: Any = None,
                         connect_timeout: Any = None, pool_timeout: Any = None,
                         ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        if name in ("sendMessage", "editMessageText") and request_data is not None:
            chat = int(str(request_data.parameters["chat_id"]))
            at = time.monotonic() - self.start
            limits, mine = self.limits, self._chats[chat]
            group = chat < 0 and len(mine) >= limits.group_per_minute + SLACK and \
                at - mine[-limits.group_per_minute - SLACK] < limits.minute
            if group or self._breaks(self._recent, at, limits.burst, limits.per_second) \
                    or self._breaks(mine, at, limits.chat_burst, limits.chat_per_second):
                self.refused += 1
                body = {"ok": False, "error_code": 429,
                        "description": "Too Many Requests: retry after 1",
                        "parameters": {"retry_after": 1}}
                return 429, json.dumps(body).encode()
            self._recent.append(at)
            while len(self._recent) > 300:
                self._recent.popleft()
            mine.append(at)
            self.accepted.append((at, chat))
        return await super().do_request(url, method, request_data, read_timeout,
                                        write_timeout, connect_timeout, pool_timeout)


async def run(notices: int, chats: int, speed: float, paced: bool) -> dict[str, Any]:
    limits = Limits().faster(speed)
    api = LimitedBotAPI(limits=limits)
    bot = Bot("123456:BENCH", request=api, get_updates_request=FakeBotAPI())
    await bot.initialize()
    unlimited = Limits(per_second=1e9, burst=10**9, chat_per_second=1e9, chat_burst=10**9,
                       group_per_minute=10**9)
    sender = Sender(bot, Pacer(limits if paced else unlimited))
    lost = 0
    waits: list[float] = []
    done = asyncio.Event()

    async def notice(n: int) -> None:
        nonlocal lost
        with background():
            try:
                await sender.send(1000 + n % chats, f"notice {n}")
            except Exception:
                lost += 1

    async def person() -> None:
        while not done.is_set():
            await asyncio.sleep(2.0 / speed)
            asked = time.monotonic()
            try:
                await sender.send(PERSON, "reply")
                waits.append((time.monotonic() - asked) * speed)
            except Exception:
                waits.append(float("inf"))

    api.start = started = time.monotonic()
    presses = asyncio.create_task(person())
    await asyncio.gather(*(notice(n) for n in range(notices)))
    elapsed = (time.monotonic() - started) * speed
    done.set()
    await presses
    await bot.shutdown()
    sent = [(t * speed, c) for t, c in api.accepted if c != PERSON]
    burst = Limits().burst  # the first second's allowance, not sustained
    return {
        "paced": paced, "notices": notices, "chats": chats,
        "lost": lost, "refused_429": api.refused,
        "seconds": round(elapsed, 1),
        "sustained_per_second": round((len(sent) - burst) / elapsed, 1) if elapsed else 0.0,
        "of_limit": round((len(sent) - burst) / elapsed / Limits().per_second, 3),
        "limit_breaks_judged": len(violations(
            [(t, c) for t, c in api.accepted], Limits(), slack=SLACK)) if speed == 1 else None,
        "reply_wait_p50_s": round(statistics.median(waits), 3) if waits else None,
        "reply_wait_max_s": round(max(waits), 3) if waits else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notices", type=int, default=2000)
    parser.add_argument("--chats", type=int, default=500)
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--unpaced", action="store_true")
    args = parser.parse_args()
    for paced in (True, False) if args.unpaced else (True,):
        print(json.dumps(asyncio.run(run(args.notices, args.chats, args.speed, paced))))


if __name__ == "__main__":
    main()
