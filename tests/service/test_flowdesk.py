"""The published flows as the console reads them (list, history, revision, diff) say what
``intake flows list|show|diff`` say, and its changes (publish a draft, roll back, withdraw)
are the publisher's: checked, numbered, refused as the command refuses them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.flows.library import Source
from bot.flows.model import Flow
from bot.service.drafts import check_upload
from bot.service.flowdesk import FlowDesk
from bot.service.publishing import Publisher, Refused, UnknownRevision
from tests.service.flowtrial import published, tiny

TWO = tiny("Which way?", "Where to?")


def test_the_list_has_each_flows_current_revision_and_who_published_it(
        tmp_path: Path) -> None:
    with published(tmp_path, tiny()) as (_, store, clock):
        desk = FlowDesk(store, clock, [])
        [row] = desk.rows()
        assert (row.flow_id, row.title, row.kind, row.revision, row.published_by, row.note,
                row.open_older, row.withdrawn) == ("tiny", "A short test flow", "flow", 1,
                                                   "test", "first", (), ())
        assert row.published_at == clock.now()


def test_open_conversations_on_older_revisions_are_counted(tmp_path: Path) -> None:
    with published(tmp_path, tiny()) as (_, store, clock):
        desk = FlowDesk(store, clock, [])
        store.open_conversations = lambda: {("tiny", 1): 3, ("tiny", 2): 1}  # type: ignore[method-assign]
        desk.publisher.publish_sources([Source("tiny.yaml", TWO.decode())], [], "t", "")
        [row] = desk.rows()
        assert row.revision == 2 and row.open_older == ((1, 3),) and row.open_total == 3
        assert [(r.record.revision, r.current, r.open) for r in desk.history("tiny")] == [
            (2, True, 1), (1, False, 3)]


def test_a_revision_reads_as_its_outline_and_source(tmp_path: Path) -> None:
    with published(tmp_path, tiny()) as (_, store, clock):
        view = FlowDesk(store, clock, []).revision("tiny")
        assert view.current and view.record.revision == 1
        assert view.outline[:4] == ("flow tiny revision 1: A short test flow", "start: hello",
                                    "hello: say to referrer: Hello from the tiny flow.",
                                    "hello:   → way")
        assert view.source == tiny().decode()
        assert view.flow.id == "tiny"


@pytest.mark.parametrize(("flow", "revision", "message"), [
    ("nope", None, "unknown flow 'nope' (known: tiny)"),
    ("tiny", 9, "flow 'tiny' has no revision 9 (known: 1)"),
])
def test_an_unknown_flow_or_revision_names_what_exists(
        tmp_path: Path, flow: str, revision: int | None, message: str) -> None:
    with published(tmp_path, tiny()) as (_, store, clock):
        with pytest.raises(UnknownRevision) as error:
            FlowDesk(store, clock, []).revision(flow, revision)
        assert str(error.value.args[0]) == message


def test_the_diff_says_what_changed_question_by_question(tmp_path: Path) -> None:
    with published(tmp_path, tiny()) as (_, store, clock):
        desk = FlowDesk(store, clock, [])
        desk.publisher.publish_sources([Source("tiny.yaml", TWO.decode())], [], "t", "")
        assert desk.diff("tiny", 1, 2) == [
            "--- tiny r1", "+++ tiny r2", "@@ -3,3 +3,3 @@", " hello:   → way",
            "-way: ask choice: Which way?", "+way: ask choice: Where to?",
            " way:   option left: Left"]
        assert desk.diff("tiny", 2, 2) == []


def test_publishing_a_draft_makes_the_next_revision(tmp_path: Path) -> None:
    with published(tmp_path, tiny()) as (_, store, clock):
        desk = FlowDesk(store, clock, [])
        draft = check_upload([("tiny.yaml", TWO)], desk.publisher, [], 7, clock).draft
        assert draft is not None
        done = desk.publish(draft, "staff:7", "clearer question")
        assert (done.number, done.changed) == (2, (("tiny", 2),))
        record = desk.history("tiny")[0].record
        assert (record.revision, record.published_by, record.note) == (
            2, "staff:7", "clearer question")


def test_rollback_publishes_the_old_text_again_and_withdraw_stops_a_revision(
        tmp_path: Path) -> None:
    with published(tmp_path, tiny()) as (_, store, clock):
        desk = FlowDesk(store, clock, [])
        desk.publisher.publish_sources([Source("tiny.yaml", TWO.decode())], [], "t", "")
        done = desk.rollback("tiny", 1, "staff:7", "")
        assert done.changed == (("tiny", 3),)
        assert desk.revision("tiny").outline[3:5] == (
            "hello:   → way", "way: ask choice: Which way?")
        assert desk.history("tiny")[0].record.note == "rollback of tiny to revision 1"
        assert desk.withdraw("tiny", 2, "staff:7", "harmful") == 0
        rows = {r.record.revision: r for r in desk.history("tiny")}
        assert rows[2].withdrawn and not rows[1].withdrawn and rows[3].current
        assert desk.rows()[0].withdrawn == (2,)
        with pytest.raises(Refused, match="is the current one"):
            desk.withdraw("tiny", 3, "staff:7", "")
        with pytest.raises(Refused, match="already withdrawn"):
            desk.withdraw("tiny", 2, "staff:7", "")


def test_a_publish_checks_again_with_what_is_published_now(tmp_path: Path) -> None:
    """A draft checked before someone else published stays correct: it is checked again."""
    with published(tmp_path, tiny()) as (_, store, clock):
        desk = FlowDesk(store, clock, [])
        draft = check_upload([("tiny.yaml", TWO)], desk.publisher, [], 7, clock).draft
        assert draft is not None
        Publisher(store, clock).publish_sources(
            [Source("tiny.yaml", tiny("Left", "To the left").decode())], [], "t", "")
        done = desk.publish(draft, "staff:7", "")
        assert done.changed == (("tiny", 3),)


def test_a_revision_read_once_is_not_parsed_again(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    with published(tmp_path, tiny()) as (_, store, clock):
        cache: dict[tuple[str, int], tuple[Flow, tuple[str, ...]]] = {}
        first = FlowDesk(store, clock, [], cache).revision("tiny", 1)
        monkeypatch.setattr("bot.service.flowdesk.flattened", lambda stored: 1 / 0)
        again = FlowDesk(store, clock, [], cache).revision("tiny", 1)
        assert again.outline is first.outline and list(cache) == [("tiny", 1)]
