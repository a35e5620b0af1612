"""A flow publish checks translations in the catalogs as every process serves them: an
Arabic catalog uploaded on the Translations page that translates a new flow's texts lets a
later publish pass, on the Flows page and with ``intake flows publish``; without it, both
refuse the flow and name every missing text."""

from __future__ import annotations

import hashlib
import html
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from bot.__main__ import main
from bot.flows.library import Source, parse_sources
from bot.flows.strings import flow_texts
from bot.i18n.texts import po_path
from bot.service.translations import StoredCatalog
from bot.wiring import Services
from storage.catalogs import SqlCatalogStore
from storage.flowstore import SqlFlowStore
from tests.console.conftest import ConsoleClient

Client = Callable[..., ConsoleClient]

#: A new flow in English and Arabic; the shipped Arabic catalog has none of its texts.
TINY = """\
spec_version: 2
id: tiny_served
title: A flow whose Arabic arrives by upload
languages: [en, ar]
start: hello
nodes:
  hello:
    type: say
    text: Hello from a flow translated by upload.
    next: way
  way:
    type: ask
    kind: choice
    collects: routing
    text: Which way, by upload?
    options:
      left: Left, by upload
      right: Right, by upload
    invalid: stop
    next: stop
  stop:
    type: end
    outcome: cancelled
    text: Stopped, by upload.
"""
MISSING = [
    "tiny.yaml:3 title: Arabic (ar) translation is missing",
    "tiny.yaml:9 node 'hello' text: Arabic (ar) translation is missing",
    "tiny.yaml:15 node 'way' text: Arabic (ar) translation is missing",
    "tiny.yaml:17 node 'way' options.left: Arabic (ar) translation is missing",
    "tiny.yaml:18 node 'way' options.right: Arabic (ar) translation is missing",
    "tiny.yaml:24 node 'stop' text: Arabic (ar) translation is missing",
]


def upload_arabic(services: Services, by: str) -> None:
    """Store the shipped Arabic catalog with the tiny flow's texts translated, as the
    Translations page stores an accepted upload (its own checks are ``test_translations``'s;
    the shipped catalog may lack a text someone is adding to the interface right now)."""
    with po_path(services.settings.locales, "ar").open("rb") as handle:
        catalog = read_po(handle, locale="ar")
    flow = parse_sources([Source("tiny.yaml", TINY)]).flows["tiny_served"]
    for number, (_, _, text) in enumerate(flow_texts(flow)):
        catalog.add(text.msgid, f"نص مترجم رقم {number + 1}", context=text.context)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=96)
    content = buffer.getvalue().decode("utf-8")
    SqlCatalogStore(services.storage.context).add(StoredCatalog(
        0, "ar", content, hashlib.sha256(content.encode("utf-8")).hexdigest(),
        services.clock.now(), by))


def check(client: ConsoleClient) -> tuple[int, str, str]:
    page = client.post("/console/flows/check", data={"csrf": client.csrf},
                       files=[("files", ("tiny.yaml", TINY.encode(), "text/yaml"))])
    return page.status_code, html.unescape(page.text), str(page.url)


def problems_of(text: str) -> list[str]:
    return text.split('<pre class="problem-lines">', 1)[1].split("</pre>", 1)[0].splitlines()


def test_an_uploaded_catalog_lets_a_publish_on_the_flows_page_pass(
        console_services: Services, console_client: Client) -> None:
    client = console_client()
    status, text, _ = check(client)
    assert (status, problems_of(text)) == (422, MISSING)

    upload_arabic(console_services, f"staff:{client.staff_id}")
    status, text, url = check(client)
    assert status == 200 and "No problems found" in text
    done = client.post(f"{url.split('https://testserver', 1)[1]}/publish",
                       data={"csrf": client.csrf, "note": "arabic by upload"})
    assert done.status_code == 200 and "is published." in done.text
    publication = SqlFlowStore(console_services.storage.context).publication()
    assert publication is not None
    assert "tiny_served" in {stored.flow_id for stored in publication.current}


def test_an_uploaded_catalog_lets_intake_flows_publish_pass(
        console_services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    settings = console_services.settings
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("INTAKE_KEYS", ",".join(settings.keys))
    monkeypatch.setenv("INTAKE_INDEX_KEY", settings.index_key or "")
    flow = tmp_path / "tiny.yaml"
    flow.write_text(TINY, encoding="utf-8")

    assert main(["flows", "publish", str(flow), "--by", "amal"]) == 1
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if "translation" in line] == MISSING
    assert "nothing was published." in err

    upload_arabic(console_services, "staff:1")
    assert main(["flows", "publish", str(flow), "--by", "amal"]) == 0
    assert "tiny_served r1" in capsys.readouterr().out
