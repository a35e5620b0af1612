"""The Translations page shows each language's completeness and review status and offers
its PO file; a national coordinator's upload that passes the checks is served at once, a
bad one is refused with its problems and changes nothing; a hub coordinator cannot upload."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.service.translations import TranslationDesk
from bot.wiring import Services
from tests.console.conftest import ConsoleClient
from tests.service.test_translations import GOOD_TR, template

Client = Callable[..., ConsoleClient]


@pytest.fixture
def small(console_services: Services) -> TranslationDesk:
    """The console's desk over a four-text template, so a complete file is short."""
    real = console_services.translations
    assert real is not None
    desk = TranslationDesk(real.locales, real.flows, real.store, real.texts, real.clock,
                           template=template())
    console_services.translations = desk
    return desk


def upload(client: ConsoleClient, data: bytes, name: str = "tr.po", **fields: str):  # type: ignore[no-untyped-def]
    return client.post("/console/translations/upload",
                       data={"csrf": client.csrf, "lang": "tr", **fields},
                       files={"file": (name, data, "text/x-gettext-translation")},
                       follow_redirects=False)


def test_the_page_lists_languages_with_completeness_and_review(console_client: Client) -> None:
    page = console_client().get("/console/translations")
    assert page.status_code == 200
    for name in ("Arabic (ar)", "Turkish (tr)"):  # in the reader's language, with the code
        assert name in page.text
    assert page.text.count("<meter") >= 4
    assert "reviewed" in page.text or "draft" in page.text


def test_a_po_file_downloads_as_served_and_is_audited(console_services: Services,
                                                      console_client: Client) -> None:
    client = console_client()
    got = client.get("/console/translations/ar.po")
    assert got.status_code == 200
    assert got.content == (console_services.settings.locales / "ar" / "LC_MESSAGES" /
                           "messages.po").read_bytes()
    assert 'filename="intake-ar.po"' in got.headers["content-disposition"]
    rows = console_services.storage.audit.search(action="download_catalog")
    assert [(r.actor, r.subject) for r in rows] == [(f"staff:{client.staff_id}", "catalog:ar")]
    assert client.get("/console/translations/xx.po").status_code == 404


def test_an_accepted_upload_is_served_at_once_with_its_reviewer(
        console_services: Services, console_client: Client, small: TranslationDesk) -> None:
    client = console_client()
    done = upload(client, GOOD_TR.encode(), reviewed_by="Leyla Demir")
    assert done.status_code == 303
    assert console_services.texts.gettext("tr", "Done") == "Tamam"
    page = client.get(done.headers["location"]).text
    assert "by Leyla Demir" in page
    rows = console_services.storage.audit.search(action="upload_catalog")
    assert [(r.actor, r.subject) for r in rows] == [(f"staff:{client.staff_id}", "catalog:tr")]


@pytest.mark.parametrize(("name", "data", "problem"), [
    ("tr.txt", GOOD_TR.encode(), "tr.txt: not a PO file (the name must end in .po)"),
    ("tr.po", b"hello\n", "tr.po: line 1: Unknown or misformatted keyword"),
    ("tr.po", GOOD_TR.replace('"%(code)s dosyası', '"%(kod)s dosyası').encode(),
     "tr: placeholders differ from the source: &#39;Case %(code)s sent.&#39;"),
    ("tr.po", GOOD_TR.replace("nplurals=2", "nplurals=3").encode(),
     "tr.po: the Plural-Forms header gives 3 forms; Turkish (tr) has 2"),
])
def test_a_bad_upload_lists_its_problems_and_changes_nothing(
        console_services: Services, console_client: Client, small: TranslationDesk,
        name: str, data: bytes, problem: str) -> None:
    before = console_services.texts.gettext("tr", "Done")
    client = console_client()
    refused = upload(client, data, name)
    assert refused.status_code == 400
    assert problem in refused.text
    assert small.store.version() == 0
    assert console_services.texts.gettext("tr", "Done") == before
    refusals = console_services.storage.audit.search(action="refuse_catalog")
    assert [(r.actor, r.subject) for r in refusals] == [(f"staff:{client.staff_id}", "catalog:tr")]


def test_a_hub_coordinator_cannot_upload_and_a_form_without_csrf_is_refused(
        console_client: Client, small: TranslationDesk) -> None:
    assert upload(console_client(hub="kilis"), GOOD_TR.encode()).status_code == 403
    client = console_client()
    refused = client.post("/console/translations/upload", data={"lang": "tr"},
                          files={"file": ("tr.po", GOOD_TR.encode(), "text/plain")})
    assert refused.status_code == 403
    assert small.store.version() == 0
