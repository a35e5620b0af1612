"""A PO file uploaded through the console is accepted only when it passes the checks of
`intake i18n check`, then served by every process; a bad one changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from bot.flows.library import BUNDLED
from bot.service.translations import (
    MAX_PO_BYTES,
    CatalogRejected,
    ServedTexts,
    TranslationDesk,
    check_reviewer,
)
from storage.catalogs import SqlCatalogStore
from storage.clock import FixedClock
from storage.crypto import Cipher, generate_key
from storage.database import make_engine
from storage.migrate import upgrade
from storage.stores import Storage

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
HEADER_TR = ('msgid ""\nmsgstr ""\n"Language: tr\\n"\n'
             '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n'
             '"Content-Type: text/plain; charset=utf-8\\n"\n\n')
GOOD_TR = HEADER_TR + (
    'msgid "Done"\nmsgstr "Tamam"\n\n'
    'msgid "Case %(code)s sent."\nmsgstr "%(code)s dosyası gönderildi."\n\n'
    'msgid "%(num)s referral"\nmsgid_plural "%(num)s referrals"\n'
    'msgstr[0] "%(num)s sevk"\nmsgstr[1] "%(num)s sevk"\n\n'
    'msgctxt "flow:pwsn:ask:text"\nmsgid "Where?"\nmsgstr "Nerede?"\n')


def template() -> Catalog:
    catalog = Catalog()
    catalog.add("Done")
    catalog.add("Case %(code)s sent.")
    catalog.add(("%(num)s referral", "%(num)s referrals"))
    catalog.add("Where?", context="flow:pwsn:ask:text")
    return catalog


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Storage]:
    cipher = Cipher([generate_key()], index_key=generate_key())
    storage = Storage.on(make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}"), cipher)
    upgrade(storage.engine)
    yield storage
    storage.close()


@pytest.fixture
def locales(tmp_path: Path) -> Path:
    folder = tmp_path / "locales"
    (folder / "tr" / "LC_MESSAGES").mkdir(parents=True)
    (folder / "tr" / "LC_MESSAGES" / "messages.po").write_text(
        HEADER_TR + 'msgid "Done"\nmsgstr "Bitti"\n\nmsgid "Later text"\nmsgstr "Sonraki metin"\n',
        encoding="utf-8")
    (folder / "ar" / "LC_MESSAGES").mkdir(parents=True)
    (folder / "ar" / "LC_MESSAGES" / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: ar\\n"\n', encoding="utf-8")
    return folder


def desk(storage: Storage, locales: Path) -> TranslationDesk:
    store = SqlCatalogStore(storage.context)
    return TranslationDesk(locales, (), store, ServedTexts(locales, store), FixedClock(NOW),
                           template=template())


def test_an_accepted_catalog_is_served_by_another_process_and_counted_complete(
        storage: Storage, locales: Path) -> None:
    store = SqlCatalogStore(storage.context)
    elsewhere = ServedTexts(locales, store, interval=0)  # another process on the database
    assert elsewhere.gettext("tr", "Done") == "Bitti"
    translations = desk(storage, locales)
    before = {s.code: s for s in translations.status()}["tr"]
    assert (before.interface.done, before.interface.total) == (1, 3)
    assert (before.flows.done, before.flows.total) == (0, 1)
    assert before.uploaded is None

    stored = translations.accept("tr", "messages.po", GOOD_TR.encode(), by="staff:3",
                                 reviewed_by="Leyla Demir")
    assert elsewhere.gettext("tr", "Done") == "Tamam"
    assert elsewhere.ngettext("tr", "%(num)s referral", "%(num)s referrals", 3) == "3 sevk"
    assert elsewhere.review("tr").describe() == "reviewed by Leyla Demir on 2026-11-29"
    after = {s.code: s for s in translations.status()}["tr"]
    assert after.complete and after.uploaded is not None
    assert after.uploaded.id == stored.id and after.uploaded.uploaded_by == "staff:3"
    downloaded = translations.download("tr").decode()
    assert 'msgid "Done"\nmsgstr "Tamam"' in downloaded
    assert 'msgid "Later text"\nmsgstr "Sonraki metin"' in downloaded
    assert (locales / "tr" / "LC_MESSAGES" / "messages.po").read_text(
        encoding="utf-8").count("Bitti") == 1  # the shipped file is left as it was


def test_a_text_the_upload_lacks_is_served_from_the_shipped_file(
        storage: Storage, locales: Path) -> None:
    translations = desk(storage, locales)
    translations.accept("tr", "tr.po", GOOD_TR.encode(), by="staff:3")
    assert translations.texts.gettext("tr", "Done") == "Tamam"  # the upload wins
    assert translations.texts.gettext("tr", "Later text") == "Sonraki metin"


def test_an_upload_without_a_reviewer_is_a_draft(storage: Storage, locales: Path) -> None:
    translations = desk(storage, locales)
    translations.accept("tr", "tr.po", GOOD_TR.encode(), by="staff:3")
    assert translations.texts.review("tr").reviewed is False
    assert {s.code: s for s in translations.status()}["tr"].review.status == "draft"


BROKEN = [
    ("messages.txt", GOOD_TR.encode(), "messages.txt: not a PO file (the name must end in .po)"),
    ("tr.po", b"  \n", "tr.po: the file is empty"),
    ("tr.po", b"#" * (MAX_PO_BYTES + 1), "tr.po: 1,000,001 bytes is over the limit of 1,000,000"),
    ("tr.po", b'msgid "Done"\nmsgstr "\xff"\n', "tr.po: not UTF-8 text (byte 22)"),
    ("tr.po", b'msgid "Done"\nmsgstr "Tamam"\nmsgid "Where?"\n',
     "tr.po: line 3: missing msgstr for msgid 'Where?'"),
    ("tr.po", b"hello\n", "tr.po: line 1: Unknown or misformatted keyword"),
    ("tr.po", GOOD_TR.replace("Language: tr", "Language: ar").encode(),
     "tr.po: the file is for 'ar' (its Language header), not 'tr'"),
    ("tr.po", GOOD_TR.replace("nplurals=2", "nplurals=3").encode(),
     "tr.po: the Plural-Forms header gives 3 forms; Turkish (tr) has 2"),
    ("tr.po", GOOD_TR.replace('"%(code)s dosyası', '"%(kod)s dosyası').encode(),
     "tr: placeholders differ from the source: 'Case %(code)s sent.'"),
    ("tr.po", GOOD_TR.replace('msgstr "Tamam"', 'msgstr ""').encode(),
     "tr: missing: 'Done'"),
    ("tr.po", GOOD_TR.replace('msgstr "Nerede?"', 'msgstr "Nerede?"\n#, fuzzy').replace(
        'msgctxt "flow', '#, fuzzy\nmsgctxt "flow').encode(),
     "tr: fuzzy (the source changed; review it): 'Where?' [flow:pwsn:ask:text]"),
    ("tr.po", GOOD_TR.replace('msgstr[1] "%(num)s sevk"\n', '').encode(),
     "tr: missing: '%(num)s referral'"),
]


@pytest.mark.parametrize(("name", "data", "problem"), BROKEN)
def test_a_bad_upload_is_refused_with_its_problem_and_changes_nothing(
        storage: Storage, locales: Path, name: str, data: bytes, problem: str) -> None:
    translations = desk(storage, locales)
    with pytest.raises(CatalogRejected) as refused:
        translations.accept("tr", name, data, by="staff:3")
    assert refused.value.problems[0] == problem
    assert translations.store.version() == 0
    assert translations.texts.gettext("tr", "Done") == "Bitti"


def test_an_unknown_language_is_refused(storage: Storage, locales: Path) -> None:
    with pytest.raises(CatalogRejected, match="unknown language 'xx'"):
        desk(storage, locales).accept("xx", "xx.po", GOOD_TR.encode(), by="staff:3")
    with pytest.raises(KeyError):
        desk(storage, locales).download("xx")


def test_a_declared_language_without_a_catalog_downloads_every_text_untranslated(
        storage: Storage, locales: Path) -> None:
    (locales / "ar" / "LC_MESSAGES" / "messages.po").unlink()
    store = SqlCatalogStore(storage.context)
    translations = TranslationDesk(locales, (BUNDLED,), store, ServedTexts(locales, store),
                                   FixedClock(NOW), template=template())
    assert "ar" in translations.languages()  # the bundled flows offer Arabic
    text = translations.download("ar").decode()
    assert "Language: ar" in text
    assert 'msgctxt "flow:pwsn:ask:text"\nmsgid "Where?"\nmsgstr ""' in text
    assert 'msgid "Done"\nmsgstr ""' in text


@pytest.mark.parametrize(("given", "expected"), [
    ("  Leyla   Demir ", "Leyla Demir"), ("", None), ("   ", None)])
def test_a_reviewer_is_trimmed_and_an_empty_one_means_a_draft(
        given: str, expected: str | None) -> None:
    assert check_reviewer(given) == expected


@pytest.mark.parametrize(("given", "error"), [
    ("x" * 81, "a reviewer's name is at most 80 characters"),
    ("@leyla", "the reviewer is named by their name only: no digits, e-mail addresses or "
               "@usernames"),
    ("Leyla 0532 000 00 00", "the reviewer is named by their name only: no digits, e-mail "
                             "addresses or @usernames"),
])
def test_a_reviewer_that_is_not_a_name_is_refused(given: str, error: str) -> None:
    with pytest.raises(ValueError) as refused:
        check_reviewer(given)
    assert str(refused.value) == error


def test_a_store_that_cannot_be_read_leaves_what_is_served(locales: Path) -> None:
    from bot.service.translations import CatalogsUnavailable, StoredCatalog

    class Away:
        def version(self) -> int:
            raise CatalogsUnavailable("OperationalError")

        def latest(self) -> dict[str, StoredCatalog]:
            raise AssertionError("not asked when the version cannot be read")

        def add(self, catalog: StoredCatalog) -> int:
            raise AssertionError("not used")

    texts = ServedTexts(locales, Away(), interval=0)
    assert texts.gettext("tr", "Done") == "Bitti"
    assert texts.refresh(force=True) is False
