"""The purge schedule asks the database only when the bot purges by itself, and backs off
after a failed purge instead of retrying every worker round."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from bot.ports import PurgeReport
from bot.service.retention import RETRY_AFTER, PurgeSchedule
from storage.clock import FixedClock

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@dataclass
class FakeRetention:
    """Records each ask; fails while ``failing`` is set."""

    failing: bool = False
    asks: list[tuple[str, datetime, timedelta]] = field(default_factory=list)

    def purge_due(self, worker: str, now: datetime, *, every: timedelta,
                  older_than: timedelta, idle: timedelta) -> PurgeReport | None:
        self.asks.append((worker, now, every))
        if self.failing:
            raise OSError("disk full")
        return PurgeReport(1, 2, 3)


def schedule(every: timedelta | None) -> tuple[PurgeSchedule, FakeRetention, FixedClock]:
    retention, clock = FakeRetention(), FixedClock(NOW)
    return (PurgeSchedule(retention, clock, every, older_than=timedelta(days=90),
                          idle=timedelta(minutes=30)), retention, clock)


def test_the_schedule_hands_the_port_the_worker_the_time_and_the_period() -> None:
    purges, retention, _ = schedule(timedelta(hours=24))
    assert purges.run_if_due("host:1") == PurgeReport(1, 2, 3)
    assert retention.asks == [("host:1", NOW, timedelta(hours=24))]


def test_turned_off_the_schedule_never_asks_the_database() -> None:
    purges, retention, _ = schedule(None)
    assert purges.run_if_due("host:1") is None
    assert retention.asks == []


@pytest.mark.parametrize(("every", "wait"), [
    (timedelta(hours=24), RETRY_AFTER),
    (timedelta(minutes=3), timedelta(minutes=3)),
])
def test_after_a_failed_purge_this_process_waits_before_asking_again(
        every: timedelta, wait: timedelta) -> None:
    purges, retention, clock = schedule(every)
    retention.failing = True
    with pytest.raises(OSError):
        purges.run_if_due("host:1")
    retention.failing = False
    clock.advance(seconds=wait.total_seconds() - 1)
    assert purges.run_if_due("host:1") is None
    clock.advance(seconds=1)
    assert purges.run_if_due("host:1") == PurgeReport(1, 2, 3)
    assert len(retention.asks) == 2
