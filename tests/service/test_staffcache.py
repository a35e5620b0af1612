"""The staff lookup cache trusts an entry for its time to live, and no longer."""

from __future__ import annotations

from bot.ports import Staff
from bot.service.staffcache import MISS, StaffCache


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def member(staff_id: int, active: bool = True) -> Staff:
    return Staff(id=staff_id, role="referrer", agency=None, hub="gaziantep", language="en",
                 active=active, unreachable=False)


def test_an_entry_is_served_until_its_time_to_live_runs_out() -> None:
    ticks = Ticks()
    cache = StaffCache(ttl=5.0, clock=ticks)
    cache.put(7, member(1))
    ticks.now += 4.9
    assert cache.get(7) == member(1)
    ticks.now += 0.1
    assert cache.get(7) is MISS


def test_a_known_stranger_is_cached_as_none_not_as_a_miss() -> None:
    cache = StaffCache(clock=Ticks())
    cache.put(8, None)
    assert cache.get(8) is None
    assert cache.get(9) is MISS


def test_forget_drops_the_entry_at_once() -> None:
    cache = StaffCache(clock=Ticks())
    cache.put(7, member(1))
    cache.forget(7)
    assert cache.get(7) is MISS


def test_the_least_recently_seen_member_goes_first_when_full() -> None:
    cache = StaffCache(capacity=2, clock=Ticks())
    cache.put(1, member(1))
    cache.put(2, member(2))
    assert cache.get(1) == member(1)  # 1 is now the most recent
    cache.put(3, member(3))
    assert cache.get(2) is MISS
    assert cache.get(1) == member(1) and cache.get(3) == member(3)


def test_members_not_seen_within_the_time_to_live_are_dropped_as_others_arrive() -> None:
    ticks = Ticks()
    cache = StaffCache(ttl=5.0, clock=ticks)
    for telegram_id in range(100):
        cache.put(telegram_id, member(telegram_id))
    ticks.now += 5.0
    cache.put(1000, member(1000))
    assert len(cache) == 1 and cache.get(1000) == member(1000)
