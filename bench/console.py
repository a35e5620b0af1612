"""Console pages with 100,000 referrals in the database, on SQLite and PostgreSQL, against
a baseline measured in the same run.

    python bench/console.py [--referrals N] [--runs N]

Seeds a year of referrals with their trails (``bench/report.py``'s seeding, default 100,000),
builds the product's services on that database, signs a national coordinator and a hub
coordinator in, and requests every page of the console's navigation that exists (pages still
to come are listed as absent), plus the Overview and Referrals pages with their usual
choices, through the app itself (Starlette's TestClient, in process). Printed per page:
**server time**, the median over ``--runs`` requests of the time from the app receiving the
request to it sending the last byte of the answer (measured by a middleware around the
app, so the test client's own work is not counted), target <= 200 ms; and the ratio to the
**baseline**, the same measure for the sign-in-needed page, which renders the page frame
and reads nothing: what any page costs before it reads a row.

The Overview serves indicators counted at most a minute ago (``bot.service.indicators``):
"cached" is what a coordinator gets while they are fresh; "while counting" a request that
finds them 50 seconds old, served as they are while they are counted again on the board's
background thread (the page and the count share the process); "counted" the request that
finds none younger than a minute and waits for the count (the first of a period and scope,
or one after a minute nobody asked). The clock is moved before each of those requests.

PostgreSQL is a throwaway server started from the machine's binaries, as the tests do;
without binaries its figures are skipped, with the reason.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # run as a script, this folder would shadow the packages measured
#: Starlette's test client is the in-process way to call the app; its warning about a
#: future transport says nothing about the figures.
warnings.filterwarnings("ignore", message=".*httpx2.*")

from sqlalchemy import Engine, func, select  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402
from starlette.types import ASGIApp, Message, Receive, Scope, Send  # noqa: E402

from bench.report import seed  # noqa: E402
from bench.storage import postgres_database, sqlite_database  # noqa: E402
from bot.console.app import build_console  # noqa: E402
from bot.console.render import NAV  # noqa: E402
from bot.flows.library import flow_files  # noqa: E402
from bot.service.indicators import IndicatorBoard  # noqa: E402
from bot.service.publishing import Publisher  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.wiring import build_services  # noqa: E402
from storage import migrate  # noqa: E402
from storage.clock import FixedClock  # noqa: E402
from storage.crypto import Cipher, generate_key  # noqa: E402
from storage.flowstore import SqlFlowStore  # noqa: E402
from storage.models import Referral  # noqa: E402
from storage.stores import Storage  # noqa: E402

#: The seeded year is 2025 (``bench/report.py``); the console is read early in 2026.
NOW = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)
TARGET_MS = 200.0
HUB = "gaziantep"


class ServerTimer:
    """Seconds from the app receiving each request to its last byte sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.last = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        began = time.perf_counter()

        async def sending(message: Message) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.last = time.perf_counter() - began

        await self.app(scope, receive, sending)


def settings_on(url: str, key: str, index_key: str) -> Settings:
    base = Settings.from_env({})
    return Settings(flows=base.flows, locales=base.locales, directory=base.directory,
                    default_language="en", database_url=url, keys=(key,),
                    index_key=index_key, bot_token="123456:BENCH")


class Console:
    """The console on one seeded database, with signed-in clients."""

    def __init__(self, engine: Engine) -> None:
        self.clock = FixedClock(NOW)
        key, index_key = generate_key(), generate_key()
        storage = Storage.on(engine, Cipher([key], index_key=index_key))
        settings = settings_on(engine.url.render_as_string(hide_password=False), key,
                               index_key)
        # The configured flows, published without the translation check the first start
        # runs: what is measured here is the console, whatever the catalogs hold today.
        Publisher(SqlFlowStore(storage.context), self.clock).publish(
            flow_files(settings.flows), [], by="bench", note="console benchmark")
        self.services = build_services(settings, storage, clock=self.clock)
        if hasattr(self.services.settings, "public_url"):
            self.services.settings = replace(self.services.settings,
                                             public_url="https://testserver")
        self.app = build_console(self.services)
        self.timer = ServerTimer(self.app)
        self.anonymous = TestClient(self.timer, base_url="https://testserver")
        self.national = self.client(None)
        self.hub = self.client(HUB)

    def client(self, hub: str | None) -> TestClient:
        staff = self.services.storage.staff.enrol(
            9_000_000 + (0 if hub is None else 1), "coordinator", agency=None, hub=hub,
            language="en",
            at=self.clock.now())
        cookie = self.app.state.sign_in.open_session(staff)
        client = TestClient(self.timer, base_url="https://testserver")
        client.cookies.set("intake_console", cookie, domain="testserver.local",
                           path="/console")
        return client

    def serve(self, client: TestClient, path: str, *, advance: float = 0) -> tuple[int, float]:
        board: IndicatorBoard | None = getattr(self.app.state, "indicators", None)
        if board is not None:
            board.settle()  # the count the last request started, if any, has ended
        self.clock.advance(seconds=advance)
        answer = client.get(path)
        return answer.status_code, self.timer.last

    def timed(self, client: TestClient, path: str, runs: int, *, advance: float = 0,
              ) -> tuple[int, float]:
        """The status and the median server seconds of ``runs`` requests after one, the
        clock moved ``advance`` seconds before each."""
        status, _ = self.serve(client, path, advance=advance)
        times = []
        for _ in range(runs):
            status, seconds = self.serve(client, path, advance=advance)
            times.append(seconds)
        return status, statistics.median(times)


CACHED, WHILE_COUNTING, COUNTED = 0.0, 50.0, 61.0


def pages(console: Console) -> list[tuple[str, TestClient, str, float]]:
    """(what, client, address, seconds the clock moves before each request) of every page
    measured."""
    with console.services.storage.context.reading() as db:
        middle = int(db.scalar(select(func.max(Referral.id))) or 0) // 2
    measured: list[tuple[str, TestClient, str, float]] = []
    for path, label in NAV:
        measured.append((f"{label} (nav)", console.national, path, CACHED))
    national, hub = console.national, console.hub
    year = "/console/?period=2025"
    measured += [
        ("Overview 2025, cached", national, year, CACHED),
        ("Overview 2025, while counting", national, year, WHILE_COUNTING),
        ("Overview 2025, counted", national, year, COUNTED),
        ("Overview 2025-Q3, counted", national, "/console/?period=2025-Q3", COUNTED),
        ("Overview 2025-11, counted", national, "/console/?period=2025-11", COUNTED),
        (f"Overview 2025, hub {HUB}, cached", hub, year, CACHED),
        (f"Overview 2025, hub {HUB}, while counting", hub, year, WHILE_COUNTING),
        (f"Overview 2025, hub {HUB}, counted", hub, year, COUNTED),
        ("Referrals, first page", national, "/console/referrals", CACHED),
        ("Referrals, a page in the middle", national, f"/console/referrals?after={middle}",
         CACHED),
        ("Referrals, overdue only", national, "/console/referrals?overdue=1", CACHED),
        (f"Referrals, hub {HUB}", national, f"/console/referrals?hub={HUB}", CACHED),
        ("Referrals, status closed", national, "/console/referrals?status=closed", CACHED),
        ("Referrals, status declined (none)", national,
         "/console/referrals?status=declined", CACHED),
        ("Referrals, overdue in a hub, status sent", national,
         f"/console/referrals?hub={HUB}&status=sent&overdue=1", CACHED),
        ("Referrals, a code's beginning (none)", national, "/console/referrals?code=K7Q4",
         CACHED),
        ("Referrals, a whole code", national, "/console/referrals?code=K7Q-4MX-2PY", CACHED),
        (f"Referrals, as hub {HUB}", hub, "/console/referrals", CACHED),
        (f"Referrals, as hub {HUB}, overdue", hub, "/console/referrals?overdue=1", CACHED),
    ]
    return measured


def measure(name: str, engine: Engine, args: argparse.Namespace) -> None:
    print(f"{name}:")
    migrate.upgrade(engine)
    seconds = seed(engine, args.referrals)
    print(f"  seeded {args.referrals:,} referrals with their trails in {seconds:.1f} s")
    console = Console(engine)
    status, baseline = console.timed(console.anonymous, "/console/", args.runs)
    assert status == 401, status
    print(f"  baseline, the sign-in-needed page (reads nothing): {baseline * 1000:.1f} ms")
    measured = pages(console)
    width = max(len(what) for what, *_ in measured) + 2
    worst = 0.0
    for what, client, path, advance in measured:
        status, taken = console.timed(client, path, args.runs, advance=advance)
        if status == 404:
            print(f"  {what:<{width}} absent (no such page yet)")
            continue
        if status != 200:
            raise SystemExit(f"{what}: {path} answered {status}")
        if advance != COUNTED:
            worst = max(worst, taken)
        mark = "" if taken * 1000 <= TARGET_MS else "  OVER the target"
        print(f"  {what:<{width}} {taken * 1000:7.1f} ms  x{taken / baseline:6.1f}{mark}")
    verdict = "within" if worst * 1000 <= TARGET_MS else "OVER"
    print(f"  slowest page served, counts aside: {worst * 1000:.1f} ms ({verdict} the "
          f"{TARGET_MS:.0f} ms target)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--referrals", type=int, default=100_000,
                        help="referrals to seed over the year (default 100,000)")
    parser.add_argument("--runs", type=int, default=5, help="timed requests per page")
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    args = parser.parse_args()
    with sqlite_database() as engine:
        measure("SQLite (file, WAL)", engine, args)
    if args.sqlite_only:
        return
    with postgres_database() as found:
        if isinstance(found, str):
            print(f"PostgreSQL: skipped ({found})")
        else:
            measure("PostgreSQL (throwaway server)", found, args)


if __name__ == "__main__":
    main()
