"""Full intakes served by two ``intake run --webhook`` processes on PostgreSQL, against a
bare echo bot deployed the same way.

    python bench/postgres.py [--conversations N] [--window W] [--processes P]

Both runs are deployed as docs/deploy.md prescribes, P processes (default 2) behind one
webhook URL, and go through the same transport: a loopback Bot API on 127.0.0.1 that posts
each update to one process's webhook in turn, as a load balancer would, and retries any
answer other than 200 (``tests/telegram/test_two_processes.py``; Telegram refuses a second
poller, so several pollers is not a deployment). The same driver feeds both: N
conversations open at once, each person sends their next update only once the bot answered
the previous one, at most W updates awaiting an answer at a time (default 6), ready updates
sent first come, first served.

* product: ``intake run --webhook`` (python-telegram-bot 22, no Updater) on one throwaway
  PostgreSQL server: per update the inbox (stored before the webhook answers, claimed
  oldest-first per chat by either process, deleted after), the chat lock, the update
  ledger, the engine step, the encrypted session write, rendering and signed buttons; a
  full PwSN health-care intake per conversation (/new, 24 buttons, the typed phone number);
  the workers deliver the cards.
* echo: a bare python-telegram-bot application behind the same kind of webhook (this file
  with ``--echo-bot``: python-telegram-bot's own pattern, which answers 200 and queues the
  update in memory), answering every update with one ``sendMessage`` (and answering
  callback queries), fed the same number and kinds of updates in the same pattern.

Prints updates/s, p50 and p99 latency (queued -> the bot's answer reached the server) of
both, the ratio (target >= 0.25x the echo baseline), and the out-of-order steps observed
(target 0): replies that were not the step the person was at, presses refused as stale,
replies after the end, and referrals whose stored answers differ from those given. To read
the ratio by: the CPU time per update of the bots, of PostgreSQL and of this process (the
loopback server and the driver), and the product's PostgreSQL transactions per update.
States the machine first. Every wait is bounded; the whole run takes about two minutes on
2 cores. Figures move with whatever else the machine runs meanwhile.

The default window (6) paces the driver like people slower than the bot; ``--window 0``
sends every ready update at once (200 at the start).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.telegram.loopback import BotProcess
    from tests.telegram.test_two_processes import Report

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, this file's folder comes first on the path, where bench/storage.py would
# shadow the ``storage`` package: put the project root there instead.
sys.path[0] = str(ROOT)

#: Bounds, generous: the product's drive normally takes about a minute, the echo's seconds.
DRIVE_TIMEOUT = 150.0
SETTLE_TIMEOUT = 30.0


# -- the echo bot (run as a separate process) ------------------------------------------------
def echo_bot(port: int) -> int:
    """A bare python-telegram-bot application behind a webhook: one ``sendMessage`` per
    update, queued in memory by the webhook (PTB's own pattern) before it answers 200."""
    import json

    import uvicorn
    from telegram import Update
    from telegram.ext import ApplicationBuilder, TypeHandler

    from bench.channel import echo  # the same handler as the in-process benchmark
    from bot.settings import Settings
    from bot.telegram.app import CONCURRENT_UPDATES

    settings = Settings.from_env()  # read as the product reads them
    api, token = settings.bot_api_url, settings.bot_token
    assert token is not None, "the echo bot is started with INTAKE_BOT_TOKEN"
    # As many updates in hand as the product takes: with PTB's default (256) and 200 sent
    # at once, the echo's own HTTP pool times out and replies are lost.
    application = (ApplicationBuilder().token(token)
                   .base_url(f"{api}/bot").base_file_url(f"{api}/file/bot")
                   .concurrent_updates(CONCURRENT_UPDATES).updater(None).build())
    application.add_handler(TypeHandler(Update, echo))

    async def respond(send: Any, status: int) -> None:
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b"{}"})

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await application.initialize()
                    await application.start()
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await application.stop()
                    await application.shutdown()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        if scope["path"] == "/healthz":
            await respond(send, 200)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await application.update_queue.put(Update.de_json(json.loads(body), application.bot))
        await respond(send, 200)

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    return 0


@contextlib.contextmanager
def echo_processes(env: Mapping[str, str], root: Path,
                   tokens: tuple[str, ...]) -> Iterator[list[BotProcess]]:
    """One echo bot per token, each on a port of its own, like ``bot_processes``; always
    stopped."""
    from tests.telegram.loopback import BotProcess, free_port

    bots: list[BotProcess] = []
    try:
        for n, token in enumerate(tokens):
            folder = root / f"echo{n}"
            folder.mkdir()
            log = folder / "bot.log"
            port = free_port()
            with log.open("wb") as sink:
                bots.append(BotProcess(subprocess.Popen(
                    [sys.executable, str(Path(__file__).resolve()), "--echo-bot",
                     "--echo-port", str(port)], cwd=folder,
                    env={**env, "INTAKE_BOT_TOKEN": token}, stdout=sink,
                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL), log,
                    url=f"http://127.0.0.1:{port}"))
        yield list(bots)
    finally:
        for bot in bots:
            if bot.alive():
                bot.process.send_signal(signal.SIGTERM)
        for bot in bots:
            try:
                bot.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                bot.process.kill()
                bot.process.wait(timeout=15)


def _stat(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command name (field 3 is the first)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def cpu_seconds(pids: list[int], reaped: bool = False) -> float:
    """User + system CPU time the processes ``pids`` have used so far (with ``reaped``,
    also that of their children already waited for)."""
    total = 0
    for pid in pids:
        fields = _stat(pid)
        if fields:
            total += sum(int(f) for f in fields[11:15 if reaped else 13])
    return total / os.sysconf("SC_CLK_TCK")


def postgres_cpu(url: str) -> float:
    """CPU time of the PostgreSQL server behind ``url``: its postmaster with the backends
    that ended, and the live ones."""
    from sqlalchemy.engine import make_url

    host = str(make_url(url).query["host"])
    try:
        postmaster = int((Path(host) / "data" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0
    children = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()
                and (_stat(int(p.name)) or ["", ""])[1] == str(postmaster)]
    return cpu_seconds([postmaster], reaped=True) + cpu_seconds(children)


def transactions(url: str) -> tuple[int, int]:
    """Commits and rollbacks so far in the database of ``url`` (its statistics flushed)."""
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    host, port, name = parsed.query["host"], parsed.query["port"], parsed.database
    with psycopg.connect(host=str(host), port=int(str(port)), user="postgres", dbname="postgres",
                         autocommit=True) as connection:
        connection.execute("SELECT pg_stat_force_next_flush()")
        row = connection.execute("SELECT xact_commit, xact_rollback FROM pg_stat_database "
                                 "WHERE datname = %s", (name,)).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


@dataclass
class Cpu:
    """CPU seconds spent while the conversations ran: by the bots, by this process (the
    loopback server and the driver)."""

    bots: float = 0.0
    harness: float = 0.0
    database: float = 0.0
    #: Commits and rollbacks in the database meanwhile (the workers' included).
    commits: int = 0
    rollbacks: int = 0

    @contextlib.contextmanager
    def measure(self, pids: list[int], url: str | None = None) -> Iterator[None]:
        bots, harness = cpu_seconds(pids), time.process_time()
        database = postgres_cpu(url) if url else 0.0
        commits, rollbacks = transactions(url) if url else (0, 0)
        yield
        self.bots = cpu_seconds(pids) - bots
        self.harness = time.process_time() - harness
        if url:
            self.database = postgres_cpu(url) - database
            now = transactions(url)
            self.commits, self.rollbacks = now[0] - commits, now[1] - rollbacks


# -- the machine -------------------------------------------------------------------------------
def machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    postgres = "PostgreSQL ?"
    with contextlib.suppress(Exception):
        from tests.storage.postgres import find_bindir

        postgres = subprocess.run([str(find_bindir() / "postgres"), "--version"],
                                  capture_output=True, text=True, check=True,
                                  timeout=10).stdout.strip()
    import telegram

    return (f"machine: nproc {usable} ({os.cpu_count()} CPUs), {model}; "
            f"{platform.system()} {platform.release()}; Python {platform.python_version()}, "
            f"python-telegram-bot {telegram.__version__}, {postgres}")


# -- the two runs -----------------------------------------------------------------------------
def product_run(root: Path, chats: list[int], window: int | None, processes: int,
                timeout: float, cpu: Cpu) -> tuple[Report, int, str]:
    """The report, the out-of-order count found in the database, and a note on the cards."""
    from collections import Counter

    from tests.telegram.loopback import TOKEN, child_env
    from tests.telegram.test_two_processes import (
        EXPECTED_ENVELOPE,
        FOCAL,
        PHONE,
        Driver,
        SharedBotAPI,
        bot_processes,
        intake_steps,
        postgres_database,
        prepare,
        read_back,
        wait_serving,
        watch,
    )

    tokens = tuple([TOKEN] + [f"{TOKEN}-{n}" for n in range(1, processes)])
    with postgres_database("bench") as url, SharedBotAPI(lifetime=600.0,
                                                         tokens=tokens) as api:
        env = child_env(api, root / "unused.sqlite3", DATABASE_URL=url,
                        INTAKE_WORKER_SECONDS="1")
        codec, staff_ids = prepare(env, chats, FOCAL)
        driver = Driver(api, codec, chats, intake_steps(), focal=FOCAL, window=window)
        with bot_processes(env, root, tokens) as bots:
            wait_serving(api, bots)
            with cpu.measure([b.process.pid for b in bots], url):
                report = driver.run(timeout, check=watch(bots))
            driver.pump(lambda: len(report.cards) >= len(chats), SETTLE_TIMEOUT,
                        "a card per referral", watch(bots))
            _, records, contacts, _ = read_back(env)
    codes = {c.chat: c.code for c in report.conversations.values()}
    wrong = 0
    per_referrer = Counter(staff_ids.get(r.referrer_id or 0) for r in records)
    wrong += sum(n - 1 for n in per_referrer.values() if n > 1)  # an intake applied twice
    for record in records:
        if (record.code != codes.get(staff_ids.get(record.referrer_id or 0, 0))
                or (record.case_type, record.risk) != ("medical", "medium")
                or record.envelope != EXPECTED_ENVELOPE or record.services != ("medical",)
                or contacts.get(record.code) != {"phone": PHONE}):
            wrong += 1
    twice = sum(1 for n in report.cards.values() if n > 1)
    note = (f"referrals {len(records)}/{len(chats)}, cards {sum(report.cards.values())} "
            f"for {len(report.cards)} referrals ({twice} sent more than once)")
    return report, wrong, note


def echo_run(root: Path, chats: list[int], window: int | None, processes: int,
             timeout: float, cpu: Cpu) -> Report:
    from tests.telegram.loopback import TOKEN, child_env
    from tests.telegram.test_two_processes import (
        Driver,
        SharedBotAPI,
        intake_steps,
        wait_serving,
    )

    tokens = tuple([TOKEN] + [f"{TOKEN}-{n}" for n in range(1, processes)])
    with SharedBotAPI(lifetime=600.0, tokens=tokens) as api:
        env = child_env(api, root / "unused.sqlite3")
        driver = Driver(api, None, chats, intake_steps(), window=window, echo=True)
        with echo_processes(env, root, tokens) as bots:
            wait_serving(api, bots)
            with cpu.measure([b.process.pid for b in bots]):
                return driver.run(timeout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=200,
                        help="concurrent conversations, one full intake each (default 200)")
    parser.add_argument("--window", type=int, default=6,
                        help="most updates awaiting an answer at once; 0: no bound "
                             "(default 6; see the pool exhaustion note in the test)")
    parser.add_argument("--processes", type=int, default=2, help="bot processes (default 2)")
    parser.add_argument("--echo-bot", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--echo-port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.echo_bot:
        return echo_bot(args.echo_port)

    from tests.telegram.test_two_processes import ProductFailure, summarise

    window = args.window or None
    chats = [700_001 + n for n in range(args.conversations)]
    print(machine())
    bound = f"at most {window}" if window else "no bound"
    print(f"workload: {args.conversations} concurrent conversations x 26 updates (a full PwSN "
          f"health-care intake: /new, 24 buttons, a typed phone number), updates awaiting an "
          f"answer at once: {bound}, {args.processes} webhook processes behind one URL (a "
          f"loopback Bot API on 127.0.0.1 posting to each in turn)", flush=True)
    began = time.monotonic()
    ours_cpu, echo_cpu = Cpu(), Cpu()
    with tempfile.TemporaryDirectory(prefix="bench-postgres-") as tmp:
        (Path(tmp) / "product").mkdir()
        (Path(tmp) / "echo").mkdir()
        try:
            product, wrong, note = product_run(Path(tmp) / "product", chats, window,
                                               args.processes, DRIVE_TIMEOUT, ours_cpu)
        except (ProductFailure, AssertionError) as failure:
            print(f"product run FAILED: {str(failure)[:600]}")
            return 1
        echo = echo_run(Path(tmp) / "echo", chats, window, args.processes, DRIVE_TIMEOUT,
                        echo_cpu)
    ours, p50, p99 = summarise("product", product)
    theirs, _, _ = summarise("echo", echo)
    out_of_order = product.out_of_order + wrong
    for name, report, cpu in (("product", product, ours_cpu), ("echo", echo, echo_cpu)):
        per = 1e3 / report.updates
        print(f"{name:<9} CPU per update: bots {cpu.bots * per:5.1f} ms, PostgreSQL "
              f"{cpu.database * per:5.1f} ms, loopback server and driver "
              f"{cpu.harness * per:5.1f} ms")
    print(f"product   PostgreSQL transactions per update: "
          f"{ours_cpu.commits / product.updates:.1f} commits, "
          f"{ours_cpu.rollbacks / product.updates:.1f} rollbacks")
    print(f"ratio product/echo: {ours / theirs:.2f}x   (target >= 0.25x);  product p99/p50 "
          f"{p99 / p50:.1f}")
    print(f"out-of-order steps: {out_of_order}   (target 0: {len(product.unexpected)} "
          f"replies out of step, {len(product.stale)} stale presses, "
          f"{len(product.extra)} replies after the end, {wrong} stored referrals "
          f"differing from the answers given)")
    print(f"{note}; whole run {time.monotonic() - began:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
