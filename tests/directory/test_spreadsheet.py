"""A service matrix kept as an Excel workbook is read as text cells with their row numbers;
what is not a safe, readable workbook is refused before openpyxl parses it."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest

from bot.directory.spreadsheet import MAX_ROWS, MAX_UNPACKED_BYTES, sheet_rows
from bot.flows.problems import FlowError


def workbook(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def archive(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as made:
        for name, data in parts.items():
            made.writestr(name, data)
    return buffer.getvalue()


def test_cells_read_as_a_person_reads_them() -> None:
    data = workbook([["Organization", "Girls", None, None],
                     ["example_health", "1. Medical", 2.0, date(2026, 11, 2)],
                     [None, None], [None]])
    assert sheet_rows(data, "m.xlsx") == [
        (1, ["Organization", "Girls"]),
        (2, ["example_health", "1. Medical", "2", "2026-11-02"])]


def refused(data: bytes) -> str:
    with pytest.raises(FlowError) as error:
        sheet_rows(data, "m.xlsx")
    return str(error.value.problems[0])


def test_what_is_not_a_zip_is_refused() -> None:
    assert refused(b"Organization,Girls\n") == \
        "m.xlsx:1 workbook: not an Excel workbook (.xlsx)"


def test_a_zip_bomb_is_refused_before_it_is_unpacked() -> None:
    bomb = archive({"xl/worksheets/sheet1.xml": b"0" * (MAX_UNPACKED_BYTES + 1)})
    assert len(bomb) < 100_000
    assert refused(bomb) == \
        f"m.xlsx:1 workbook: the workbook unpacks to more than {MAX_UNPACKED_BYTES:,} bytes"


def test_a_part_declaring_entities_is_refused() -> None:
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              b'<!ENTITY lol2 "&lol;&lol;&lol;">]><workbook>&lol2;</workbook>')
    assert refused(archive({"xl/workbook.xml": laughs})) == (
        "m.xlsx:1 workbook: the workbook part xl/workbook.xml declares a document type; "
        "such a workbook is not read")


def test_a_damaged_workbook_is_refused_with_the_kind_of_damage() -> None:
    assert refused(archive({"hello.txt": b"hi"})).startswith(
        "m.xlsx:1 workbook: the workbook cannot be read (")


def test_a_sheet_longer_than_the_limit_is_refused() -> None:
    rows: list[list[object]] = [["Organization", "Girls"]]
    rows += [[f"org{number}", "1. Medical"] for number in range(MAX_ROWS)]
    assert refused(workbook(rows)) == \
        f"m.xlsx:1 workbook: the first sheet has more than {MAX_ROWS:,} rows"
