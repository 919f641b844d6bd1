"""Reading an upload (pure): the bytes of a CSV or XLSX file turned into header-mapped rows, coping
with what spreadsheets produce (BOM, ``;`` separators, CRLF, numbers as floats, a leading
apostrophe, blank rows and columns); a file that cannot be read raises ``ImportFileError``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from verification.employees.imports.columns import (
    ALIAS_TO_FIELD,
    COLUMN_ALIASES,
    CONTACT_FIELDS,
    FIELD_LABELS,
    REQUIRED_FIELDS,
    header_key,
)
from verification.employees.imports.limits import (
    EXCEL_MAX_CELL_CHARS,
    EXCEL_MAX_COLUMNS,
    XLSX_MAGIC,
    ImportFileError,
    cell_too_long,
    invalid_workbook,
    too_many_cells,
    too_many_columns,
    too_many_rows,
)
from verification.employees.imports.xlsx import check_sheet, check_zip_directory, scan_workbook


@dataclass(frozen=True, slots=True)
class RawRow:
    line: int  # as a spreadsheet shows it (the header is line 1 when it is the first row)
    values: dict[str, str]


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]  # canonical fields present in the file
    rows: list[RawRow]
    ignored_headers: tuple[str, ...] = ()


def file_kind(filename: str, content: bytes) -> str:
    """``"csv"`` or ``"xlsx"``; ImportFileError for anything else (or an empty file)."""
    name = filename.lower()
    if not content.strip(b"\xef\xbb\xbf \t\r\n"):
        raise ImportFileError(_("The file is empty."))
    if name.endswith(".xlsx"):
        if not content.startswith(XLSX_MAGIC):
            raise ImportFileError(_("This file is not a valid Excel workbook (.xlsx)."))
        return "xlsx"
    if name.endswith((".csv", ".txt")):
        if content.startswith(XLSX_MAGIC) or b"\x00" in content[:4096]:
            raise ImportFileError(_("This file is not a CSV text file."))
        return "csv"
    if name.endswith(".xls"):
        raise ImportFileError(
            _("Old Excel files (.xls) cannot be read. Save the sheet as .xlsx or CSV and upload it again.")
        )
    raise ImportFileError(_("Upload a CSV (.csv) or Excel (.xlsx) file."))


def estimate_rows(filename: str, content: bytes) -> int:
    """A cheap upper bound of the data rows, to choose between inline and background work.

    A workbook is scanned (``scan_workbook``), not opened: ImportFileError when it cannot
    be read safely."""
    if file_kind(filename, content) == "csv":
        return content.count(b"\n") + 1
    return scan_workbook(content).rows_estimate


#: Characters of the first line the CSV separator is guessed from.
SNIFF_CHARS = 4096


#: Ignored column names kept for the preview, each cut to IGNORED_HEADER_CHARS characters.
IGNORED_HEADERS_SHOWN = 20


IGNORED_HEADER_CHARS = 60


def _cell_text(value: Any) -> str:
    """The text of one cell as HR typed it, undoing what Excel does to it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value).strip()
    # A leading apostrophe is how Excel users force "text"; it is not part of the value.
    return text[1:].strip() if text.startswith("'") else text


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _line_spans(text: str) -> Iterator[tuple[int, int]]:
    """Where each line of ``text`` starts and ends (its line break included), split as
    ``open(newline="")`` splits them, without copying the text (io.StringIO holds four
    bytes a character)."""
    start, length, search = 0, len(text), _LINE_BREAK.search
    while start < length:
        found = search(text, start)
        end = found.end() if found else length
        yield start, end
        start = end


def _csv_records(content: bytes) -> Iterator[tuple[int, list[str]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(_("The file is not UTF-8 text. In Excel, use “Save as → CSV UTF-8”.")) from None
    first_line = ""
    for start, end in _line_spans(text):
        first_line = text[start : min(end, start + SNIFF_CHARS)]
        if first_line.strip():
            break
    try:
        delimiter = csv.Sniffer().sniff(first_line, delimiters=",;").delimiter
    except csv.Error:
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    separators = physical = 0

    def lines() -> Iterator[str]:
        # Separators are counted on the raw lines of a record before csv splits it, so that a
        # line of a million fields is refused before a list of a million cells is built.
        nonlocal separators, physical
        for start, end in _line_spans(text):
            physical += 1
            separators += text.count(delimiter, start, end)
            if separators >= EXCEL_MAX_COLUMNS:
                raise too_many_columns(physical)
            yield text[start:end]

    # Process-wide; this is the only CSV reader of the project. A longer cell stops the read.
    csv.field_size_limit(EXCEL_MAX_CELL_CHARS)
    reader = csv.reader(lines(), delimiter=delimiter)
    start = 1
    try:
        for record in reader:
            separators = 0
            cells = [cell.strip() for cell in record]
            if any(cell[:1] == "'" for cell in cells):
                cells = [_cell_text(cell) for cell in cells]
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise cell_too_long(reader.line_num) from None
        raise ImportFileError(
            _("Line %(line)d of the file cannot be read (%(reason)s).")
            % {"line": reader.line_num, "reason": exc}
        ) from None


def _xlsx_records(content: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl.reader.excel import ExcelReader

    # One archive: scanned within the bounds first, then read by openpyxl (read-only).
    check_zip_directory(content)
    try:
        reader = ExcelReader(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a zip that is not a workbook
        raise invalid_workbook() from None
    try:
        scan = scan_workbook(content, reader.archive)
        try:
            reader.read()
        except Exception:
            raise invalid_workbook() from None
        sheets = reader.wb.worksheets
        if not sheets:
            raise ImportFileError(
                _("This workbook has no worksheet. Put the employees on its first sheet and upload it again.")
            )
        sheet = sheets[0]
        part = scan.parts.get(getattr(sheet, "_worksheet_path", ""))
        if part is None:
            raise invalid_workbook()
        check_sheet(part)
        if not part.cells:
            return
        # Only the filled range, whatever the sheet says its dimensions are.
        rows = sheet.iter_rows(
            min_row=1, max_row=part.last_row, min_col=1, max_col=part.last_column, values_only=True
        )
        try:
            for line, values in enumerate(rows, start=1):
                yield line, [_cell_text(cell) for cell in values]
        except Exception:
            raise invalid_workbook() from None
    finally:
        reader.archive.close()


def read_table(filename: str, content: bytes) -> Table:
    """The rows of the file's first sheet keyed by canonical field, blank rows left out.

    ImportFileError: wrong type, empty, unreadable, a required column missing, a column named
    twice, headers without a single row, or more rows, columns, filled cells or longer cells
    than allowed (IMPORT_MAX_ROWS, IMPORT_MAX_COLUMNS, IMPORT_MAX_CELLS, EXCEL_MAX_CELL_CHARS);
    for a workbook also anything ``scan_workbook`` refuses.
    """
    kind = file_kind(filename, content)
    records = _csv_records(content) if kind == "csv" else _xlsx_records(content)
    max_rows, max_columns, max_cells = (
        settings.IMPORT_MAX_ROWS,
        settings.IMPORT_MAX_COLUMNS,
        settings.IMPORT_MAX_CELLS,
    )
    header: list[str] | None = None
    positions: list[tuple[int, str]] = []
    ignored: list[str] = []
    rows: list[RawRow] = []
    cells_read = 0
    for line, cells in records:
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        if len(cells) > max_columns:
            raise too_many_columns(line)
        cells_read += len(cells) - cells.count("")
        if cells_read > max_cells:
            raise too_many_cells()
        if header is None:
            header = cells
            positions, ignored = _map_header(cells)
            continue
        if len(rows) >= max_rows:
            raise too_many_rows()
        values = {name: (cells[index] if index < len(cells) else "") for index, name in positions}
        rows.append(RawRow(line=line, values=values))
    if header is None:
        raise ImportFileError(_("The file is empty."))
    if not rows:
        raise ImportFileError(_("The file has a header row but no employees below it."))
    return Table(columns=tuple(name for _i, name in positions), rows=rows, ignored_headers=tuple(ignored))


def _map_header(cells: Sequence[str]) -> tuple[list[tuple[int, str]], list[str]]:
    positions: list[tuple[int, str]] = []
    seen: dict[str, str] = {}
    ignored: list[str] = []
    for index, cell in enumerate(cells):
        if not cell:
            continue
        name = ALIAS_TO_FIELD.get(header_key(cell))
        if name is None:
            ignored.append(cell)
            continue
        if name in seen:
            raise ImportFileError(
                _("The columns “%(first)s” and “%(second)s” both mean %(field)s.")
                % {"first": seen[name], "second": cell, "field": FIELD_LABELS[name]}
            )
        seen[name] = cell
        positions.append((index, name))
    missing = [name for name in REQUIRED_FIELDS if name not in seen]
    if not any(name in seen for name in CONTACT_FIELDS):
        missing.append("email")
    if missing:
        raise ImportFileError(
            _("Required column(s) missing: %(columns)s. The first row must name the columns.")
            % {"columns": ", ".join(f"{FIELD_LABELS[m]} ({', '.join(COLUMN_ALIASES[m])})" for m in missing)}
        )
    return positions, ignored
