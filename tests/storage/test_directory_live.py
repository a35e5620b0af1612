"""A directory loaded by one process is served by every running process within the poll
interval, without a restart, on SQLite and PostgreSQL: routing, the hubs and partners flows
offer, deadlines and focal cards read the new one; a referral in progress keeps working; a
load that is undone changes nothing; a read never mixes two loads."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine as Database
from sqlalchemy.orm import Session

import storage.directory as directory_module
from bot.directory import load_directory, load_directory_text
from bot.directory.live import POLL_SECONDS, LiveDirectory
from bot.directory.model import Directory
from bot.directory.rows import Rows, directory_from_rows, directory_rows
from bot.ports import Role, Staff
from bot.routing.route import Route
from bot.service.directory_desk import DirectoryDesk, UploadRejected, checksum
from bot.wiring import Services, build_services
from storage.clock import FixedClock
from storage.crypto import Cipher
from storage.database import make_engine
from storage.directory import SqlDirectoryStore
from storage.stores import Storage
from tests.storage.builders import consent, request
from tests.storage.conftest import NOW
from tests.telegram.harness import settings_for

SAMPLE_TEXT = (Path(load_directory.__code__.co_filename).parent / "sample.yaml").read_text(
    encoding="utf-8")
GAZIANTEP_MEDICAL = ("  gaziantep:\n"
                     "    protection: {primary: example_relief, backup: example_community}\n"
                     "    medical: {primary: example_health, backup: example_relief}\n")
BURSA = ("hubs:\n  bursa:\n    names: {en: Bursa, ar: بورصة, tr: Bursa}\n"
         "    areas: [Osmangazi]\n    coordinator: example_relief\n")
HIGH = "    high: {acknowledge_hours: 4, respond_hours: 48}"


def edited_text() -> str:
    """The sample with a hub more, Gaziantep's medical referrals sent to example_law, and
    two hours to acknowledge a high-risk referral instead of four."""
    text = SAMPLE_TEXT
    for old, new in ((GAZIANTEP_MEDICAL, GAZIANTEP_MEDICAL.replace(
            "medical: {primary: example_health", "medical: {primary: example_law")),
                     ("hubs:\n", BURSA), (HIGH, HIGH.replace("4,", "2,"))):
        assert text.count(old) == 1, f"the sample directory no longer has {old!r}"
        text = text.replace(old, new)
    return text


def rows_of(text: str) -> Rows:
    return directory_rows(load_directory_text(text, "directory.yaml"))


def primary(directory: Directory) -> str | None:
    point = directory.focal_point("gaziantep", "medical")
    return point.primary if point else None


@dataclass
class Ticks:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def second(database: Database, cipher: Cipher) -> Iterator[Storage]:
    """Another process on the same database: its own engine, so its own connections."""
    other = make_engine(database.url.render_as_string(hide_password=False))
    try:
        yield Storage.on(other, cipher)
    finally:
        other.dispose()


def test_every_process_serves_a_load_within_the_poll_interval(
        storage: Storage, second: Storage) -> None:
    assert POLL_SECONDS < 5
    loader = SqlDirectoryStore(storage.context)
    loader.replace(rows_of(SAMPLE_TEXT))
    ticks = [Ticks(), Ticks()]
    running = [LiveDirectory(SqlDirectoryStore(s.context), load_directory, clock=t)
               for s, t in zip((storage, second), ticks, strict=True)]
    before = [live.current() for live in running]  # what one piece of work reads throughout
    loader.replace(rows_of(edited_text()))
    for clock in ticks:
        clock.now += POLL_SECONDS / 2  # not asked yet: the old directory
    for live in running:
        assert "bursa" not in live.hubs
    for clock in ticks:
        clock.now += POLL_SECONDS / 2
    for live, pinned in zip(running, before, strict=True):
        assert "bursa" in live.hubs
        assert live.hub_choices()[0].id == "bursa"
        assert primary(live) == "example_law"
        assert live.current() == directory_from_rows(rows_of(edited_text()))
        assert primary(pinned) == "example_health"


def test_a_load_that_is_undone_changes_nothing_anywhere(storage: Storage,
                                                        second: Storage) -> None:
    SqlDirectoryStore(storage.context).replace(rows_of(SAMPLE_TEXT))
    ticks = Ticks()
    live = LiveDirectory(SqlDirectoryStore(second.context), load_directory, clock=ticks)
    version = live.version
    with pytest.raises(RuntimeError, match="undone"), storage.unit():
        SqlDirectoryStore(storage.context).replace(rows_of(edited_text()))
        raise RuntimeError("undone")
    ticks.now += POLL_SECONDS
    assert not live.refresh()
    assert (live.version, "bursa" in live.hubs) == (version, False)


def test_a_directory_read_never_mixes_two_loads(storage: Storage, second: Storage,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A load committed while another process reads the tables: PostgreSQL shows it to
    the later statements, so the read says to ask again; SQLite reads one snapshot."""
    SqlDirectoryStore(storage.context).replace(rows_of(SAMPLE_TEXT))
    reader = SqlDirectoryStore(second.context)
    old_version = reader.version()
    real_rows = directory_module._rows
    loaded: list[bool] = []

    def rows_with_a_load_between(db: Session) -> Rows:
        if not loaded:
            found = real_rows(db)
            SqlDirectoryStore(storage.context).replace(rows_of(edited_text()))
            loaded.append(True)
            return {**found, "hubs": real_rows(db)["hubs"]}
        return real_rows(db)

    monkeypatch.setattr(directory_module, "_rows", rows_with_a_load_between)
    found = reader.snapshot()
    assert loaded
    if found is not None:  # one snapshot: the old load, whole
        assert found[0] == old_version
        assert directory_from_rows(found[1]) == load_directory()
    else:
        assert storage.context.dialect == "postgresql"
    assert reader.snapshot() == (old_version + 1, rows_of(edited_text()))


def enrol(services: Services, telegram_id: int, agency: str | None) -> Staff:
    staff = services.storage.staff
    role: Role = "focal_point" if agency else "referrer"
    return staff.get(staff.enrol(telegram_id, role, agency=agency, hub="gaziantep",
                                 language="en", at=NOW))


def test_a_running_bot_serves_a_directory_loaded_through_the_console_without_restart(
        tmp_path: Path, storage: Storage, second: Storage) -> None:
    """Two running processes over one database; a coordinator loads a directory in one
    (the console's path); the other routes by it after the poll interval, offers its hubs
    and partners, and a referral routed before the load is still handled by its agency."""
    settings = settings_for(tmp_path)
    clock = FixedClock(NOW)
    console, bot = (build_services(settings, s, clock) for s in (storage, second))
    SqlDirectoryStore(storage.context).replace(rows_of(SAMPLE_TEXT))
    time.sleep(POLL_SECONDS)
    health, law = enrol(bot, 501, "example_health"), enrol(bot, 502, "example_law")
    referrer = enrol(bot, 500, None)
    with bot.storage.unit():
        first = bot.referrals.submit(request(), referrer, consent())
    assert isinstance(first.route, Route) and first.route.agency == "example_health"
    assert "bursa" not in [hub.id for hub in bot.engine.hubs]
    assert bot.engine.partners is not None
    assert "example_health" not in [c.id for c in bot.engine.partners("gaziantep", "medical")]

    desk = DirectoryDesk(SqlDirectoryStore(console.storage.context), console.storage.staff,
                         settings.directory, console.storage.unit)
    data = edited_text().encode("utf-8")
    with pytest.raises(UploadRejected, match="changed since it was checked"):
        desk.load("directory.yaml", data, checksum(b"another file"))
    with console.storage.unit():
        desk.load("directory.yaml", data, checksum(data))
    time.sleep(POLL_SECONDS)  # the other process asks again on its next use

    assert bot.engine.hubs[0].id == "bursa"  # the flows' hub question
    assert bot.directory.hubs["bursa"].name("en") == "Bursa"  # focal cards, the console
    # Partners never include the focal point: example_health is one now, example_law not.
    partners = [c.id for c in bot.engine.partners("gaziantep", "medical")]
    assert "example_health" in partners and "example_law" not in partners
    with bot.storage.unit():
        second_referral = bot.referrals.submit(request(), referrer, consent())
    assert isinstance(second_referral.route, Route)
    assert second_referral.route.agency == "example_law"
    record = bot.storage.referrals.get(second_referral.code)
    assert record.acknowledge_by == NOW + timedelta(hours=2)  # the new deadlines
    # The referral routed before the load stays with its agency, which can act on it.
    assert bot.referrals.act(health, first.code, "accept") == "accepted"
    assert bot.referrals.act(law, second_referral.code, "acknowledge") == "acknowledged"
    assert isinstance(bot.directory, LiveDirectory) and isinstance(bot.directory, Directory)


def test_two_loads_at_the_same_moment_store_only_the_first(
        storage: Storage, second: Storage, monkeypatch: pytest.MonkeyPatch) -> None:
    """The second load read the number before the first committed (forced here): it is
    refused whole, and the console says to try again."""
    store = SqlDirectoryStore(storage.context)
    store.replace(rows_of(SAMPLE_TEXT))
    version = store.version()
    monkeypatch.setattr(directory_module, "_version", lambda db: version - 1)
    desk = DirectoryDesk(SqlDirectoryStore(second.context), second.staff,
                         Path("unused.yaml"), second.unit)
    data = edited_text().encode("utf-8")
    with pytest.raises(UploadRejected) as refused:
        desk.load("directory.yaml", data, checksum(data))
    assert refused.value.problems == ["directory.yaml: another directory was loaded at the "
                                      "same moment; nothing was loaded, try again"]
    monkeypatch.undo()
    assert store.snapshot() == (version, rows_of(SAMPLE_TEXT))
