"""`intake i18n review` records a catalog's review status with a named reviewer, refusing an
incomplete catalog or an unknown language; `intake i18n check` lists drafts as information."""

from __future__ import annotations

import copy
import functools
import shutil
from datetime import date
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from bot.__main__ import main
from bot.flows.library import BUNDLED, flow_files
from bot.i18n.extract import build_template
from bot.i18n.merge import merge
from bot.i18n.review import Review, read_review
from bot.i18n.texts import DEFAULT_LOCALES, po_path


@functools.cache
def _template() -> Catalog:
    return build_template(flow_files([BUNDLED]))


def _complete(locales: Path, lang: str) -> None:
    """Make the copy of ``lang``'s catalog complete for the code as it is (the shipped
    catalog's own completeness is tests/i18n/test_shipped_drafts.py's business)."""
    path = po_path(locales, lang)
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    merge(catalog, copy.deepcopy(_template()))
    for message in catalog:
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.id and (message.fuzzy or not all(forms)):
            message.string = message.id if isinstance(message.id, str) else \
                tuple(message.id[-1] for _ in range(catalog.num_plurals))
            message.flags.discard("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog)


@pytest.fixture
def locales(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "locales"
    shutil.copytree(DEFAULT_LOCALES, folder, ignore=shutil.ignore_patterns("*.mo"))
    for lang in ("ku", "fr"):
        _complete(folder, lang)
    monkeypatch.setenv("INTAKE_LOCALES", str(folder))
    return folder


def test_review_marks_a_catalog_reviewed_by_a_named_person(
        locales: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["i18n", "review", "ku", "--by", "Rojda Aydın", "--on", "2026-12-02",
                 "--note", "read with the Mardin team"]) == 0
    assert read_review(locales, "ku") == Review("ku", "reviewed", "Rojda Aydın",
                                                date(2026, 12, 2), "read with the Mardin team")
    assert capsys.readouterr().out.startswith("ku: reviewed by Rojda Aydın on 2026-12-02")
    assert main(["i18n", "review", "ku", "--draft"]) == 0
    assert read_review(locales, "ku").status == "draft"


def test_review_without_a_date_is_dated_today(locales: Path) -> None:
    assert main(["i18n", "review", "fr", "--by", "Jean Haddad"]) == 0
    assert read_review(locales, "fr").reviewed_on == date.today()


def _drop_one_translation(locales: Path, lang: str) -> None:
    path = po_path(locales, lang)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('msgstr "Erê"', 'msgstr ""', 1), encoding="utf-8")


@pytest.mark.parametrize(("args", "error"), [
    (["xx", "--by", "Ana"], "error: no catalog for 'xx' at {locales}/xx/LC_MESSAGES/messages.po "
     "(catalogs: ar, fr, ku, tr)"),
    (["en", "--by", "Ana"], "error: en is the source language; it has no catalog to review"),
    (["ku", "--by", "  "], "error: --by needs the reviewer's name"),
    (["ku", "--by", "Ana", "--incomplete"], "error: ku has 1 translation problem(s), the first: "
     "ku: missing: 'Yes'; a reviewed catalog is complete (`intake i18n check --lang ku` lists "
     "them)"),
])
def test_review_refuses_what_it_cannot_vouch_for(
        locales: Path, capsys: pytest.CaptureFixture[str], args: list[str], error: str) -> None:
    if "--incomplete" in args:
        args.remove("--incomplete")
        _drop_one_translation(locales, "ku")
    assert main(["i18n", "review", *args]) == 2
    assert capsys.readouterr().err == error.format(locales=locales) + "\n"
    assert read_review(locales, args[0]).status == "draft"


@pytest.mark.parametrize("args", [["ku"], ["ku", "--by", "Ana", "--draft"],
                                  ["ku", "--by", "Ana", "--on", "02/12/2026"]])
def test_review_needs_exactly_one_of_by_and_draft_and_a_real_date(
        locales: Path, args: list[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["i18n", "review", *args])
    assert raised.value.code == 2


def test_check_lists_drafts_as_information_not_failure(
        locales: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["i18n", "check", "--lang", "ku", "--lang", "fr"]) == 0
    out = capsys.readouterr().out
    assert "ku: draft, not offered to the person referred until a named reviewer marks it " \
           "(intake i18n review ku --by NAME)" in out
    assert "fr: draft" in out
    main(["i18n", "review", "ku", "--by", "Rojda Aydın"])
    capsys.readouterr()
    assert main(["i18n", "check", "--lang", "ku", "--lang", "fr"]) == 0
    out = capsys.readouterr().out
    assert "ku: draft" not in out and "fr: draft" in out


def test_check_fails_on_a_broken_review_file(
        locales: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (locales / "ku" / "review.yaml").write_text("status: approved\n", encoding="utf-8")
    assert main(["i18n", "check", "--lang", "ku"]) == 1
    assert f"ku: {locales}/ku/review.yaml: status must be draft or reviewed, not 'approved'" \
        in capsys.readouterr().err
