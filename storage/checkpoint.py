"""Checkpoints of SQLite's write-ahead log, taken on a thread of their own.

In WAL mode a commit appends the pages it changed to the ``-wal`` file; a *checkpoint*
copies them into the database file and syncs it. Left to itself, SQLite checkpoints inside
the commit that takes the log past 1,000 pages (``wal_autocheckpoint``): every fiftieth
update or so then waits for some 4 MB to be copied and synced, and in the channel benchmark
those were the bot's slowest updates (p99 4.7 ms against 2.5 ms without them).

A running bot takes its checkpoints on a thread of its own instead (:class:`Checkpoints`),
often enough that the log never reaches SQLite's threshold. Each is ``PASSIVE``: it copies
what no reader still needs and never waits for a lock, and writers go on appending
meanwhile. Once everything is copied, the next writer starts the log again from its
beginning, so the file stays small. SQLite's own checkpoint stays as the safety net: should
this thread fall behind, or stop, the commit that crosses 1,000 pages checkpoints as before.

The pace follows the writes: after a round that found many pages the next comes sooner,
after an idle one later (:func:`next_pause`), so a quiet bot wakes once a second and a busy
one as often as its writes need. Nothing to do on PostgreSQL.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

log = logging.getLogger("intake.storage")

#: Pages of log a round aims to find: a quarter of SQLite's own threshold (1,000).
AIM_PAGES = 250
#: Bounds of the pause between rounds, in seconds.
SOONEST = 0.01
LATEST = 1.0


@dataclass(frozen=True)
class Round:
    """What one checkpoint found: the pages in the log and how many of them are now in the
    database file; ``busy`` when another checkpoint held the lock (nothing was done)."""

    busy: bool
    pages: int
    copied: int

    @property
    def complete(self) -> bool:
        return not self.busy and self.copied >= self.pages


def next_pause(pause: float, pages: int) -> float:
    """The pause before the next round, from the last pause and the pages its round found:
    scaled towards :data:`AIM_PAGES` a round, at most doubling after a quiet round (so a
    burst of writes is met at once and an idle spell backs off gently), within
    :data:`SOONEST` and :data:`LATEST`."""
    wanted = pause * AIM_PAGES / pages if pages > 0 else LATEST
    return min(LATEST, max(SOONEST, min(wanted, pause * 2)))


def checkpoint(engine: Engine) -> Round:
    """One ``PASSIVE`` checkpoint, on a connection of the engine's pool (outside any
    transaction, as a checkpoint must be)."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        try:
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
            busy, pages, copied = cursor.fetchone() or (1, 0, 0)
        finally:
            cursor.close()
    finally:
        raw.close()
    # -1: the database is not in WAL mode (nothing to copy).
    return Round(bool(busy), max(int(pages), 0), max(int(copied), 0))


@dataclass
class Checkpoints:
    """The thread taking a SQLite database's checkpoints while the bot runs: :meth:`start`
    it once, :meth:`stop` it on the way out (it joins the thread). An engine on another
    database makes both do nothing."""

    engine: Engine
    #: Rounds taken and pages they found, since start (benchmarks, tests).
    rounds: int = 0
    pages: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _failing: bool = False

    @property
    def active(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def start(self) -> None:
        if not self.active or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="intake-checkpoints",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        thread.join()

    def once(self) -> Round | None:
        """One round; None when it failed (logged once until a round succeeds again: the
        database may be away, and SQLite's own checkpoints go on meanwhile)."""
        try:
            done = checkpoint(self.engine)
        except (DBAPIError, sqlite3.Error) as error:  # the driver's own: raised on connect
            if not self._failing:
                cause = error.orig if isinstance(error, DBAPIError) else error
                log.warning("checkpoint_failed", extra={"error": type(cause).__name__})
            self._failing = True
            return None
        if self._failing:
            log.info("checkpoint_recovered")
        self._failing = False
        self.rounds += 1
        self.pages += done.pages
        return done

    def _run(self) -> None:
        pause = LATEST
        while not self._stop.wait(pause):
            done = self.once()
            pause = LATEST if done is None else next_pause(pause, done.pages)
