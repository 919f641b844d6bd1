"""An .xlsx scanned as a ZIP before openpyxl reads it: hostile workbooks refused in bounded time
and memory."""

from __future__ import annotations

import io
import zipfile

import pytest

from verification.employees.imports.limits import ImportFileError
from verification.employees.imports.reading import (
    estimate_rows,
    read_table,
)
from verification.employees.imports.tests.helpers import (
    MB,
    measure,
    rezip,
    xlsx_of,
)


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        # A billion-laughs DTD in the sheet.
        (
            {
                "xl__worksheets__sheet1_dot_xml": b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b'<sheetData><row><c t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>'
            },
            "not a valid Excel workbook",
        ),
        # One part that expands a thousand times.
        ({"xl__styles_dot_xml": b"<styleSheet>" + b" " * (40 * MB) + b"</styleSheet>"}, "too large to read"),
        # A row of 20,000 cells: more than Excel's 16,384 columns.
        (
            {
                "xl__worksheets__sheet1_dot_xml": b'<worksheet xmlns="http://schemas.openxmlformats.org/'
                b'spreadsheetml/2006/main"><sheetData><row r="1">'
                + b"<c/>" * 20_000
                + b"</row></sheetData></worksheet>"
            },
            "not a valid Excel workbook",
        ),
        # 300,000 elements outside any row.
        (
            {
                "xl__worksheets__sheet1_dot_xml": b'<worksheet xmlns="http://schemas.openxmlformats.org/'
                b'spreadsheetml/2006/main"><sheetData/>'
                + b"".join(b'<x a="%d"/>' % i for i in range(300_000))
                + b"</worksheet>"
            },
            "too complex to read",
        ),
    ],
)
def test_workbooks_that_would_cost_too_much_are_refused_before_openpyxl_reads_them(parts, message):
    content = rezip(xlsx_of([["code", "name", "email"], ["E1", "Asha", "a@example.com"]]), **parts)
    with measure() as cost, pytest.raises(ImportFileError) as raised:
        estimate_rows("people.xlsx", content)
    assert message in raised.value.message
    assert cost.peak_bytes < 16 * MB and cost.seconds < 10, (cost.peak_bytes, cost.seconds)
    with pytest.raises(ImportFileError, match=message):
        read_table("people.xlsx", content)


def test_a_zip_listing_thousands_of_parts_is_refused_before_zipfile_lists_them():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for i in range(5000):
            archive.writestr(f"x/{i}", b"")
    with pytest.raises(ImportFileError, match="too many parts"):
        estimate_rows("people.xlsx", out.getvalue())
