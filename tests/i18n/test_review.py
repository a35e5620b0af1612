"""A catalog's review status is data beside it: read strictly, written readably, a draft
when absent; a broken file is an error that names the file and the fault."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.i18n.review import Review, ReviewError, read_review, review_path, write_review
from bot.i18n.texts import Texts


def _file(root: Path, text: str) -> Path:
    path = review_path(root, "ku")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_language_without_a_review_file_is_a_draft(tmp_path: Path) -> None:
    assert read_review(tmp_path, "ku") == Review("ku")
    assert not Texts(tmp_path).reviewed("ku")


def test_the_source_language_needs_no_review(tmp_path: Path) -> None:
    assert Texts(tmp_path).reviewed("en")


def test_a_written_status_reads_back_the_same(tmp_path: Path) -> None:
    review = Review("ku", "reviewed", "Rojda Aydın: \"Mardin\" hub", date(2026, 12, 1),
                    "read against the printed annexes")
    write_review(tmp_path, review)
    assert read_review(tmp_path, "ku") == review
    assert review.describe() == "reviewed by Rojda Aydın: \"Mardin\" hub on 2026-12-01"


def test_a_hand_written_file_is_read(tmp_path: Path) -> None:
    _file(tmp_path, "status: reviewed\nreviewed_by: Jean Haddad\nreviewed_on: 2026-12-02\n")
    assert read_review(tmp_path, "ku") == Review("ku", "reviewed", "Jean Haddad",
                                                 date(2026, 12, 2))


@pytest.mark.parametrize(("text", "error"), [
    ("status: done\n", "status must be draft or reviewed, not 'done'"),
    ("status: reviewed\n", "a reviewed catalog names its reviewer (reviewed_by)"),
    ("status: reviewed\nreviewed_by: '  '\n",
     "a reviewed catalog names its reviewer (reviewed_by)"),
    ("status: reviewed\nreviewed_by: Ana\nreviewed_on: yesterday\n",
     "reviewed_on must be a date (YYYY-MM-DD), not 'yesterday'"),
    ("status: reviewed\nreviewed_by: Ana\nreviewed_on: 12\n",
     "reviewed_on must be a date (YYYY-MM-DD), not 12"),
    ("status: reviewed\nreviewed_by: [Ana, Ali]\n", "reviewed_by must be text"),
    ("status: draft\nreviewer: Ana\n",
     "unknown field 'reviewer' (known: status, reviewed_by, reviewed_on, note)"),
    ("- reviewed\n", "must be a mapping of status, reviewed_by, reviewed_on, note"),
    ("status: [\n", "not valid YAML (while parsing a flow node)"),
])
def test_a_broken_review_file_is_refused_with_its_fault(tmp_path: Path, text: str,
                                                        error: str) -> None:
    path = _file(tmp_path, text)
    with pytest.raises(ReviewError) as raised:
        read_review(tmp_path, "ku")
    assert str(raised.value) == f"{path}: {error}"
    assert not Texts(tmp_path).reviewed("ku")  # at run time a broken file is a draft


def test_a_changed_status_is_seen_without_a_restart(tmp_path: Path) -> None:
    texts = Texts(tmp_path)
    assert not texts.reviewed("ku")
    write_review(tmp_path, Review("ku", "reviewed", "Ana", date(2026, 12, 1)))
    assert texts.reviewed("ku")
    write_review(tmp_path, Review("ku"))
    assert not texts.reviewed("ku")
