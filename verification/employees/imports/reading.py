"""Reading an upload (pure): the bytes of a CSV or XLSX file turned into header-mapped rows, coping
with what spreadsheets produce (BOM, ``;`` separators, CRLF, numbers as floats, a leading
apostrophe, blank rows and columns); a file that cannot be read raises ``ImportFileError``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from verification.employees.imports.columns import (
    ALIAS_TO_FIELD,
    COLUMN_ALIASES,
    CONTACT_FIELDS,
    FIELD_LABELS,
    IGNORE,
    REQUIRED_FIELDS,
    header_key,
    normalise_code,
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
    formulas: tuple[str, ...] = ()  # fields whose cell is a formula without a saved value


#: How a header was read: by one of the aliases, by HR's earlier choice, or not at all.
ALIAS, REMEMBERED, UNMAPPED = "alias", "remembered", "unmapped"


@dataclass(frozen=True, slots=True)
class HeaderRead:
    header: str  # as written in the file
    key: str  # ``header_key``
    field: str  # a canonical field, IGNORE, or "" while unmapped
    source: str  # ALIAS, REMEMBERED or UNMAPPED


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]  # canonical fields present in the file
    rows: list[RawRow]
    ignored_headers: tuple[str, ...] = ()
    headers: tuple[HeaderRead, ...] = ()
    encoding: str = ""  # ENCODINGS key; "" for a workbook
    delimiter: str = ""  # "" for a workbook
    missing: tuple[str, ...] = ()  # required fields no column gives (while unmapped)

    @property
    def unmapped(self) -> tuple[HeaderRead, ...]:
        """Headers no alias matches and HR has not mapped yet: the preview asks about them."""
        return tuple(read for read in self.headers if read.source == UNMAPPED)


#: How the encodings read are named on the preview.
ENCODINGS = {
    "utf-8-sig": gettext_lazy("UTF-8 with BOM"),
    "utf-8": gettext_lazy("UTF-8"),
    "utf-16": gettext_lazy("UTF-16 (Excel “Unicode text”)"),
    "xlsx": gettext_lazy("Excel workbook"),
}


DELIMITERS = {",": gettext_lazy("commas"), ";": gettext_lazy("semicolons"), "\t": gettext_lazy("tabs")}


UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


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
        if content.startswith(UTF16_BOMS):
            return "csv"
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
        newline = "\n".encode("utf-16-le") if content.startswith(UTF16_BOMS) else b"\n"
        return content.count(newline) + 1
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


def _decode(content: bytes) -> tuple[str, str]:
    """(text, encoding) of a CSV: UTF-16 with its BOM, else UTF-8 with or without one. The
    whole file is decoded here, so an undecodable byte anywhere is found by the preview."""
    if content.startswith(UTF16_BOMS):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig" if content.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        text = content.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding == "utf-16":
            raise ImportFileError(
                _("The file is not readable UTF-16 text. Save it again as CSV UTF-8.")
            ) from None
        line = content.count(b"\n", 0, exc.start) + 1
        raise ImportFileError(
            _(
                "Line %(line)d is not UTF-8 text (byte 0x%(byte)02X): the file was saved in another "
                "encoding. In Excel, use “Save as → CSV UTF-8” and upload it again."
            )
            % {"line": line, "byte": content[exc.start]}
        ) from None
    if encoding == "utf-16":
        text = text.removeprefix("\ufeff")
    nul = text.find("\x00")
    if nul >= 0:
        # PostgreSQL refuses NUL in text, and no spreadsheet writes one: the file is damaged.
        raise ImportFileError(
            _(
                "Line %(line)d holds a NUL character (a zero byte), which no text file has: the file "
                "is damaged or not a CSV. Save it again from your spreadsheet as CSV UTF-8."
            )
            % {"line": text.count("\n", 0, nul) + 1}
        )
    return text, encoding


def _delimiter(text: str) -> str:
    first_line = ""
    for start, end in _line_spans(text):
        first_line = text[start : min(end, start + SNIFF_CHARS)]
        if first_line.strip():
            break
    try:
        return csv.Sniffer().sniff(first_line, delimiters=",;\t").delimiter
    except csv.Error:
        counts = {delimiter: first_line.count(delimiter) for delimiter in ",;\t"}
        best = max(counts, key=lambda delimiter: counts[delimiter])
        return best if counts[best] > counts[","] else ","


def unclosed_quote(line: int) -> ImportFileError:
    return ImportFileError(_('Line %(line)d: a quote (") opens here and never closes.') % {"line": line})


@dataclass
class _Csv:
    text: str
    encoding: str
    delimiter: str


def _csv_file(content: bytes) -> _Csv:
    text, encoding = _decode(content)
    return _Csv(text, encoding, _delimiter(text))


def _csv_records(source: _Csv) -> Iterator[tuple[int, list[str], tuple[int, ...]]]:
    text, delimiter = source.text, source.delimiter
    separators = physical = 0
    consumed = 0  # where the next record starts in ``text``

    def lines() -> Iterator[str]:
        # Separators are counted on the raw lines of a record before csv splits it, so that a
        # line of a million fields is refused before a list of a million cells is built.
        nonlocal separators, physical, consumed
        for start, end in _line_spans(text):
            physical += 1
            separators += text.count(delimiter, start, end)
            if separators >= EXCEL_MAX_COLUMNS:
                raise too_many_columns(physical)
            consumed = end
            yield text[start:end]

    # Process-wide; this is the only CSV reader of the project. A longer cell stops the read.
    csv.field_size_limit(EXCEL_MAX_CELL_CHARS)
    reader = csv.reader(lines(), delimiter=delimiter)
    start, begins = 1, 0
    try:
        for record in reader:
            separators = 0
            if reader.line_num > start and not _quotes_close(text[begins:consumed], delimiter):
                # The csv module reads an unclosed quote to the end of the file as one cell.
                raise unclosed_quote(start)
            cells = [cell.strip() for cell in record]
            if any(cell[:1] == "'" for cell in cells):
                cells = [_cell_text(cell) for cell in cells]
            yield start, cells, ()
            start, begins = reader.line_num + 1, consumed
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            # A cell past the limit is most often a quote left open: an odd number of quotes
            # from this record to the end (quotes of quoted cells come in pairs).
            if text.count('"', begins) % 2:
                raise unclosed_quote(start) from None
            raise cell_too_long(reader.line_num) from None
        raise ImportFileError(
            _("Line %(line)d of the file cannot be read (%(reason)s).")
            % {"line": reader.line_num, "reason": exc}
        ) from None


def _quotes_close(record: str, delimiter: str) -> bool:
    """Whether every quoted cell of one record's text closes before the text ends (a strict
    reading; the lenient one the import uses reads an unclosed quote to the end of the file)."""
    try:
        for _record in csv.reader(io.StringIO(record, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" not in str(exc)
    return True


def _xlsx_records(content: bytes) -> Iterator[tuple[int, list[str], tuple[int, ...]]]:
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
        unsaved = part.formulas_unsaved
        try:
            for line, values in enumerate(rows, start=1):
                formulas: tuple[int, ...] = ()
                if unsaved:
                    formulas = tuple(
                        index
                        for index, cell in enumerate(values)
                        if cell is None and (line, index + 1) in unsaved
                    )
                yield line, [_cell_text(cell) for cell in values], formulas
        except Exception:
            raise invalid_workbook() from None
    finally:
        reader.archive.close()


def read_table(filename: str, content: bytes, *, remembered: Mapping[str, str] | None = None) -> Table:
    """The rows of the file's first sheet keyed by canonical field, blank rows left out; codes
    normalised (``normalise_code``), the same from a CSV and from an XLSX.

    Headers are matched by alias, then by ``remembered`` (``header_key`` -> a field or IGNORE:
    HR's earlier choices); any other header is left unmapped (``Table.unmapped``) for HR to
    map, and then a required column may be missing (``Table.missing``). The whole file is read
    either way, so that every error of the file as a whole is found now.

    ImportFileError: wrong type, empty, unreadable (an encoding error, a NUL character or an
    unclosed quote anywhere), a required column missing with no unmapped column that could be
    it, a column named twice, headers without a single row, or more rows, columns, filled cells
    or longer cells than allowed (IMPORT_MAX_ROWS, IMPORT_MAX_COLUMNS, IMPORT_MAX_CELLS,
    EXCEL_MAX_CELL_CHARS); for a workbook also anything ``scan_workbook`` refuses.
    """
    kind = file_kind(filename, content)
    encoding = delimiter = ""
    if kind == "csv":
        source = _csv_file(content)
        encoding, delimiter = source.encoding, source.delimiter
        records = _csv_records(source)
    else:
        encoding = "xlsx"
        records = _xlsx_records(content)
    max_rows, max_columns, max_cells = (
        settings.IMPORT_MAX_ROWS,
        settings.IMPORT_MAX_COLUMNS,
        settings.IMPORT_MAX_CELLS,
    )
    header: list[str] | None = None
    positions: list[tuple[int, str]] = []
    reads: list[HeaderRead] = []
    rows: list[RawRow] = []
    code_at = -1
    cells_read = 0
    for line, cells, formulas in records:
        while cells and not cells[-1] and len(cells) - 1 not in formulas:
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
            positions, reads = _map_header(cells, remembered or {})
            code_at = next((index for index, name in positions if name == "code"), -1)
            continue
        if len(rows) >= max_rows:
            raise too_many_rows()
        values = {name: (cells[index] if index < len(cells) else "") for index, name in positions}
        if code_at >= 0:
            values["code"] = normalise_code(values["code"])
        formula_fields = tuple(name for index, name in positions if index in formulas) if formulas else ()
        rows.append(RawRow(line=line, values=values, formulas=formula_fields))
    if header is None:
        raise ImportFileError(_("The file is empty."))
    if not rows:
        raise ImportFileError(_("The file has a header row but no employees below it."))
    present = {name for _i, name in positions}
    missing = tuple(name for name in REQUIRED_FIELDS if name not in present)
    if not any(name in present for name in CONTACT_FIELDS):
        missing += ("email",)  # an e-mail or a mobile column: either invites them
    unmapped = any(read.source == UNMAPPED for read in reads)
    if missing and not unmapped:
        raise _missing_columns(missing)
    return Table(
        columns=tuple(name for _i, name in positions),
        rows=rows,
        ignored_headers=tuple(
            read.header for read in reads if read.field == IGNORE and read.source == REMEMBERED
        ),
        headers=tuple(reads),
        encoding=encoding,
        delimiter=delimiter,
        missing=missing,
    )


def _missing_columns(missing: Sequence[str]) -> ImportFileError:
    return ImportFileError(
        _("Required column(s) missing: %(columns)s. The first row must name the columns.")
        % {"columns": ", ".join(f"{FIELD_LABELS[m]} ({', '.join(COLUMN_ALIASES[m])})" for m in missing)}
    )


def _map_header(
    cells: Sequence[str], remembered: Mapping[str, str]
) -> tuple[list[tuple[int, str]], list[HeaderRead]]:
    positions: list[tuple[int, str]] = []
    seen: dict[str, str] = {}
    reads: list[HeaderRead] = []
    for index, cell in enumerate(cells):
        if not cell:
            continue
        key = header_key(cell)
        name = ALIAS_TO_FIELD.get(key)
        source = ALIAS
        if name is None:
            if key not in remembered:
                reads.append(HeaderRead(cell, key, "", UNMAPPED))
                continue
            name, source = remembered[key], REMEMBERED
            if name == IGNORE:
                reads.append(HeaderRead(cell, key, IGNORE, REMEMBERED))
                continue
        if name in seen:
            raise ImportFileError(
                _("The columns “%(first)s” and “%(second)s” both mean %(field)s.")
                % {"first": seen[name], "second": cell, "field": FIELD_LABELS[name]}
            )
        seen[name] = cell
        positions.append((index, name))
        reads.append(HeaderRead(cell, key, name, source))
    return positions, reads
