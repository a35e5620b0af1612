"""Storage figures on SQLite and PostgreSQL, each against a baseline measured in the same run.

    python bench/storage.py [--referrals N] [--overdue N] [--writes N]

Prints, per database:

* the escalation scan, ``Storage.referrals.overdue(now, limit=...)``, over 100,000 open
  referrals of which 1,000 are overdue (target <= 1 s), beside the naive design that lists
  every open referral and filters in Python, so the index's share is visible;
* the cost of an encrypted session write (``Storage.sessions.save``: Fernet, then an upsert
  in its own transaction) against the same JSON written plain by the same upsert on the same
  table, in microseconds per write, with the ratio and the encryption alone.

PostgreSQL is a throwaway server started from the machine's binaries, as the tests do
(``tests/storage/postgres.py``); without binaries its figures are skipped, with the reason.
Rows are seeded with bulk inserts, and both databases are ANALYZEd before the scan, as
autovacuum would have done on a live table.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, this file's folder comes first on the path, and this file would shadow
# the ``storage`` package it measures: put the project root there instead.
sys.path[0] = str(ROOT)

from sqlalchemy import Engine, text  # noqa: E402

from bench.engine import INTAKE  # noqa: E402
from bot.directory import load_directory  # noqa: E402
from bot.engine import Engine as FlowEngine  # noqa: E402
from bot.engine.session import Session  # noqa: E402
from bot.flows.library import BUNDLED, FlowLibrary  # noqa: E402
from bot.i18n.texts import Texts  # noqa: E402
from storage import migrate  # noqa: E402
from storage.crypto import Cipher, generate_key  # noqa: E402
from storage.database import make_engine  # noqa: E402
from storage.models import Referral  # noqa: E402
from storage.referral_facts import at_creation  # noqa: E402
from storage.sessions import UPSERT  # noqa: E402
from storage.stores import Storage  # noqa: E402

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SCAN_TARGET_SECONDS = 1.0
#: Share of open referrals without a running clock (accepted: the agency is working on it).
SETTLED_SHARE = 0.2
OPEN_STATUSES = ("sent", "acknowledged", "forwarded")
SEED_BATCH = 10_000


def referral_rows(count: int, overdue: int, cipher: Cipher, seed: int = 7,
                  ) -> Iterator[list[dict[str, Any]]]:
    """Open referrals in batches, ``overdue`` of them past their clock, in random order.

    Every row carries the same encrypted card and contact, so rows are as wide as real ones
    without spending the seeding time on encryption.
    """
    chance = random.Random(seed)
    card = cipher.encrypt_json({"envelope": {"age_band": "older", "sex": "female",
                                             "reach": "phone", "language": "ar"},
                                "services": ["medical", "psychosocial"]})
    contact = cipher.encrypt_json({"phone": "+90 000 000 0000", "safe_time": "mornings"})
    late = set(chance.sample(range(count), overdue))
    batch: list[dict[str, Any]] = []
    for n in range(count):
        created = NOW - timedelta(hours=chance.uniform(1, 24 * 30))
        if n in late:
            due: datetime | None = NOW - timedelta(minutes=chance.uniform(1, 3 * 24 * 60))
            status = chance.choice(OPEN_STATUSES)
        elif chance.random() < SETTLED_SHARE:
            due, status = None, "accepted"
        else:
            due = NOW + timedelta(minutes=chance.uniform(1, 14 * 24 * 60))
            status = chance.choice(OPEN_STATUSES)
        batch.append({
            "code": f"BENCH{n:09d}", "flow_id": "pwsn", "flow_revision": 3,
            "hub": chance.choice(("gaziantep", "hatay", "kilis", "mardin")),
            "case_type": chance.choice(("protection", "medical", "legal")),
            "risk": chance.choice(("high", "medium", "low")), "urgent": False,
            "status": status, "agency": chance.choice(("example_health", "example_law")),
            "partner_chosen": False, "via": "focal_point", "referrer_id": None,
            "acknowledge_by": due, "respond_by": due, "due_at": due, "case_due_at": due,
            "status_since": created, "escalation_level": 0, "reminders_sent": 0,
            "card": card, "contact": contact, "consent_scopes": "refer share statistics",
            "override_reason": None, "created_at": created, "closed_at": None,
            "erased_at": None})
        batch[-1].update(at_creation(batch[-1]["agency"], created))
        if len(batch) == SEED_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch



def stored_value(value: object, sqlite: bool) -> object:
    """A value as the driver stores it for a raw INSERT: SQLite keeps naive UTC text."""
    if sqlite and isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    return value

def seed(engine: Engine, cipher: Cipher, count: int, overdue: int) -> float:
    """Bulk insert through the driver's ``executemany``, one batch per statement.

    SQLAlchemy's per-value type processing would take most of the seeding time (it runs
    in Python for every datetime), so values are given as each database stores them:
    aware datetimes to PostgreSQL, naive UTC text to SQLite in the format SQLAlchemy
    writes there (``YYYY-MM-DD HH:MM:SS.ffffff``). The scan's result is checked against
    the naive baseline, so a format slip would not go unnoticed.
    """
    columns = [column.name for column in Referral.__table__.columns if column.name != "id"]
    sqlite = engine.dialect.name == "sqlite"
    marker = "?" if sqlite else "%s"
    statement = (f"INSERT INTO referrals ({', '.join(columns)}) "
                 f"VALUES ({', '.join([marker] * len(columns))})")

    def stored(value: object) -> object:
        return stored_value(value, sqlite)

    began = time.perf_counter()
    with engine.begin() as connection:
        for batch in referral_rows(count, overdue, cipher):
            connection.exec_driver_sql(
                statement, [tuple(stored(row[name]) for name in columns) for row in batch])
    with engine.begin() as connection:  # both databases allow ANALYZE in a transaction
        connection.execute(text("ANALYZE"))
    return time.perf_counter() - began


def timed(call: Callable[[], object], runs: int, warm_up: bool = True,
          ) -> tuple[float, object]:
    """Median seconds of ``runs`` calls (after one untimed call), and the last result."""
    result = call() if warm_up else None
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def scan(storage: Storage, count: int, overdue: int, runs: int) -> None:
    print(f"  seeded {count:,} open referrals ({overdue:,} overdue) in "
          f"{seed(storage.engine, storage.context.cipher, count, overdue):.1f} s")
    ours, found = timed(lambda: storage.referrals.overdue(NOW, limit=overdue), runs)
    assert isinstance(found, list) and len(found) == overdue, "the scan missed referrals"

    def naive() -> list[Any]:
        every = storage.referrals.open()
        return sorted((r for r in every if r.due_at is not None and r.due_at <= NOW),
                      key=lambda r: (r.due_at, r.code))[:overdue]

    baseline, listed = timed(naive, 2, warm_up=False)  # seconds per call: two will do
    assert isinstance(listed, list)
    assert [r.code for r in listed] == [r.code for r in found], "scan and baseline differ"
    verdict = "meets" if ours <= SCAN_TARGET_SECONDS else "MISSES"
    print(f"  escalation scan, overdue(limit={overdue:,}): {ours * 1e3:9.1f} ms  "
          f"(target <= {SCAN_TARGET_SECONDS:g} s: {verdict})")
    print(f"  baseline, open() + filter in Python:  {baseline * 1e3:9.1f} ms")
    print(f"  ratio (baseline / scan):              {baseline / ours:9.1f}x")


def sample_session() -> Session:
    """A conversation near its end: every answer of a PwSN intake but the last."""
    engine = FlowEngine(FlowLibrary.load([BUNDLED]), Texts(), load_directory().hub_choices())
    session = engine.start("intake", "en").session
    for given in INTAKE[:-1]:
        session = engine.step(session, given).session
    return session


class PlainSessions:
    """The baseline: ``SqlSessionStore.save`` without the encryption, same upsert."""

    def __init__(self, storage: Storage) -> None:
        self._context = storage.context

    def save(self, chat_id: int, session: Session, at: datetime) -> None:
        with self._context.writing() as db:
            UPSERT.run(db, {"chat_id": chat_id, "state": session.to_json(), "at": at,
                            "flow_id": session.flow_id, "revision": session.revision})


def session_writes(storage: Storage, session: Session, writes: int) -> None:
    """Encrypted and plain writes alternate one by one (each goes first every other time),
    so a busy machine slows both alike. A set of chats is written over and over: the first
    pass inserts, later passes update, as a conversation does."""
    chats = min(writes, 500)
    plain = PlainSessions(storage)
    times: dict[str, list[float]] = {"encrypted": [], "plain": []}
    variants = [("encrypted", storage.sessions.save, 1_000_000),
                ("plain", plain.save, 2_000_000)]
    for n in range(writes):
        at = NOW + timedelta(seconds=n // chats)
        for name, save, base in variants if n % 2 else reversed(variants):
            began = time.perf_counter()
            save(base + n % chats, session, at)
            times[name].append(time.perf_counter() - began)
    encrypted = statistics.median(times["encrypted"])
    bare = statistics.median(times["plain"])
    payload = session.to_json()
    cipher = storage.context.cipher
    alone, _ = timed(lambda: cipher.encrypt(payload), 200)
    size = len(payload.encode("utf-8"))
    print(f"  session write, encrypted (median of {len(times['encrypted']):,}): "
          f"{encrypted * 1e6:8.1f} us")
    print(f"  session write, plain JSON, same upsert:     {bare * 1e6:8.1f} us")
    print(f"  ratio (encrypted / plain):                  {encrypted / bare:8.2f}x")
    print(f"  of which Fernet encryption alone:           {alone * 1e6:8.1f} us "
          f"({size:,} bytes of JSON -> {len(cipher.encrypt(payload)):,} stored)")


@contextmanager
def sqlite_database() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory(prefix="intake-bench-") as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        try:
            yield engine
        finally:
            engine.dispose()


@contextmanager
def postgres_database() -> Iterator[Engine | str]:
    """A migrated database on a throwaway server, or the reason there is none."""
    from tests.storage.postgres import PostgresServer, Unavailable, find_bindir

    try:
        server = PostgresServer.start(find_bindir())
    except Unavailable as reason:
        yield str(reason)
        return
    try:
        engine = make_engine(server.create_database("intake_bench"))
        try:
            yield engine
        finally:
            engine.dispose()
    finally:
        server.stop()


def measure(name: str, engine: Engine, session: Session, args: argparse.Namespace) -> None:
    print(f"{name}:")
    migrate.upgrade(engine)
    storage = Storage.on(engine, Cipher([generate_key()]))
    session_writes(storage, session, args.writes)
    scan(storage, args.referrals, args.overdue, args.runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--referrals", type=int, default=100_000,
                        help="open referrals to seed (default 100,000)")
    parser.add_argument("--overdue", type=int, default=1_000,
                        help="of which overdue (default 1,000)")
    parser.add_argument("--writes", type=int, default=2_000,
                        help="session writes per variant (default 2,000)")
    parser.add_argument("--runs", type=int, default=9, help="timed scans per database")
    args = parser.parse_args()
    session = sample_session()
    with sqlite_database() as engine:
        measure("SQLite (file, WAL)", engine, session, args)
    with postgres_database() as found:
        if isinstance(found, str):
            print(f"PostgreSQL: skipped ({found})")
        else:
            measure("PostgreSQL (throwaway server)", found, session, args)


if __name__ == "__main__":
    main()
