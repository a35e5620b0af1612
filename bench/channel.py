"""Full intakes through the real python-telegram-bot stack, against bare bots fed the same
updates.

    python bench/channel.py [--intakes N] [--chats K] [--conversations M]

Every bot runs the same PTB code over the same offline transport (only the Bot API's HTTP
is replaced). The product does everything a real update costs it: stored in the durable
inbox (encrypted) and claimed from it, as the webhook and the poller take it, then the
lock, idempotency record, engine step, encrypted database write on SQLite, rendering,
signed buttons. Targets: product/durable >= 0.5x (updates per second), p99 <= 3x p50 for
the product.

The bots of the first part take **each update in turn** (the next only once the last is
handled), so a slow spell of the machine or a garbage collection weighs on all alike:

  product            as shipped: on SQLite the write transactions of updates in hand
                     share commits (``storage.group_commit``); one at a time, each has
                     its own; SQLite's checkpoints on a thread of their own
                     (``storage.checkpoint``), as ``intake run`` starts it
  own commits        the product with every write transaction on a thread hop and commit
                     of its own (the lever's other side, same run)
  calls              exactly the Bot API calls the product made for each update, posted
                     the way the product posts them, and nothing else
  durable            the baseline: an echo after writing each update in one SQLite
                     transaction (WAL, the product's sync setting) on a worker thread
  echo               a bare PTB echo
  floor              only the product's database transactions, on the product's own
                     stores: the update stored encrypted and claimed in one commit, then
                     the step's (idempotency record, the encrypted conversation read and
                     written) in a second; no engine, no rendering; then the echo's calls
  floor, one commit  the same two transactions merged into one commit and one hop (what
                     handling an update inside its own store's transaction would leave)

The second part (``--chats K``, default 50) feeds **batches** as a loaded ``getUpdates``
returns them: one update from each of K chats at once, each chat doing a full intake, the
next batch once the last is handled. The product stores each batch in one transaction and
handles up to its concurrency at once; the durable baseline still writes each update in a
transaction of its own, as PTB hands them over concurrently (its one SQLite connection
taken in turn). Latency there is from the batch's arrival to each update's end.

Every figure is printed with p99/p50, and the ratios the performance notes quote, both of
updates per second and of the medians (the steadier reading on a shared machine). Last,
the resident memory growth with M conversations in flight (target <= 20 MB for 10,000).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
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

from bot.engine.session import Session  # noqa: E402
from bot.telegram.app import Bot  # noqa: E402
from bot.telegram.callbacks import Callback  # noqa: E402
from bot.telegram.inbox import OwnThreads, chat_of  # noqa: E402
from bot.telegram.pacing import Limits, Pacer  # noqa: E402
from bot.telegram.sender import quiet_raw_calls  # noqa: E402
from storage.checkpoint import Checkpoints  # noqa: E402
from storage.group_commit import GroupCommit  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.stores import Storage  # noqa: E402
from tests.telegram.fakeapi import FakeBotAPI  # noqa: E402
from tests.telegram.harness import Harness, settings_for  # noqa: E402
from tests.telegram.test_end_to_end import ANSWERS, PHONE, complete_intake  # noqa: E402


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def summarise(name: str, times: list[float], total: float | None = None
              ) -> tuple[float, float]:
    """Print one bot's line; returns its updates per second (over ``total`` seconds of
    wall time when given, else over the sum of the latencies) and its p50."""
    ordered = sorted(times)
    p50 = ordered[len(ordered) // 2]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    rate = len(times) / (total if total is not None else sum(times))
    print(f"{name:<18} {rate:8.0f} updates/s   p50 {p50 * 1e3:7.2f} ms   "
          f"p99 {p99 * 1e3:7.2f} ms   p99/p50 {p99 / p50:4.1f}")
    return rate, p50


Calls = dict[int, list[tuple[str, dict[str, Any]]]]
UNLIMITED = Limits(per_second=1e9, burst=10**9, chat_per_second=1e9, chat_burst=10**9,
                   group_per_minute=10**9)
PRODUCTS = ("product", "own commits")
IN_TURN = (*PRODUCTS, "calls", "durable", "echo", "floor", "floor, one commit")
BATCHED = (*PRODUCTS, "durable", "echo")


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
    encryption or an engine. Its one connection is taken in turn by concurrent updates."""
    store = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    store.execute("PRAGMA journal_mode=WAL")
    store.execute("PRAGMA synchronous=NORMAL")
    store.execute("CREATE TABLE updates (update_id INTEGER PRIMARY KEY, body TEXT)")
    turn = threading.Lock()

    def keep(update_id: int, body: str | None) -> None:
        with turn:
            store.execute("BEGIN IMMEDIATE")
            store.execute("INSERT INTO updates VALUES (?, ?)", (update_id, body))
            store.execute("COMMIT")

    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, message = update.callback_query, update.effective_message
        body = query.data if query is not None else message.text if message else None
        await asyncio.to_thread(keep, update.update_id, body)
        await echo(update, context)
    return handler


@dataclass
class Floor:
    """The product's database transactions for each update and nothing else, on the
    product's own stores: the inbox's store-and-claim commit, then the step's (the update
    recorded as handled, the chat's encrypted conversation read and written as the product
    left it), each on a thread hop; ``fused``: both in one transaction and one hop. Then
    the echo's calls."""

    storage: Storage
    fused: bool
    #: Each update's JSON and the conversation the product saved for it (None: ended).
    data: dict[int, dict[str, Any]]
    sessions: dict[int, Session | None]
    done: list[int] = field(default_factory=list)

    def _keep(self, update_id: int, chat: int) -> None:
        done, self.done = self.done, []
        self.storage.inbox.store_and_claim([(update_id, chat, self.data[update_id])],
                                           datetime.now(UTC), "bench:floor", 1, done)

    def _step(self, update_id: int, chat: int) -> None:
        with self.storage.unit():
            now = datetime.now(UTC)
            self.storage.updates.first_time(update_id, now)
            self.storage.sessions.load(chat)
            session = self.sessions.get(update_id)
            if session is not None:
                self.storage.sessions.save(chat, session, now)

    def _both(self, update_id: int, chat: int) -> None:
        with self.storage.unit():
            self._keep(update_id, chat)
            self._step(update_id, chat)

    async def handler(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = chat_of(update)
        if self.fused:
            await asyncio.to_thread(self._both, update.update_id, chat)
        else:
            await asyncio.to_thread(self._keep, update.update_id, chat)
            await asyncio.to_thread(self._step, update.update_id, chat)
        self.done.append(update.update_id)
        await echo(update, context)


async def floor_storage(tmp: Path) -> tuple[Storage, Checkpoints]:
    """The product's stores on a database of their own, checkpointed as the product's."""
    storage = Storage.from_settings(settings_for(tmp))
    upgrade(storage.engine)
    checkpoints = Checkpoints(storage.engine)
    checkpoints.start()
    return storage, checkpoints


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


async def product(tmp: Path, grouped: bool) -> Harness:
    harness = await Harness.start(tmp)
    # The transport is offline and answers at once: Telegram's 30 messages a second, which
    # the pacer keeps to, would make this a measure of that limit (about 29 updates a
    # second) rather than of the bot's own work. The flood benchmark measures the pacer.
    harness.bot.worker.sender.pacer = Pacer(UNLIMITED)
    writes = harness.bot.inbox.writes
    assert isinstance(writes, GroupCommit)  # SQLite: grouped as shipped
    if not grouped:
        harness.bot.inbox.writes = harness.bot.channel.referrer.writes = OwnThreads()
    harness.bot.checkpoints.start()  # as `intake run` does (Harness.stop stops it)
    return harness


class Turns:
    """Lets the product harnesses' drivers take one update each, in turn."""

    def __init__(self, players: int) -> None:
        self.turn, self.players = 0, players
        self.changed = asyncio.Condition()

    async def take(self, player: int) -> None:
        async with self.changed:
            await self.changed.wait_for(lambda: self.turn == player)

    async def give(self) -> None:
        async with self.changed:
            self.turn = (self.turn + 1) % self.players
            self.changed.notify_all()


async def interleaved(tmp: Path, intakes: int) -> dict[str, list[float]]:
    """Full intakes; each update goes to the product, then to each baseline, then to the
    other product, so all share the machine's moment and the process's state (a slow spell
    or a garbage collection falls on all of them alike). The first intake warms every bot,
    untimed."""
    harnesses = [await product(tmp / name.replace(" ", "-"), name == "product")
                 for name in PRODUCTS]
    calls: Calls = {}
    data: dict[int, dict[str, Any]] = {}
    sessions: dict[int, Session | None] = {}
    floors = [await floor_storage(tmp / f"floor{n}") for n in range(2)]
    storages = [storage for storage, _ in floors]
    baselines = {"calls": await baseline(replay(calls)),
                 "durable": await baseline(durable(tmp / "durable.sqlite3")),
                 "echo": await baseline(echo),
                 "floor": await baseline(Floor(storages[0], False, data, sessions).handler),
                 "floor, one commit": await baseline(
                     Floor(storages[1], True, data, sessions).handler)}
    times: dict[str, list[float]] = {name: [] for name in IN_TURN}
    turns = Turns(len(harnesses))
    warm = [True]

    def feeder(player: int, harness: Harness) -> Callable[[dict[str, Any]], Awaitable[None]]:
        async def feed(update: dict[str, Any]) -> None:
            await turns.take(player)
            first = len(harness.api.calls)
            lapses = {PRODUCTS[player]: await through_inbox(harness.bot, update)}
            if player == 0:
                update_id = update["update_id"]
                calls[update_id] = [(c.method, c.params) for c in harness.api.calls[first:]]
                data[update_id] = update
                sessions[update_id] = harness.services.storage.sessions.load(
                    chat_of(Update.de_json(update, harness.bot.application.bot)))
                for name, (application, api) in baselines.items():
                    lapses[name] = await timed(application, update)
                    api.calls.clear()  # the fakes' call logs are the benchmark's
            if not warm[0]:
                for name, lapse in lapses.items():
                    times[name].append(lapse)
            await turns.give()
        return feed

    for player, harness in enumerate(harnesses):
        harness.feed = feeder(player, harness)  # type: ignore[method-assign]
        harness.enrol(601, "focal_point", agency="example_health")
        for n in range(intakes + 1):
            harness.enrol(10_000 + n, "referrer")

    async def drive(harness: Harness) -> None:
        for n in range(intakes + 1):
            await complete_intake(harness, 10_000 + n)
            if harness is harnesses[-1]:
                warm[0] = False

    await asyncio.gather(*(drive(harness) for harness in harnesses))
    for application, _ in baselines.values():
        await application.shutdown()
    for harness in harnesses:
        await harness.stop()
    for storage, checkpoints in floors:
        checkpoints.stop()
        storage.close()
    return times


@dataclass
class Chats:
    """K referrers of one bot doing full intakes side by side: the next update of each."""

    harness: Harness | None
    chats: list[int]
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    keyboards: dict[int, tuple[int, list[str]]] = field(default_factory=dict)

    def batch(self, step: int) -> list[dict[str, Any]]:
        """Step ``step`` of the script (/new, the buttons, the phone number) of each chat."""
        script = ["/new", *ANSWERS, PHONE]
        return [self._input(chat, script[step]) for chat in self.chats]

    def _input(self, chat: int, given: str) -> dict[str, Any]:
        update_id = next(self.ids)
        sender = {"id": chat, "is_bot": False, "first_name": "Staff", "language_code": "en"}
        place = {"chat": {"id": chat, "type": "private"}, "date": 1_790_000_000}
        if given in ANSWERS:
            message_id, buttons = self.keyboards[chat]
            data = next(d for d in buttons if given in self._values(d))
            return {"update_id": update_id, "callback_query": {
                "id": f"cb{update_id}", "from": sender, "chat_instance": "x", "data": data,
                "message": {"message_id": message_id, "text": "", **place}}}
        message: dict[str, Any] = {"message_id": 10 ** 6 + update_id, "text": given,
                                   "from": sender, **place}
        if given.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(given)}]
        return {"update_id": update_id, "message": message}

    def _values(self, data: str) -> tuple[str, str]:
        """What pressing the button says, as ``Harness.choose`` matches it."""
        assert self.harness is not None
        callback: Callback = self.harness.codec.decode(data)
        return callback.value, f"{callback.value}:{callback.arg}"

    def read_replies(self) -> None:
        """The buttons each chat now shows, from the calls since the last batch."""
        assert self.harness is not None
        for call in self.harness.api.calls:
            if call.method not in ("sendMessage", "editMessageText") or \
                    "reply_markup" not in call.params:
                continue
            markup = call.params["reply_markup"]
            markup = json.loads(markup) if isinstance(markup, str) else markup
            buttons = [b["callback_data"] for row in markup.get("inline_keyboard", [])
                       for b in row]
            if buttons:
                message_id = call.params.get("message_id") or call.result["message_id"]
                self.keyboards[int(call.params["chat_id"])] = (int(message_id), buttons)
        self.harness.api.calls.clear()


async def product_batch(harness: Harness, batch: list[dict[str, Any]]) -> list[float]:
    """One batch through the product as the poller hands it over: stored (and as much
    claimed as there is room for) in one transaction, the rest claimed by the inbox's loop
    as updates finish. Each update's seconds from the batch's arrival to its end."""
    inbox = harness.bot.inbox
    finished: dict[int, float] = {}
    everything = asyncio.Event()
    handle = inbox.handle

    async def timing(update: dict[str, Any] | Update) -> None:
        try:
            await handle(update)
        finally:
            update_id = update.update_id if isinstance(update, Update) else update["update_id"]
            finished[update_id] = time.perf_counter()
            if len(finished) == len(batch):
                everything.set()

    inbox.handle = timing
    parsed = [Update.de_json(d, harness.bot.application.bot) for d in batch]
    rows = [(u.update_id, chat_of(u), d) for u, d in zip(parsed, batch, strict=True)]
    began = time.perf_counter()
    await inbox.keep(rows, parsed)
    try:
        await asyncio.wait_for(everything.wait(), 60)
    except TimeoutError:
        raise RuntimeError(f"{len(batch) - len(finished)} updates of a batch were not "
                           f"handled ({inbox.in_hand} in hand)") from None
    inbox.handle = handle
    return [finished[d["update_id"]] - began for d in batch]


async def baseline_batch(application: Application,  # type: ignore[type-arg]
                         batch: list[dict[str, Any]]) -> list[float]:
    """One batch through a bare PTB bot, its updates handled concurrently as PTB does with
    ``concurrent_updates``."""
    updates = [Update.de_json(d, application.bot) for d in batch]
    began = time.perf_counter()

    async def one(update: Update) -> float:
        await application.process_update(update)
        return time.perf_counter() - began
    return list(await asyncio.gather(*(one(u) for u in updates)))


async def batched(tmp: Path, chats: int, intakes: int) -> tuple[dict[str, list[float]],
                                                              dict[str, float], float]:
    """``intakes`` rounds of ``chats`` referrers each doing a full intake side by side; each
    batch goes to every bot in turn. The first round warms them, untimed. Returns each
    bot's latencies, its wall time, and the product's mean updates per commit."""
    harnesses = {name: await product(tmp / f"batch-{n}", name == "product")
                 for n, name in enumerate(PRODUCTS)}
    baselines = {"durable": await baseline(durable(tmp / "batch-durable.sqlite3")),
                 "echo": await baseline(echo)}
    stop = asyncio.Event()
    loops = [asyncio.create_task(h.bot.inbox.run(stop)) for h in harnesses.values()]
    times: dict[str, list[float]] = {name: [] for name in BATCHED}
    walls = dict.fromkeys(BATCHED, 0.0)
    grouped = harnesses["product"].bot.inbox.writes
    assert isinstance(grouped, GroupCommit)
    counted = (0, 0)
    ids = {name: itertools.count(1) for name in harnesses}  # update ids never come twice
    for round_ in range(intakes + 1):
        people = [20_000 + round_ * chats + n for n in range(chats)]
        drivers = {name: Chats(h, people, ids[name]) for name, h in harnesses.items()}
        for h in harnesses.values():
            for chat in people:
                h.enrol(chat, "referrer")
        if round_ == 1:
            counted = (grouped.groups, grouped.pieces)
        for step in range(len(ANSWERS) + 2):
            lapses: dict[str, list[float]] = {}
            batch: list[dict[str, Any]] = []
            for name, h in harnesses.items():
                mine = drivers[name].batch(step)
                batch = batch or mine
                lapses[name] = await product_batch(h, mine)
                drivers[name].read_replies()
            for name, (application, api) in baselines.items():
                lapses[name] = await baseline_batch(application, batch)
                api.calls.clear()
            if round_:
                for name, lapse in lapses.items():
                    times[name].extend(lapse)
                    walls[name] += max(lapse)
    stop.set()
    await asyncio.gather(*loops)
    per_commit = (grouped.pieces - counted[1]) / max(1, grouped.groups - counted[0])
    for application, _ in baselines.values():
        await application.shutdown()
    for h in harnesses.values():
        await h.stop()
    return times, walls, per_commit


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


def ratio(name: str, rates: dict[str, tuple[float, float]], over: str, note: str = "") -> None:
    """Updates per second of ``name`` over those of ``over``, and the same read from the
    medians (a mean moves with every slow spell of a shared machine; the median hardly)."""
    (rate, p50), (other, other_p50) = rates[name], rates[over]
    print(f"ratio {name}/{over}: {rate / other:.2f}x (by p50 {other_p50 / p50:.2f}x)   "
          f"{note}".rstrip())


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--intakes", type=int, default=20,
                        help="full intakes taken update by update (default 20)")
    parser.add_argument("--chats", type=int, default=50,
                        help="chats per batch in the second part; 0 skips it (default 50)")
    parser.add_argument("--batch-intakes", type=int, default=2,
                        help="rounds of full intakes of all those chats (default 2)")
    parser.add_argument("--conversations", type=int, default=10_000,
                        help="conversations in flight for the memory figure (default 10000)")
    args = parser.parse_args()
    print(f"load average: {Path('/proc/loadavg').read_text().split()[:3]}")
    with tempfile.TemporaryDirectory() as tmp:
        times = await interleaved(Path(tmp) / "a", args.intakes)
        print(f"{len(times['product'])} updates of {args.intakes} full intakes, SQLite, "
              "same transport, each update to every bot in turn")
        rates = {name: summarise(name, times[name]) for name in IN_TURN}
        ratio("product", rates, "durable", "(target >= 0.5x)")
        ratio("own commits", rates, "durable")
        ratio("product", rates, "own commits", "(group commit, in turn)")
        ratio("product", rates, "echo")
        ratio("calls", rates, "echo", "(the product's Bot API calls alone)")
        ratio("product", rates, "calls", "(the product's own work)")
        ratio("durable", rates, "echo", "(one durable write per update)")
        ratio("floor", rates, "durable", "(the product's two transactions alone)")
        ratio("floor, one commit", rates, "durable", "(the same in one transaction)")
        ratio("product", rates, "floor", "(all the rest of the product's work)")
        if args.chats > 0:
            batches, walls, per_commit = await batched(Path(tmp) / "c", args.chats,
                                                       args.batch_intakes)
            print(f"\n{len(batches['product'])} updates in batches of {args.chats} chats "
                  f"({args.batch_intakes} rounds of full intakes), latency from the "
                  "batch's arrival")
            rates = {name: summarise(name, batches[name], walls[name]) for name in BATCHED}
            ratio("product", rates, "durable", "(target >= 0.5x)")
            ratio("own commits", rates, "durable")
            ratio("product", rates, "own commits", "(group commit, batched)")
            print(f"product: {per_commit:.1f} write transactions per commit")
        before, after = await memory_run(Path(tmp) / "b", args.conversations)
        print(f"memory: {args.conversations} conversations in flight: RSS {before:.1f} -> "
              f"{after:.1f} MB, growth {after - before:.1f} MB   (target <= 20 MB)")
    print(f"load average: {Path('/proc/loadavg').read_text().split()[:3]}")


if __name__ == "__main__":
    asyncio.run(main())
