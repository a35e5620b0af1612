"""Published flow revisions, on SQLite and PostgreSQL: numbered at publish, served by every
process within seconds without a restart, conversations finish on the revision they began
on (after a restart too), a broken publish changes nothing, rollback and withdrawal."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine as Database

from bot.directory import load_directory
from bot.engine import Choice, Engine, Session
from bot.engine.events import Prompt, Say
from bot.flows.library import BUNDLED, POLL_SECONDS, FlowLibrary, RevisionUnavailable
from bot.flows.problems import FlowError
from bot.i18n.texts import Texts
from bot.ports import Staff
from bot.service.intake import RESTARTED, IntakeDesk
from bot.service.publishing import Publisher, Refused, UnknownRevision
from storage.clock import FixedClock
from storage.crypto import Cipher
from storage.database import make_engine
from storage.flowstore import SqlFlowStore
from storage.stores import Storage
from tests.conftest import TODAY
from tests.storage.conftest import NOW

GBV_OPTION = "      gbv: Someone who told me about gender-based violence\n"
STAFF = Staff(1, "referrer", None, "gaziantep", "en", True, False)
CHAT = 41


@dataclass
class Ticks:
    """A monotonic clock the test moves by hand."""

    now: float = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Flows:
    """A copy of the bundled flows a coordinator edits, and the publisher of one database."""

    folder: Path
    publisher: Publisher
    store: SqlFlowStore
    ticks: Ticks = field(default_factory=Ticks)

    def edit(self, name: str, old: str, new: str) -> None:
        path = self.folder / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{name} no longer has the text this test edits"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def publish(self, note: str = "") -> tuple[int | None, dict[str, int]]:
        done = self.publisher.publish(sorted(self.folder.glob("*.yaml")), (), "tester", note)
        return done.number, {fid: flow.revision for fid, flow in done.flows.items()}

    def library(self) -> FlowLibrary:
        """What a (re)started process serves: everything from the database."""
        library = FlowLibrary(self.store, clock=self.ticks)
        library.refresh(force=True)
        return library


@pytest.fixture
def flows(tmp_path: Path, storage: Storage) -> Flows:
    folder = tmp_path / "flows"
    folder.mkdir()
    for path in BUNDLED.glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    store = SqlFlowStore(storage.context)
    return Flows(folder, Publisher(store, FixedClock(NOW)), store)


def _engine(library: FlowLibrary) -> Engine:
    return Engine(library, Texts(), load_directory().hub_choices())


def _buttons(events: list[object]) -> list[str]:
    prompt = [e for e in events if isinstance(e, Prompt)][-1]
    return [b.id for b in prompt.buttons]


def test_the_first_publish_keeps_the_files_numbers_and_then_only_changes_count(
        flows: Flows) -> None:
    number, first = flows.publish()
    assert number == 1
    assert first["intake"] >= 1 and flows.store.version() == 1
    # Comments, layout and a hand-raised revision are no change: nothing is published.
    flows.edit("pwsn.yaml", f"revision: {first['pwsn']}\n", "# edited\n\nrevision: 90\n")
    assert flows.publish() == (None, first)
    flows.edit("intake.yaml", GBV_OPTION, "")
    number, second = flows.publish("without the GBV entry")
    assert number == 2
    assert second == {**first, "intake": first["intake"] + 1}
    history = {(r.flow_id, r.revision): r for r in flows.store.history()}
    made = history[("intake", second["intake"])]
    assert (made.publication, made.published_by, made.note, made.published_at) == \
        (2, "tester", "without the GBV entry", NOW)


def test_a_flow_that_includes_a_changed_flow_gets_a_new_revision_too(flows: Flows) -> None:
    _, first = flows.publish()
    # The order of options is what the referrer sees: a change.
    flows.edit("child_pathway.yaml", "      from_12: 12 to 14\n      from_15: 15 to 17\n",
               "      from_15: 15 to 17\n      from_12: 12 to 14\n")
    _, second = flows.publish()
    bumped = {fid for fid in first if second[fid] != first[fid]}
    # child_pathway, the flows that include it (pwsn, child) and those including them.
    assert bumped == {"child_pathway", "pwsn", "child", "intake"}
    assert all(second[fid] == first[fid] + 1 for fid in bumped)


def test_a_broken_file_changes_nothing(flows: Flows) -> None:
    _, first = flows.publish()
    library = flows.library()
    before = (flows.store.version(), flows.store.history())
    flows.edit("intake.yaml", GBV_OPTION, "")
    flows.edit("intake.yaml", "    next: where\n", "    next: no_such_node\n")  # the checker's
    with pytest.raises(FlowError):
        flows.publish()
    assert (flows.store.version(), flows.store.history()) == before
    flows.ticks.now += 60
    assert not library.refresh()
    assert library.current("intake").flow.revision == first["intake"]


def test_every_process_serves_a_publish_within_the_poll_interval_without_restart(
        flows: Flows, database: Database, cipher: Cipher) -> None:
    """Two processes on one database: each has its own engine (its own connections)."""
    assert POLL_SECONDS < 5
    flows.publish()
    other = make_engine(database.url.render_as_string(hide_password=False))
    try:
        ticks = [Ticks(), Ticks()]
        stores = [flows.store, SqlFlowStore(Storage.on(other, cipher).context)]
        running = []
        for store, clock in zip(stores, ticks, strict=True):
            library = FlowLibrary(store, clock=clock)
            library.refresh(force=True)
            running.append(_engine(library))
        old = {e.library.current("intake").flow.revision for e in running}
        assert len(old) == 1
        flows.edit("intake.yaml", GBV_OPTION, "")
        flows.publish()
        for clock in ticks:
            clock.now += POLL_SECONDS / 2  # not yet asked: still the old revision
        assert {e.library.current("intake").flow.revision for e in running} == old
        for clock in ticks:
            clock.now += POLL_SECONDS / 2
        newest = old.pop() + 1
        for engine in running:
            assert engine.library.current("intake").flow.revision == newest
            assert _buttons(engine.start("intake", "en", today=TODAY).events) == \
                ["pwsn", "child"]
    finally:
        other.dispose()


def test_a_conversation_finishes_on_its_revision_after_a_publish_and_a_restart(
        flows: Flows) -> None:
    _, first = flows.publish()
    step = _engine(flows.library()).start("intake", "en", today=TODAY)
    assert "gbv" in _buttons(step.events)
    flows.edit("intake.yaml", GBV_OPTION, "")
    flows.publish()
    restarted = _engine(flows.library())  # a new process: nothing kept in memory
    session = Session.from_json(step.session.to_json())
    moved = restarted.step(session, Choice("gbv"), TODAY)
    assert moved.session.revision == first["intake"]
    assert moved.session.answers["situation"] == "gbv"
    fresh = restarted.start("intake", "en", today=TODAY)
    assert fresh.session.revision == first["intake"] + 1
    assert _buttons(fresh.events) == ["pwsn", "child"]


def test_a_rollback_publishes_the_old_content_as_a_new_revision(flows: Flows) -> None:
    _, first = flows.publish()
    flows.edit("intake.yaml", GBV_OPTION, "")
    flows.publish()
    library = flows.library()
    done = flows.publisher.rollback("intake", first["intake"], (), "tester")
    assert done.changed == (("intake", first["intake"] + 2),)
    history = {(r.flow_id, r.revision): r for r in flows.store.history()}
    assert history[("intake", first["intake"] + 2)].checksum == \
        history[("intake", first["intake"])].checksum
    assert history[("intake", first["intake"] + 2)].note == \
        f"rollback of intake to revision {first['intake']}"
    flows.ticks.now += POLL_SECONDS
    assert "gbv" in _buttons(_engine(library).start("intake", "en", today=TODAY).events)
    with pytest.raises(Refused, match="already the current one"):
        flows.publisher.rollback("intake", first["intake"] + 2, (), "tester")


@pytest.mark.parametrize(("flow_id", "revision", "expected"), [
    ("nosuch", 1, "unknown flow 'nosuch' (known: child, child_pathway, gbv, gbv_referral, "
                  "intake, pwsn, urgent_screen, where)"),
    ("intake", 99, "flow 'intake' has no revision 99 (known: {known})"),
])
def test_an_unknown_flow_or_revision_names_what_exists(flows: Flows, flow_id: str,
                                                       revision: int, expected: str) -> None:
    _, first = flows.publish()
    with pytest.raises(UnknownRevision) as raised:
        flows.publisher.withdraw(flow_id, revision, "tester")
    assert str(raised.value.args[0]) == expected.format(known=first["intake"])
    with pytest.raises(UnknownRevision):
        flows.publisher.rollback(flow_id, revision, (), "tester")


class NoReferrals:
    def submit(self, *args: object) -> None:  # pragma: no cover - no referral is made here
        raise AssertionError("no referral expected")


def test_a_withdrawn_revision_restarts_its_conversations_with_a_clear_message(
        flows: Flows, storage: Storage) -> None:
    _, first = flows.publish()
    library = flows.library()
    desk = IntakeDesk(_engine(library), storage.sessions, NoReferrals(),  # type: ignore[arg-type]
                      FixedClock(NOW), storage.unit)
    desk.start(CHAT, STAFF, {})
    flows.edit("intake.yaml", GBV_OPTION, "")
    flows.publish()
    assert flows.store.open_conversations() == {("intake", first["intake"]): 1}
    with pytest.raises(Refused, match="is the current one"):
        flows.publisher.withdraw("intake", first["intake"] + 1, "tester")
    assert flows.publisher.withdraw("intake", first["intake"], "tester") == 1
    with pytest.raises(Refused, match="already withdrawn"):
        flows.publisher.withdraw("intake", first["intake"], "tester")
    flows.ticks.now += POLL_SECONDS
    with pytest.raises(RevisionUnavailable):
        library.revision("intake", first["intake"])
    # What was made with it can still be read (a referral card's labels).
    assert library.revision("intake", first["intake"], withdrawn=True).flow.revision == \
        first["intake"]
    assert FlowLibrary(flows.store).revision("intake", first["intake"], withdrawn=True)
    with pytest.raises(RevisionUnavailable):
        flows.library().revision("intake", first["intake"])
    turn = desk.handle(CHAT, STAFF, Choice("gbv"))
    assert isinstance(turn.events[0], Say) and turn.events[0].text == RESTARTED
    assert turn.session is not None and turn.session.revision == first["intake"] + 1
    assert _buttons(turn.events) == ["pwsn", "child"]
    # The fresh start is stored: the next press goes on normally, no loop of errors.
    moved = desk.handle(CHAT, STAFF, Choice("pwsn"))
    assert moved.session is not None and moved.session.answers["situation"] == "pwsn"
    assert flows.store.open_conversations() == {("intake", first["intake"] + 1): 1}


def test_a_conversation_whose_revision_is_stored_nowhere_starts_again(
        flows: Flows, storage: Storage) -> None:
    flows.publish()
    desk = IntakeDesk(_engine(flows.library()), storage.sessions,
                      NoReferrals(), FixedClock(NOW), storage.unit,  # type: ignore[arg-type]
                      idle=timedelta(minutes=30))
    lost = _engine(FlowLibrary.load([BUNDLED])).start("intake", "en", today=TODAY).session
    storage.sessions.save(CHAT, lost.with_(revision=77), NOW)
    turn = desk.handle(CHAT, STAFF, Choice("pwsn"))
    assert isinstance(turn.events[0], Say) and turn.events[0].text == RESTARTED
    assert turn.session is not None and turn.session.state == "situation"
