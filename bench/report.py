"""Report figures on SQLite and PostgreSQL, against a baseline measured in the same run.

    python bench/report.py [--referrals N] [--runs N] [--only sqlite|postgresql]
                           [--sqlite-file PATH] [--no-parts]

Seeds a year of referrals (default 100,000, each with its trail: sent, and for most an
acknowledgement, a decision, a close, a forward or an escalation; and with the facts of that
trail the referral keeps, folded by ``storage.referral_facts`` as the store does with each
move, and for the forwarded ones their holdings) and times, per database:

* **indicators**: everything ``intake report --indicators`` computes for the year (the
  facts of every cell from the database with the minutes of every acknowledgement, and
  the number left out for want of consent; the times to acknowledge of every table, then
  every marginal table of the year with its suppression pattern), target <= 1 s;
* **baseline**: loading every referral row and every trail row into Python, with
  SQLAlchemy's type processing, and nothing else: what a report that counted in Python
  would pay before counting anything.

PostgreSQL is a throwaway server started from the machine's binaries, as the tests do;
without binaries its figures are skipped, with the reason. Rows are seeded with bulk
inserts, and both databases are ANALYZEd before timing.

Then each part of the indicators on its own (as SQL: the referral cells, the agencies'
holdings, the referrals left out for want of consent; all three read into the facts; the
times to acknowledge from them; the tables), unless ``--no-parts``. The machine's load
average is printed with each database's figures: on a shared machine the ratio to the
baseline is the figure to compare.

``--sqlite-file PATH`` keeps the SQLite database in that file and reuses it when it already
holds the seeded referrals (seeding 100,000 takes a while).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # run as a script, this folder would shadow the packages measured

from sqlalchemy import Engine, select, text  # noqa: E402

from bench.storage import postgres_database, stored_value  # noqa: E402
from bench.storage import sqlite_database as temporary_sqlite  # noqa: E402
from bot.report.periods import Period, parse_period  # noqa: E402
from bot.report.tables import publish  # noqa: E402
from storage import migrate  # noqa: E402
from storage.crypto import Cipher, generate_key  # noqa: E402
from storage.database import make_engine  # noqa: E402
from storage.models import Referral, ReferralEvent  # noqa: E402
from storage.referral_facts import COLUMNS, at_creation, fold, holdings_of  # noqa: E402
from storage.report import _Query, read_facts  # noqa: E402
from storage.stores import Storage  # noqa: E402

NOW = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)
YEAR = 2025
TARGET_SECONDS = 1.0
HUBS = ("adana_osmaniye", "gaziantep", "hatay", "kilis", "malatya_adiyaman_kmaras",
        "mardin", "sanliurfa")
CASE_TYPES = ("medical", "legal", "gbv", "child_protection", "protection",
              "material_assistance")
RISKS = ("high", "medium", "low", None)
AGENCIES = ("example_health", "example_law", "example_women", "example_children",
            "example_relief", "example_solidarity", "example_community")
BATCH = 10_000
HOLDING = ("referral_id", "number", "agency", "arrived_at", "acknowledged_at", "accepted",
           "declined")


def trails(count: int, seed: int = 11) -> Iterator[tuple[dict[str, Any], list[tuple[Any, ...]],
                                                        list[dict[str, Any]]]]:
    """Referral rows (numbered from 1), their events (status, time, agency, actor) and,
    for those forwarded, their holdings."""
    rnd = random.Random(seed)
    start = datetime(YEAR, 1, 1, tzinfo=UTC)
    for number in range(1, count + 1):
        created = start + timedelta(seconds=rnd.randrange(365 * 24 * 3600))
        agency = rnd.choice(AGENCIES)
        events: list[tuple[Any, ...]] = [("sent", 0.0, agency, "staff:1")]
        status, holder, arrived, closed = "sent", agency, 0.0, None
        roll = rnd.random()
        if roll < 0.1:  # escalated after the clock ran out, then acknowledged
            holder = rnd.choice(AGENCIES)
            arrived = 4.0
            events += [("forwarded", 4.0, holder, "system:escalation"),
                       ("acknowledged", 5.0 + rnd.random() * 5, holder, "staff:2")]
            status = "acknowledged"
        elif roll < 0.85:
            ack = rnd.random() * 8
            events.append(("acknowledged", ack, agency, "staff:2"))
            status = "acknowledged"
            if roll < 0.7:
                events.append(("accepted", ack + 1, agency, "staff:2"))
                status = "accepted"
                if roll < 0.5:
                    closed = ack + 24 + rnd.random() * 100
                    events.append(("closed", closed, agency, "staff:2"))
                    status = "closed"
        hours = [(s, created + timedelta(hours=h), a, actor) for s, h, a, actor in events]
        last = hours[-1][1]
        facts = Referral(**at_creation(agency, created))
        for status, at, to, actor in hours[1:]:
            fold(facts, status, at, actor=actor, agency=to)
        stored = {name: getattr(facts, name) for name in COLUMNS}
        holdings = holdings_of(number, [(s, at, to) for s, at, to, _ in hours]) \
            if facts.forwarded_at is not None else []
        yield (stored | {"code": f"B{number:09d}", "flow_id": "pwsn", "flow_revision": 1,
                "hub": rnd.choice(HUBS), "case_type": rnd.choice(CASE_TYPES),
                "risk": rnd.choice(RISKS), "urgent": False, "status": status,
                "agency": holder, "partner_chosen": False, "via": "focal_point",
                "referrer_id": None,
                "acknowledge_by": created + timedelta(hours=arrived + 4),
                "respond_by": created + timedelta(hours=arrived + 48),
                "case_due_at": created + timedelta(hours=72),
                "due_at": None if status in ("accepted", "closed") else created + timedelta(
                    hours=48),
                "status_since": last, "escalation_level": int(roll < 0.1),
                "reminders_sent": 0, "card": None, "contact": None,
                "consent_scopes": "refer share statistics" if rnd.random() < 0.95 else "refer",
                "override_reason": None, "created_at": created,
                "closed_at": created + timedelta(hours=closed) if closed else None,
                "erased_at": None}, hours, holdings)


def seed(engine: Engine, count: int) -> float:
    """Bulk inserts through the driver, values as each database stores them (see
    ``bench/storage.py``)."""
    columns = [c.name for c in Referral.__table__.columns if c.name != "id"]
    sqlite = engine.dialect.name == "sqlite"
    marker = "?" if sqlite else "%s"
    referral_sql = (f"INSERT INTO referrals (id, {', '.join(columns)}) "
                    f"VALUES ({', '.join([marker] * (len(columns) + 1))})")
    event_sql = ("INSERT INTO referral_events (referral_id, status, at, actor, agency) "
                 f"VALUES ({', '.join([marker] * 5)})")
    holding_sql = (f"INSERT INTO referral_holdings ({', '.join(HOLDING)}) "
                   f"VALUES ({', '.join([marker] * len(HOLDING))})")

    def stored(value: object) -> object:
        return stored_value(value, sqlite)

    began = time.perf_counter()
    referrals: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    holdings: list[tuple[Any, ...]] = []

    def flush(connection: Any) -> None:
        connection.exec_driver_sql(referral_sql, referrals)
        connection.exec_driver_sql(event_sql, events)
        if holdings:
            connection.exec_driver_sql(holding_sql, holdings)
        for rows in (referrals, events, holdings):
            rows.clear()

    with engine.begin() as connection:
        for number, (row, trail, held) in enumerate(trails(count), start=1):
            referrals.append((number, *(stored(row[name]) for name in columns)))
            events.extend((number, status, stored(at), actor, agency)
                          for status, at, agency, actor in trail)
            holdings.extend(tuple(stored(holding[name]) for name in HOLDING)
                            for holding in held)
            if len(referrals) >= BATCH:
                flush(connection)
        if referrals:
            flush(connection)
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    return time.perf_counter() - began


def timed(call: Callable[[], object], runs: int) -> tuple[float, object]:
    """Median seconds of ``runs`` calls after one untimed call, and the last result."""
    result = call()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def seeded(engine: Engine, count: int) -> bool:
    """Whether ``engine``'s database already holds the ``count`` referrals seeded here."""
    with engine.connect() as connection:
        found = connection.scalar(text("SELECT count(*) FROM referrals WHERE code LIKE 'B%'"))
    return found == count


def measure(name: str, engine: Engine, args: argparse.Namespace) -> None:
    print(f"{name}:")
    migrate.upgrade(engine)
    storage = Storage.on(engine, Cipher([generate_key()]))
    if seeded(engine, args.referrals):
        print(f"  reusing the {args.referrals:,} referrals seeded before")
    else:
        seconds = seed(engine, args.referrals)
        print(f"  seeded {args.referrals:,} referrals with their trails in {seconds:.1f} s")
    period = parse_period(str(YEAR), NOW)

    def indicators() -> object:
        facts = read_facts(storage.context, period.start, period.end, NOW)
        months = {month.label for month in period.months}
        return publish(period, NOW, cells=facts.cells, agencies=facts.agencies,
                       times=facts.times(months), left_out=facts.count_left_out(months),
                       indicators=True)

    def baseline() -> object:
        with storage.context.reading() as db:
            return (len(db.execute(select(Referral.__table__)).all())
                    + len(db.execute(select(ReferralEvent.__table__)).all()))

    report_s, report = timed(indicators, args.runs)
    base_s, rows = timed(baseline, args.runs)
    made = next(row for table in report.tables  # type: ignore[attr-defined]
                for row in table.rows if table.dimension == "hub" and row[0] == "all")[1]
    verdict = "within" if report_s <= TARGET_SECONDS else "OVER"
    print(f"  indicators for {YEAR} ({made:,} counted): {report_s * 1000:.0f} ms "
          f"({verdict} the {TARGET_SECONDS:.0f} s target)")
    print(f"  baseline, every row into Python ({rows:,} rows): {base_s * 1000:.0f} ms")
    print(f"  ratio indicators / baseline: {report_s / base_s:.2f}")
    print("  load average (1, 5, 15 min): " + ", ".join(f"{n:.2f}" for n in os.getloadavg()))
    if args.parts:
        parts(storage, period, args.runs)


def parts(storage: Storage, period: Period, runs: int) -> None:
    """Each part of the indicators timed on its own, median of ``runs``."""
    query = _Query(storage.context, period.start, period.end, NOW)

    def rows(statement: Any) -> Callable[[], object]:
        def run() -> object:
            with storage.context.reading() as db:
                return db.connection().execute(statement).all()
        return run

    facts = read_facts(storage.context, period.start, period.end, NOW)
    times = facts.times()
    calls: dict[str, Callable[[], object]] = {
        "referral cells (SQL)": rows(query.cells()),
        "agencies' holdings (SQL)": rows(query.moved()),
        "left out for want of consent (SQL)": rows(query.left_out()),
        "all three read into the facts": lambda: read_facts(storage.context, period.start,
                                                       period.end, NOW),
        "times to acknowledge (from the facts)": facts.times,
        "tables and suppression": lambda: publish(
            period, NOW, cells=facts.cells, agencies=facts.agencies, times=times,
            left_out=facts.count_left_out(), indicators=True),
    }
    print("  parts, each on its own:")
    for label, call in calls.items():
        seconds, _ = timed(call, runs)
        print(f"    {label}: {seconds * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--referrals", type=int, default=100_000,
                        help="referrals to seed over the year (default 100,000)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each")
    parser.add_argument("--only", choices=("sqlite", "postgresql"),
                        help="measure one database only")
    parser.add_argument("--sqlite-file", type=Path,
                        help="keep the SQLite database in this file, reused if seeded")
    parser.add_argument("--no-parts", dest="parts", action="store_false",
                        help="do not time each part of the indicators on its own")
    args = parser.parse_args()
    if args.only != "postgresql":
        with sqlite_database(args.sqlite_file) as engine:
            measure("SQLite (file, WAL)", engine, args)
    if args.only == "sqlite":
        return
    with postgres_database() as found:
        if isinstance(found, str):
            print(f"PostgreSQL: skipped ({found})")
        else:
            measure("PostgreSQL (throwaway server)", found, args)


@contextmanager
def sqlite_database(path: Path | None) -> Iterator[Engine]:
    """A SQLite database in ``path`` (kept), or in a throwaway folder."""
    if path is None:
        with temporary_sqlite() as engine:
            yield engine
        return
    engine = make_engine(f"sqlite:///{path.resolve()}")
    try:
        yield engine
    finally:
        engine.dispose()



if __name__ == "__main__":
    main()
