"""Reading import files (pure): CSV and XLSX quirks, files that cannot be imported, the caps on
rows, columns, cells and cell lengths."""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Sequence

import pytest

from verification.employees.imports.checking import check_rows
from verification.employees.imports.limits import ImportFileError
from verification.employees.imports.reading import read_table
from verification.employees.imports.tests.helpers import (
    rezip,
    xlsx_of,
    zip_with,
)


def test_csv_with_bom_semicolons_crlf_aliases_and_excel_quirks():
    content = (
        "\ufeffEmp ID;EMPLOYEE NAME;E-mail;Phone Number;Dept;City;;\r\n"
        "E1;Asha  Verma;Asha@Example.com;9000000001.0;Finance;Pune;;\r\n"
        "'007;Ravi Kumar;ravi@example.com;'+91 90000 00002;;;;\r\n"
        ";;;;;;;\r\n"
        "\r\n"
    ).encode()

    table = read_table("people.csv", content)

    assert table.columns == ("code", "full_name", "email", "mobile", "department", "location")
    assert [row.line for row in table.rows] == [2, 3]
    checked = check_rows(table.rows)
    assert checked.errors == []
    first, second = checked.rows
    assert (first.code, first.full_name, first.email, first.mobile) == (
        "E1",
        "Asha Verma",
        "asha@example.com",
        "+919000000001",
    )
    assert (first.department, first.location) == ("Finance", "Pune")
    assert (second.code, second.mobile, second.department) == ("007", "+919000000002", None)


def test_comma_csv_with_quotes_and_unknown_columns_left_for_hr_to_map():
    content = (
        b'code,name,email,notes\nE1,"Verma, Asha",asha@example.com,"two\nlines"\nE2,Bina,bina@example.com,\n'
    )

    table = read_table("people.CSV", content)

    assert [(read.header, read.source) for read in table.unmapped] == [("notes", "unmapped")]
    assert table.ignored_headers == ()
    assert read_table("people.CSV", content, remembered={"notes": ""}).ignored_headers == ("notes",)
    assert [(row.line, row.values["full_name"]) for row in table.rows] == [(2, "Verma, Asha"), (4, "Bina")]


def test_xlsx_numbers_as_floats_apostrophes_and_trailing_blank_rows():
    content = xlsx_of(
        [
            ["Employee Code", "Full Name", "Email Address", "Mobile", None],
            [1001, "Asha Verma", "asha@example.com", 9000000001.0, None],
            ["'E2", "Ravi Kumar", "ravi@example.com", "'9000000002", None],
            [None, None, None, None, None],
        ]
    )

    checked = check_rows(read_table("people.xlsx", content).rows)

    assert checked.errors == []
    assert [(r.code, r.mobile) for r in checked.rows] == [("1001", "+919000000001"), ("E2", "+919000000002")]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("people.csv", b"", "empty"),
        ("people.csv", b"\xef\xbb\xbf\r\n\r\n", "empty"),
        ("people.csv", b"code,name,email\r\n\r\n,,\r\n", "no employees"),
        ("people.pdf", b"%PDF-1.4", "CSV (.csv) or Excel (.xlsx)"),
        ("people.xls", b"\xd0\xcf\x11\xe0", ".xls"),
        ("people.xlsx", b"code,name,email\n", "not a valid Excel"),
        ("people.xlsx", zip_with("word/document.xml"), "not a valid Excel"),
        ("people.csv", b"PK\x03\x04rest-of-a-zip", "not a CSV"),
        ("people.csv", "code,name,email\nE1,Zoë,z@example.com\n".encode("latin-1"), "UTF-8"),
        ("people.csv", b"code,name\nE1,Asha\n", "Email"),
        ("people.csv", b"code,name,full name,email\n", "both mean"),
    ],
)
def test_files_that_cannot_be_imported_say_why(name, content, message):
    with pytest.raises(ImportFileError) as raised:
        read_table(name, content)
    assert message in raised.value.message


def test_a_sheet_claiming_the_whole_grid_reads_only_its_filled_cells():
    people = [[f"E{i}", "Asha", f"a{i}@example.com"] for i in range(20_000)]
    content = xlsx_of([["code", "name", "email"], *people])
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    # openpyxl pads every row to the width a sheet claims: 16,384 cells a row here.
    sheet, claimed = re.subn(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', sheet)
    assert claimed == 1
    content = rezip(content, xl__worksheets__sheet1_dot_xml=sheet)
    started = time.perf_counter()
    table = read_table("people.xlsx", content)
    assert [row.values["code"] for row in table.rows[-2:]] == ["E19998", "E19999"]
    assert time.perf_counter() - started < 8  # before: 330 million cells converted


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_rows_columns_and_cells_past_the_caps_are_refused(settings, kind):
    settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_COLUMNS, settings.IMPORT_MAX_CELLS = 5, 8, 40
    header = ["code", "name", "email"]

    def content(rows: Sequence[Sequence[object]]) -> bytes:
        if kind == "xlsx":
            return xlsx_of(rows)
        return "".join(",".join(str(c) for c in row) + "\n" for row in rows).encode()

    people = [[f"E{i}", "P", f"p{i}@example.com"] for i in range(5)]
    assert len(read_table(f"ok.{kind}", content([header, *people])).rows) == 5
    with pytest.raises(ImportFileError, match="more than 5 employees"):
        read_table(f"rows.{kind}", content([header, *people, ["E9", "P", "p9@example.com"]]))
    with pytest.raises(ImportFileError, match="more than 8 columns"):
        read_table(f"cols.{kind}", content([[*header, *(f"x{i}" for i in range(6))], *people]))
    wide = [[*row, "d", "l", "n", "m", "o"] for row in people]  # 8 + 5 x 8 = 48 filled cells
    with pytest.raises(ImportFileError, match="more than 40 filled cells"):
        read_table(f"cells.{kind}", content([[*header, "dept", "city", "n1", "n2", "n3"], *wide]))


def test_a_csv_cell_longer_than_excel_allows_is_refused_with_its_line():
    content = b"code,name,email\nE1,Asha,a@example.com\nE2," + b"x" * 40_000 + b",b@example.com\n"
    with pytest.raises(ImportFileError, match="Line 3 has a cell longer than 32,767 characters"):
        read_table("people.csv", content)
