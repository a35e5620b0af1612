"""Following what coordinators change in the database while every process runs.

Published flows (``bot.flows.library``), uploaded translation catalogs
(``bot.service.translations``) and the loaded directory (``bot.directory.live``) each carry
a number the store raises with every change, in the same transaction as the change. A
running process asks for that number when it uses the value, at most every
:data:`POLL_SECONDS`, and when it changed reads the new value whole and swaps it in at once.
So every process serves a change within a few seconds, without a restart, on SQLite and
PostgreSQL alike, and never half of one. :class:`Poll` is the asking part they share.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

#: A change is asked for at most this often (a cheap ``max(number)``): well within the five
#: seconds in which every process must serve it.
POLL_SECONDS = 2.0


class Poll:
    """When to ask the store again: on use, forced, or ``interval`` seconds after the last
    time; by one thread at a time."""

    def __init__(self, interval: float = POLL_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self._asked_at: float | None = None
        self._lock = threading.Lock()

    def ask(self, check: Callable[[], bool], force: bool = False) -> bool:
        """Run ``check`` (it asks the store and installs what is new, True if it did) when
        it is due; False without running it otherwise. While one thread asks, the others
        go on with what they serve instead of waiting: a waiting thread may hold the pooled
        connection the asking one needs."""
        now = self.clock()
        asked = self._asked_at
        if not force and asked is not None and now - asked < self.interval:
            return False
        if not self._lock.acquire(blocking=False):
            return False
        try:
            self._asked_at = now
            return check()
        finally:
            self._lock.release()
