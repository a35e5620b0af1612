"""Uploaded flow files are read safely and checked as a publish checks them, storing
nothing; checked drafts are kept in memory for their coordinator only, bounded and
expiring."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.i18n.completeness import flow_translation_problems
from bot.service.drafts import (
    MAX_UPLOAD_BYTES,
    DraftShelf,
    UploadRefused,
    check_upload,
    file_name,
    read_upload,
)
from bot.service.publishing import Publisher
from storage.clock import FixedClock
from tests.service.flowtrial import published, tiny
from tests.storage.conftest import NOW

REFUSED = [
    pytest.param([], "Choose a flow file (.yaml) to upload.", id="nothing chosen"),
    pytest.param([("", b"")], "Choose a flow file (.yaml) to upload.",
                 id="an empty file field"),
    pytest.param([("tiny.yaml", b"#" * (MAX_UPLOAD_BYTES + 1))],
                 "The upload is larger than 256 KB, so it was not read.", id="too large"),
    pytest.param([("a.yaml", b"x" * (MAX_UPLOAD_BYTES // 2 + 1)),
                  ("b.yaml", b"x" * (MAX_UPLOAD_BYTES // 2 + 1))],
                 "The upload is larger than 256 KB, so it was not read.",
                 id="too large together"),
    pytest.param([(f"f{i}.yaml", b"id: x") for i in range(13)],
                 "Upload at most 12 files at once.", id="too many files"),
    pytest.param([("notes.txt", b"id: x")],
                 "notes.txt is not a flow file: its name must end in .yaml.",
                 id="not a yaml file"),
    pytest.param([("my flow.yaml", b"id: x")],
                 "my flow.yaml: a file name may use only letters, digits, dots, dashes and "
                 "underscores.", id="a space in the name"),
    pytest.param([("tiny.yaml", b"id: x"), ("tiny.yaml", b"id: y")],
                 "tiny.yaml was uploaded twice.", id="the same file twice"),
    pytest.param([("tiny.yaml", "título: x".encode("latin-1"))],
                 "tiny.yaml is not UTF-8 text.", id="not UTF-8"),
]


@pytest.mark.parametrize(("files", "message"), REFUSED)
def test_an_upload_that_cannot_be_read_is_refused_naming_why(
        files: list[tuple[str, bytes]], message: str) -> None:
    with pytest.raises(UploadRefused) as refused:
        read_upload(files)
    assert str(refused.value) == message


def test_a_file_is_known_by_its_last_path_part() -> None:
    assert file_name("C:\\Users\\amal\\flows\\tiny.yaml") == "tiny.yaml"
    assert file_name("../../etc/tiny.yml") == "tiny.yml"


def test_a_byte_order_mark_is_not_part_of_the_text() -> None:
    assert read_upload([("tiny.yaml", b"\xef\xbb\xbfid: x")])[0].text == "id: x"


BROKEN = [
    pytest.param(tiny("goto: age", "goto: nowhere"),
                 ["tiny.yaml:22 node 'way' next[1].goto: unknown node 'nowhere'"],
                 id="an answer leads nowhere"),
    pytest.param(tiny("text: Which way?", 'text: "Which way?'),
                 ["tiny.yaml:15: YAML syntax: found unexpected end of stream (while scanning "
                  "a quoted scalar started at line 15)"], id="an unclosed quote"),
    pytest.param(tiny("  went_right:\n", "  went_left:\n    type: end\n    outcome: info_only"
                      "\n    text: Again.\n  went_right:\n"),
                 ["tiny.yaml:36 went_left: duplicate key (first at line 32)"],
                 id="a node pasted twice"),
    pytest.param(tiny("kind: number", "kind: numbr"),
                 ["tiny.yaml:25 node 'age' kind: unknown question kind 'numbr' (expected one "
                  "of: choice, multi, number, text, phone, date, language, hub, partner)"],
                 id="a misspelt question kind"),
    pytest.param(tiny("languages: [en]", "languages: [en, ar]"),
                 ["tiny.yaml:4 languages: no catalog for Arabic (ar)"],
                 id="translations are checked too"),
    pytest.param(b"- just\n- a list\n", ["tiny.yaml:1: the file must be a YAML mapping"],
                 id="not a mapping"),
    pytest.param(tiny("title: A short test flow", "title: !!python/name:os.system"),
                 ["tiny.yaml:3: YAML syntax: could not determine a constructor for the tag "
                  "'tag:yaml.org,2002:python/name:os.system'"],
                 id="YAML is parsed safely: no Python object is made"),
    pytest.param(tiny("id: tiny", "id: !!python/object/apply:os.system ['true']"),
                 ["tiny.yaml:2 id: must be a flow id"],
                 id="YAML is parsed safely: a tagged list stays a list"),
]


@pytest.mark.parametrize(("text", "expected"), BROKEN)
def test_a_broken_upload_lists_its_problems_with_file_and_line_and_stores_nothing(
        tmp_path: Path, text: bytes, expected: list[str]) -> None:
    with published(tmp_path, tiny()) as (_, store, clock):
        before = (store.version(), store.history())
        checked = check_upload([("tiny.yaml", text)], Publisher(store, clock),
                               [lambda flows: flow_translation_problems(
                                   flows, tmp_path / "no-locales")], 7, clock)
        assert checked.draft is None
        assert [str(problem) for problem in checked.problems] == expected
        assert (store.version(), store.history()) == before


def test_a_good_upload_is_a_draft_saying_what_a_publish_would_make(tmp_path: Path) -> None:
    with published(tmp_path, tiny()) as (_, store, clock):
        checked = check_upload([("tiny.yaml", tiny("Which way?", "Where to?"))],
                               Publisher(store, clock), [], 7, clock)
        draft = checked.draft
        assert draft is not None and checked.problems == ()
        assert draft.changed == (("tiny", 2),)
        assert draft.uploaded == ("tiny",)
        assert draft.flows["tiny"].revision == 2
        assert store.version() == 1  # checked, not published


def test_an_upload_equal_to_what_runs_would_change_nothing(tmp_path: Path) -> None:
    with published(tmp_path, tiny()) as (_, store, clock):
        checked = check_upload([("tiny.yaml", tiny("title:", "# a comment\ntitle:"))],
                               Publisher(store, clock), [], 7, clock)
        assert checked.draft is not None and checked.draft.changed == ()


def test_drafts_are_their_coordinators_only_and_expire(tmp_path: Path) -> None:
    clock = FixedClock(NOW)
    shelf = DraftShelf(clock, lifetime=timedelta(hours=1))
    with published(tmp_path, tiny()) as (_, store, _clock):
        draft = check_upload([("tiny.yaml", tiny("Which way?", "Where to?"))],
                             Publisher(store, clock), [], 7, clock).draft
    assert draft is not None
    shelf.keep(draft)
    assert shelf.get(draft.id, 7) is draft
    assert shelf.get(draft.id, 8) is None  # someone else's
    assert shelf.get("made-up", 7) is None
    clock.advance(minutes=59)
    assert shelf.get(draft.id, 7) is draft
    clock.advance(minutes=1)
    assert shelf.get(draft.id, 7) is None
    assert len(shelf) == 0


def test_the_shelf_is_bounded_per_coordinator_and_in_all(tmp_path: Path) -> None:
    clock = FixedClock(NOW)
    shelf = DraftShelf(clock, per_staff=2, limit=3)
    with published(tmp_path, tiny()) as (_, store, _clock):
        publisher = Publisher(store, clock)

        def draft(staff: int) -> str:
            made = check_upload([("tiny.yaml", tiny())], publisher, [], staff, clock).draft
            assert made is not None
            shelf.keep(made)
            return made.id

        first, second, third = draft(1), draft(1), draft(1)
        assert shelf.get(first, 1) is None  # the coordinator's oldest made room
        assert shelf.get(second, 1) is not None and shelf.get(third, 1) is not None
        other = draft(2)
        fourth = draft(3)
        assert len(shelf) == 3
        assert shelf.get(second, 1) is None  # anyone's oldest made room
        assert shelf.get(other, 2) is not None and shelf.get(fourth, 3) is not None
