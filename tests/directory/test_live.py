"""A live directory serves the newest load whole, keeps what it serves when the store cannot
be read or a load cannot be read, serves the configured file until a load exists, and at
start never serves an empty directory."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from bot.directory import load_directory
from bot.directory.live import DirectoryUnavailable, LiveDirectory
from bot.directory.model import Directory, Hub
from bot.directory.rows import Rows, directory_rows
from bot.polling import POLL_SECONDS

SAMPLE = load_directory()
ONE_HUB = Directory(hubs={"kilis": Hub("kilis", {"en": "Kilis"}, ("Elbeyli",))})


@dataclass
class Source:
    """A store the test drives: its version, its rows, reads that fail or meet a load."""

    number: int = 0
    rows: Rows = field(default_factory=dict)
    unavailable: bool = False
    torn_reads: int = 0  # this many snapshots meet a load in the middle

    def version(self) -> int:
        if self.unavailable:
            raise DirectoryUnavailable("OperationalError")
        return self.number

    def snapshot(self) -> tuple[int, Rows] | None:
        if self.unavailable:
            raise DirectoryUnavailable("OperationalError")
        if self.torn_reads:
            self.torn_reads -= 1
            return None
        return self.number, self.rows


@dataclass
class Ticks:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now


def live(source: Source, ticks: Ticks | None = None) -> LiveDirectory:
    return LiveDirectory(source, lambda: SAMPLE, clock=ticks or Ticks())


def test_the_configured_file_is_served_until_a_directory_is_loaded() -> None:
    assert live(Source()).current() == SAMPLE
    assert live(Source(unavailable=True)).current() == SAMPLE


def test_a_new_load_is_served_whole_after_the_interval_and_not_before() -> None:
    source, ticks = Source(1, directory_rows(SAMPLE)), Ticks()
    directory = live(source, ticks)
    pinned = directory.current()
    source.number, source.rows = 2, directory_rows(ONE_HUB)
    ticks.now += POLL_SECONDS / 2
    assert list(directory.hubs) == list(SAMPLE.hubs)
    ticks.now += POLL_SECONDS / 2
    assert (list(directory.hubs), directory.version) == (["kilis"], 2)
    assert directory.agencies == {} and directory.focal_point("kilis", "medical") is None
    assert pinned == SAMPLE  # what one piece of work read stays as it was


@pytest.mark.parametrize("fault", ["store unreachable", "a load met in the middle",
                                   "rows that do not make a directory"])
def test_what_is_served_stays_served_when_a_load_cannot_be_read(fault: str) -> None:
    source, ticks = Source(1, directory_rows(ONE_HUB)), Ticks()
    directory = live(source, ticks)
    source.number = 2
    if fault == "store unreachable":
        source.unavailable = True
    elif fault == "a load met in the middle":
        source.torn_reads = 1
    else:
        source.rows = {"hubs": [{"id": "kilis"}]}
    ticks.now += POLL_SECONDS
    assert not directory.refresh()
    assert (directory.current(), directory.version) == (ONE_HUB, 1)


def test_at_start_a_read_that_met_a_load_is_tried_again() -> None:
    assert live(Source(3, directory_rows(ONE_HUB), torn_reads=2)).current() == ONE_HUB
    with pytest.raises(DirectoryUnavailable, match="kept changing"):
        live(Source(3, directory_rows(ONE_HUB), torn_reads=50))
