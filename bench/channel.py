"""Full intakes through the real python-telegram-bot stack, against a bare echo bot.

    python bench/channel.py [--intakes N] [--conversations M]

Both bots run the same PTB code over the same offline transport (only the Bot API's HTTP is
replaced); the product does everything a real update costs it: stored in the durable inbox
(encrypted) and claimed from it, as the webhook and the poller take it, then the lock,
idempotency record, engine step, encrypted database write on SQLite, rendering, signed
buttons. Prints updates
per second, p50 and p99 latency of both, their ratio (target >= 0.5x the echo baseline,
p99 <= 3x p50), and the resident memory growth with M conversations in flight (target
<= 20 MB for 10,000).

A third run, "calls", reads the gap: a PTB handler that makes, for each update, exactly the
Bot API calls the product made for it (an edit with the question's buttons, a callback
answer, ...) and nothing else: no database, no engine. Its ratio to the echo is the part of
the gap that is the size of the product's messages, not its own work. A fourth, "durable",
is the echo after writing each update in one SQLite transaction on a worker thread: the
floor of a bot that keeps what it is told, against which the product's sessions,
encryption and engine can be read.

The four bots live in one process and take each update in turn (product, calls, durable,
echo), so a slow spell of the machine or a garbage collection weighs on all alike; run one
after the other, the echo's figure moved with whatever the process had done before it.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from telegram import Update  # noqa: E402
from telegram.ext import (  # noqa: E402
    Application,
    ApplicationBuilder,
    ContextTypes,
    TypeHandler,
)

from bot.telegram.app import Bot  # noqa: E402
from bot.telegram.inbox import chat_of  # noqa: E402
from bot.telegram.pacing import Limits, Pacer  # noqa: E402
from bot.telegram.sender import quiet_raw_calls  # noqa: E402
from tests.telegram.fakeapi import FakeBotAPI  # noqa: E402
from tests.telegram.harness import Harness  # noqa: E402
from tests.telegram.test_end_to_end import complete_intake  # noqa: E402


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def summarise(name: str, times: list[float]) -> float:
    ordered = sorted(times)
    p50 = ordered[len(ordered) // 2]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    rate = len(times) / sum(times)
    print(f"{name:<10} {rate:8.0f} updates/s   p50 {p50 * 1e3:7.2f} ms   "
          f"p99 {p99 * 1e3:7.2f} ms   p99/p50 {p99 / p50:4.1f}")
    return rate


Calls = dict[int, list[tuple[str, dict[str, Any]]]]
UNLIMITED = Limits(per_second=1e9, burst=10**9, chat_per_second=1e9, chat_burst=10**9,
                   group_per_minute=10**9)
RUNS = ("product", "calls", "durable", "echo")


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, "echo", protect_content=True)
    if update.callback_query is not None:
        await update.callback_query.answer()


def replay(calls: Calls) -> Any:
    """A handler making the product's own Bot API calls for each update, and nothing else,
    posted the way the product's sender posts them (``Bot.do_api_request``)."""
    quiet_raw_calls()

    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        for method, params in calls[update.update_id]:
            await context.bot.do_api_request(method, dict(params))
    return handler


def durable(path: Path) -> Any:
    """The echo, after writing each update durably: one SQLite transaction in WAL mode (the
    product's journal and sync settings) on a worker thread, as any bot that must not block
    its event loop would. The floor of a bot that keeps what it is told, without sessions,
    encryption or an engine."""
    store = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    store.execute("PRAGMA journal_mode=WAL")
    store.execute("PRAGMA synchronous=NORMAL")
    store.execute("CREATE TABLE updates (update_id INTEGER PRIMARY KEY, body TEXT)")

    def keep(update_id: int, body: str | None) -> None:
        store.execute("BEGIN IMMEDIATE")
        store.execute("INSERT INTO updates VALUES (?, ?)", (update_id, body))
        store.execute("COMMIT")

    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, message = update.callback_query, update.effective_message
        body = query.data if query is not None else message.text if message else None
        await asyncio.to_thread(keep, update.update_id, body)
        await echo(update, context)
    return handler


async def baseline(handler: Any) -> tuple[Application, FakeBotAPI]:  # type: ignore[type-arg]
    api = FakeBotAPI()
    application = (ApplicationBuilder().token("123456:ECHO").request(api)
                   .get_updates_request(api).concurrent_updates(True).build())
    application.add_handler(TypeHandler(Update, handler))
    await application.initialize()
    return application, api


async def timed(application: Application, data: dict[str, Any]) -> float:  # type: ignore[type-arg]
    update = Update.de_json(data, application.bot)  # outside the timing, for every bot
    began = time.perf_counter()
    await application.process_update(update)
    return time.perf_counter() - began


async def through_inbox(bot: Bot, data: dict[str, Any]) -> float:
    """The product's whole path for one update, as the webhook and the poller take it:
    stored and claimed in one commit (which also deletes the previous update's row), the
    inbox loop's round, handled; the seconds it took. The handling is awaited, as the
    baselines' is (waiting by spinning the event loop once charged the product alone for
    holding the interpreter lock against the threads doing its work)."""
    update = Update.de_json(data, bot.application.bot)  # outside the timing, for every bot
    assert update is not None
    inbox = bot.inbox
    began = time.perf_counter()
    await inbox.keep([(update.update_id, chat_of(update), data)], [update])
    await inbox.round()  # as the inbox's loop does when it wakes
    await inbox.handled()
    return time.perf_counter() - began


async def interleaved(tmp: Path, intakes: int) -> dict[str, list[float]]:
    """Full intakes; each update goes to the product, then to each baseline, so all share
    the machine's moment and the process's state (a slow spell or a garbage collection falls
    on all of them alike). The first intake warms every bot, untimed."""
    harness = await Harness.start(tmp)
    # The transport is offline and answers at once: Telegram's 30 messages a second, which
    # the pacer keeps to, would make this a measure of that limit (about 29 updates a
    # second) rather than of the bot's own work. The flood benchmark measures the pacer.
    harness.bot.worker.sender.pacer = Pacer(UNLIMITED)
    calls: Calls = {}
    times: dict[str, list[float]] = {name: [] for name in RUNS}
    baselines = {"calls": await baseline(replay(calls)),
                 "durable": await baseline(durable(tmp.parent / "durable.sqlite3")),
                 "echo": await baseline(echo)}
    warm = True

    async def feed(data: dict[str, Any]) -> None:
        first = len(harness.api.calls)
        lapses = {"product": await through_inbox(harness.bot, data)}
        calls[data["update_id"]] = [(c.method, c.params) for c in harness.api.calls[first:]]
        for name, (application, api) in baselines.items():
            lapses[name] = await timed(application, data)
            api.calls.clear()  # the fakes' call logs are the benchmark's, not the bots'
        if not warm:
            for name, lapse in lapses.items():
                times[name].append(lapse)

    harness.feed = feed  # type: ignore[method-assign]
    harness.enrol(601, "focal_point", agency="example_health")
    for n in range(intakes + 1):
        harness.enrol(10_000 + n, "referrer")
    import tests.telegram.test_end_to_end as e2e

    for n in range(intakes + 1):
        e2e.REFERRER = 10_000 + n  # complete_intake drives the module's referrer
        await complete_intake(harness)
        warm = False
    for application, _ in baselines.values():
        await application.shutdown()
    await harness.stop()
    return times


async def memory_run(tmp: Path, conversations: int) -> tuple[float, float]:
    harness = await Harness.start(tmp)
    for n in range(conversations):
        harness.enrol(20_000 + n, "referrer")
    await harness.text(20_000, "/new")  # warm every code path once
    harness.api.calls.clear()
    gc.collect()
    before = rss_mb()
    for n in range(1, conversations):
        await harness.text(20_000 + n, "/new")
        if n % 1000 == 0:
            harness.api.calls.clear()  # the fake's call log is the benchmark's, not the bot's
            print(f"  {n} conversations open", file=sys.stderr)
    harness.api.calls.clear()
    gc.collect()
    after = rss_mb()
    await harness.stop()
    return before, after


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--intakes", type=int, default=20, help="full intakes (default 20)")
    parser.add_argument("--conversations", type=int, default=10_000,
                        help="conversations in flight for the memory figure (default 10000)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        times = await interleaved(Path(tmp) / "a", args.intakes)
        print(f"{len(times['product'])} updates of {args.intakes} full intakes, SQLite, "
              "same transport, each update to every bot in turn")
        ours, floor, kept, fastest = (summarise(name, times[name]) for name in RUNS)
        print(f"ratio product/echo: {ours / fastest:.2f}x   (target >= 0.5x)")
        print(f"ratio calls/echo: {floor / fastest:.2f}x   (the product's Bot API calls alone)")
        print(f"ratio product/calls: {ours / floor:.2f}x   (the product's own work)")
        print(f"ratio durable/echo: {kept / fastest:.2f}x   (one durable write per update)")
        print(f"ratio product/durable: {ours / kept:.2f}x")
        before, after = await memory_run(Path(tmp) / "b", args.conversations)
        print(f"memory: {args.conversations} conversations in flight: RSS {before:.1f} -> "
              f"{after:.1f} MB, growth {after - before:.1f} MB   (target <= 20 MB)")


if __name__ == "__main__":
    asyncio.run(main())
