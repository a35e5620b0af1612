"""Who is writing: the staff lookup every update starts with, remembered for a few seconds.

Every update is matched to an enrolled staff member before anything else happens, and a
referrer pressing through an intake sends one every few seconds, so the lookup is kept in
memory for :data:`TTL_SECONDS`. The price is a short delay on changes made elsewhere: a
member revoked with ``intake staff revoke`` (another process) is refused within that many
seconds. An enrolment through this process is seen at once (:meth:`StaffCache.forget`).

The cache is used from the event loop only, so it needs no lock; it holds no personal data
beyond what :class:`bot.ports.Staff` carries (role, agency, hub, language).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.ports import Staff

#: How long a lookup is trusted.
TTL_SECONDS = 5.0
#: Members remembered at most; the least recently seen go first.
CAPACITY = 10_000


class Miss:
    """Not in the cache (distinct from a cached ``None``: a known stranger)."""


MISS = Miss()


@dataclass
class StaffCache:
    ttl: float = TTL_SECONDS
    capacity: int = CAPACITY
    clock: Callable[[], float] = time.monotonic
    _entries: OrderedDict[int, tuple[float, Staff | None]] = field(
        default_factory=OrderedDict)

    def get(self, telegram_id: int) -> Staff | Miss | None:
        entry = self._entries.get(telegram_id)
        if entry is None or self.clock() - entry[0] >= self.ttl:
            return MISS
        self._entries.move_to_end(telegram_id)
        return entry[1]

    def put(self, telegram_id: int, staff: Staff | None) -> None:
        now = self.clock()
        self._entries[telegram_id] = (now, staff)
        self._entries.move_to_end(telegram_id)
        # Drop stale entries from the least recently seen end, so the cache holds about
        # the members active in the last ``ttl`` seconds, not everyone ever seen.
        while self._entries:
            oldest = next(iter(self._entries.values()))
            if len(self._entries) <= self.capacity and now - oldest[0] < self.ttl:
                break
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)

    def forget(self, telegram_id: int) -> None:
        self._entries.pop(telegram_id, None)
