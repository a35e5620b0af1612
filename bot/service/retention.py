"""The retention purge on the bot's own schedule, so no operator has to remember cron.

The worker loop asks every round; the purge runs when the last one (by any process sharing
the database) is ``every`` old, and the claim that decides it lives in the database
(:class:`bot.ports.Retention`), so N processes purge once per period, not N times. An
operator who prefers cron sets ``INTAKE_PURGE_HOURS=0``: ``every`` is then None and this
never touches the database.

A purge that fails leaves no trace of having run, so it is due again at once; this process
waits :data:`RETRY_AFTER` before trying again, so a purge that fails every time (a full
disk, a statement timeout) is retried a few times an hour, not every few seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.ports import Clock, PurgeReport, Retention

RETRY_AFTER = timedelta(minutes=10)


@dataclass
class PurgeSchedule:
    retention: Retention
    clock: Clock
    #: Between two purges; None: never (the operator runs ``intake purge`` by cron).
    every: timedelta | None
    #: Closed referrals keep their personal data this long.
    older_than: timedelta
    #: A conversation idle this long is abandoned.
    idle: timedelta
    _not_before: datetime | None = field(default=None, init=False, repr=False)

    def run_if_due(self, worker: str) -> PurgeReport | None:
        """Purge if due, in this process; None if not due, purged elsewhere or turned off."""
        if self.every is None:
            return None
        now = self.clock.now()
        if self._not_before is not None and now < self._not_before:
            return None
        try:
            return self.retention.purge_due(worker, now, every=self.every,
                                            older_than=self.older_than, idle=self.idle)
        except Exception:
            self._not_before = now + min(RETRY_AFTER, self.every)
            raise
