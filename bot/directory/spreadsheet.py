"""A service-mapping matrix kept as an Excel workbook (.xlsx): its first sheet's rows.

Coordinators keep the referral-pathway table in a spreadsheet; the console takes the
workbook as it is instead of asking for a CSV export. A workbook is a zip of XML files, so
it is opened defensively before openpyxl reads it: it must be a zip whose parts unpack to a
bounded size (no zip bomb) and whose XML declares no document type or entity (no entity
expansion), and only a bounded number of rows and columns is read. Cell values become text
as a person reads them (a whole number without ``.0``); formulas are read as their last
saved values.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time

from bot.directory.reader import DirectoryProblem
from bot.flows.problems import FlowError
from bot.i18n.phrase import Phrase
from bot.i18n.texts import N_

#: What the parts of a workbook may unpack to, together.
MAX_UNPACKED_BYTES = 20_000_000
MAX_ROWS = 2_000
MAX_COLUMNS = 40
#: In an XML part, these open a document type definition, where entities are declared.
_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")


def _refuse(file: str, message: str) -> FlowError:
    return FlowError([DirectoryProblem(file, 1, Phrase(N_("workbook")), "", message)])


def _safe_zip(data: bytes, file: str) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise _refuse(file, Phrase(N_("not an Excel workbook (.xlsx)"))) from None
    with archive:
        infos = archive.infolist()
        if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
            raise _refuse(file, Phrase(N_("the workbook unpacks to more than %(size)s bytes"),
                                       size=f"{MAX_UNPACKED_BYTES:,}"))
        for info in infos:  # every part: any of them may be XML whatever its name
            with archive.open(info) as part:
                head = part.read(MAX_UNPACKED_BYTES)
            if any(marker in head for marker in _DTD_MARKERS):
                raise _refuse(file, Phrase(N_("the workbook part %(part)s declares a "
                                              "document type; such a workbook is not read"),
                                           part=info.filename))


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def sheet_rows(data: bytes, file: str) -> list[tuple[int, list[str]]]:
    """The first sheet's rows as text cells, each with its row number; trailing empty rows
    dropped. :class:`FlowError` for what is not a safe, readable workbook."""
    from openpyxl import load_workbook

    _safe_zip(data, file)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise _refuse(file, Phrase(N_("the workbook cannot be read (%(error)s)"),
                                   error=type(error).__name__)) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise _refuse(file, Phrase(N_("the workbook has no sheet")))
        rows: list[tuple[int, list[str]]] = []
        for number, values in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS,
                                                        values_only=True), start=1):
            cells = [_text(value) for value in values]
            while cells and not cells[-1].strip():
                cells.pop()
            if number > MAX_ROWS:
                if cells:
                    raise _refuse(file, Phrase(N_("the first sheet has more than %(rows)s "
                                                  "rows"), rows=f"{MAX_ROWS:,}"))
                break  # formatted but empty rows below the table
            rows.append((number, cells))
    finally:
        workbook.close()
    while rows and not rows[-1][1]:
        rows.pop()
    return rows
