"""The Directory page shows the routing table, the agencies with their enrolment (nobody
enrolled flagged) and the emergency contacts; a national coordinator uploads a directory
file or a service matrix (CSV or XLSX), sees the check, confirms, and it is loaded with its
audit entry; a bad upload is refused with the loader's messages and changes nothing; a hub
coordinator's uploads are refused with 403."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable

import pytest

from bot.directory import SAMPLE
from bot.wiring import Services
from storage.directory import SqlDirectoryStore
from tests.console.conftest import ConsoleClient, enrol

Client = Callable[..., ConsoleClient]
MATRIX = b"Organization,Girls,Women\nexample_health,1. Medical,2. Medical\n"


def stored(services: Services) -> dict[str, list[dict[str, object]]]:
    return SqlDirectoryStore(services.storage.context).rows()


def xlsx(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_doctype() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a '
                         '"aaaa">]><Types>&a;</Types>')
    return buffer.getvalue()


def check(client: ConsoleClient, name: str, data: bytes):  # type: ignore[no-untyped-def]
    return client.post("/console/directory/check", data={"csrf": client.csrf},
                       files={"file": (name, data, "application/octet-stream")})


def test_the_page_shows_routes_enrolment_and_emergency_contacts(
        console_services: Services, console_client: Client) -> None:
    enrol(console_services, "focal_point", "kilis", agency="example_health")
    page = console_client().get("/console/directory")
    assert page.status_code == 200
    assert "<table class=\"routing\">" in page.text
    flagged = re.findall(r'<tr class="flagged">\s*<td>([^<]+)</td>', page.text)
    health = console_services.directory.agencies["example_health"].name("en")
    assert flagged and health not in flagged  # enrolled: not flagged; the others are
    contact = console_services.directory.emergency[0]
    assert contact.phone in page.text


def test_a_hub_coordinator_sees_their_hub_and_no_upload_form(
        console_services: Services, console_client: Client) -> None:
    page = console_client(hub="kilis").get("/console/directory").text
    rows = re.findall(r'<th scope="row">([^<]+)</th>', page)
    assert rows == [console_services.directory.hubs["kilis"].name("en")]
    assert "/console/directory/check" not in page


def test_a_matrix_is_checked_then_loaded_with_its_audit_entry(
        console_services: Services, console_client: Client) -> None:
    client = console_client()
    before = stored(console_services)
    checked = check(client, "matrix.csv", MATRIX)
    assert checked.status_code == 200
    assert stored(console_services) == before  # checking changed nothing
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">',
                           checked.text))
    assert set(form) >= {"csrf", "filename", "checksum", "content"}
    loaded = client.post("/console/directory/load", data=form, follow_redirects=False)
    assert loaded.status_code == 303
    services = [row for row in stored(console_services)["services"]
                if row["agency_id"] == "example_health"]
    assert {(row["profile"], row["point"]) for row in services} == {
        ("girls", "entry"), ("women", "funnelling")}
    entries = console_services.storage.audit.search(actor=f"staff:{client.staff_id}")
    assert [e.action for e in entries] == ["directory_check", "directory_load"]


def test_an_xlsx_matrix_is_read_like_the_csv(console_services: Services,
                                             console_client: Client) -> None:
    data = xlsx([["Organization", "Girls", "Women"], ["example_health", "1. Medical", ""]])
    checked = check(console_client(), "matrix.xlsx", data)
    assert checked.status_code == 200, checked.text
    assert re.search(r"Services in the matrix</dt><dd>1<", checked.text)


def test_a_directory_file_with_a_tampered_checksum_is_not_loaded(
        console_services: Services, console_client: Client) -> None:
    client = console_client()
    before = stored(console_services)
    import base64

    refused = client.post("/console/directory/load", data={
        "csrf": client.csrf, "filename": "sample.yaml", "checksum": "0" * 64,
        "content": base64.b64encode(SAMPLE.read_bytes()).decode()})
    assert refused.status_code == 400
    assert "sample.yaml: the file changed since it was checked; check it again" in refused.text
    assert stored(console_services) == before


BROKEN = [
    ("notes.txt", b"hello", "notes.txt: not a directory file or service matrix (the name must "
     "end in .yaml, .yml, .csv or .xlsx)"),
    ("empty.yaml", b"  \n", "empty.yaml: the file is empty"),
    ("big.yaml", b"#" * 1_000_001, "big.yaml: 1,000,001 bytes is over the limit of 1,000,000"),
    ("latin.yaml", b"hubs:\n  k\xe9:\n", "latin.yaml: not UTF-8 text (byte 10)"),
    ("hubs.yaml", b"hubs: {}\n", "hubs.yaml:1 hubs: must map hub ids to hubs"),
    ("matrix.csv", b"Organization,Girls,Wizards\nexample_health,1. Medical,\n",
     "matrix.csv:1 header column 3 'Wizards': unknown profile (expected one of: girls, boys, "
     "women, men, lgbti, persons_with_disabilities, other, or Hub)"),
    ("matrix.csv", b"Organization,Girls\nNobody Aid,1. Medical\n",
     "matrix.csv:2 organisation 'Nobody Aid' column 1: unknown organisation: add it to the "
     "agencies of the directory first"),
    ("matrix.xlsx", b"PK not really", "matrix.xlsx:1 workbook: not an Excel workbook (.xlsx)"),
    ("matrix.xlsx", with_doctype(), "matrix.xlsx:1 workbook: the workbook part "
     "[Content_Types].xml declares a document type; such a workbook is not read"),
]


@pytest.mark.parametrize(("name", "data", "problem"), BROKEN)
def test_a_bad_upload_is_refused_with_the_loaders_message_and_changes_nothing(
        console_services: Services, console_client: Client, name: str, data: bytes,
        problem: str) -> None:
    before = stored(console_services)
    refused = check(console_client(), name, data)
    assert refused.status_code == 400
    assert problem.replace("'", "&#39;") in refused.text
    assert stored(console_services) == before


def test_a_hub_coordinators_uploads_get_403_and_change_nothing(
        console_services: Services, console_client: Client) -> None:
    client = console_client(hub="kilis")
    before = stored(console_services)
    assert check(client, "matrix.csv", MATRIX).status_code == 403
    assert client.post("/console/directory/load", data={
        "csrf": client.csrf, "filename": "matrix.csv", "checksum": "x", "content": ""}
    ).status_code == 403
    assert stored(console_services) == before


def test_an_upload_without_its_csrf_token_is_refused(console_services: Services,
                                                     console_client: Client) -> None:
    before = stored(console_services)
    refused = console_client().post("/console/directory/check",
                                    files={"file": ("matrix.csv", MATRIX, "text/csv")})
    assert refused.status_code == 403
    assert stored(console_services) == before


def test_a_load_whose_audit_entry_fails_leaves_the_directory_as_it_was(
        console_services: Services, console_client: Client,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.console.pages.directory as page

    client = console_client()
    checked = check(client, "matrix.csv", MATRIX)
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">',
                           checked.text))
    before = stored(console_services)

    def failing(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the audit log is away")

    monkeypatch.setattr(page, "audit_action", failing)
    with pytest.raises(RuntimeError, match="the audit log is away"):
        client.post("/console/directory/load", data=form)
    assert stored(console_services) == before
