"""Bulk import of employees from a CSV or XLSX file.

Three layers, each usable on its own:

* reading (pure): ``read_table`` turns the bytes of an upload into header-mapped rows, coping
  with what spreadsheets produce (BOM, ``;`` separators, CRLF, numbers as floats, a leading
  apostrophe, blank rows and columns); a file that cannot be read raises ``ImportFileError``.
* checking (pure): ``RowChecker`` / ``check_rows`` validate every row (required fields,
  e-mail, Indian mobile, lengths, codes repeated inside the file) and ``classify_row`` compares
  a valid row with the employee on file: create, update or unchanged.
* writing: ``write_rows`` checks, classifies and writes in one pass: new employees are
  streamed into the table with COPY (mobiles encrypted in Python), updates go through a
  temporary table and one UPDATE. ``bench/imports.py`` measures it beside plain COPY.
* services: ``import_job_create`` stores an upload as an ``ImportJob``; ``import_job_validate``
  builds the preview; ``import_job_confirm`` and ``import_job_run`` write every valid row in one
  transaction (an upsert by employee code). Files of more than ``IMPORT_ASYNC_ROWS`` rows are
  checked and written by Celery tasks (ids only); smaller ones run inline through the same
  functions. ``access_import_job`` is the one way a request reaches a job.

Nothing here writes an employee before HR confirms the preview, and no audit event holds
personal data (the import's event has counts and the file name only).
"""

from __future__ import annotations

import csv
import io
import logging
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from xml.parsers import expat

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenants.validators import PLAIN_TEXT_MESSAGE, has_control_characters
from verification import events
from verification.crypto import encrypt, lookup_digest
from verification.events import Actor
from verification.exports import neutralise
from verification.models import Employee, ImportJob, Progress
from verification.phones import normalize_indian_mobile

logger = logging.getLogger(__name__)

# --- columns -------------------------------------------------------------------------------

#: Canonical field -> the header names accepted for it (matched case-insensitively, with
#: spaces, underscores, hyphens and dots treated alike). Documented on the upload page.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("code", "employee code", "emp code", "emp id", "employee id", "emp no", "employee number"),
    "full_name": ("full name", "name", "employee name"),
    "email": ("email", "e-mail", "email address", "e-mail address", "mail"),
    "mobile": ("mobile", "phone", "mobile number", "phone number", "mobile no", "cell"),
    "department": ("department", "dept"),
    "location": ("location", "office", "city"),
}
REQUIRED_FIELDS = ("code", "full_name", "email")
FIELD_LABELS = {
    "code": gettext_lazy("Employee code"),
    "full_name": gettext_lazy("Full name"),
    "email": gettext_lazy("Email"),
    "mobile": gettext_lazy("Mobile"),
    "department": gettext_lazy("Department"),
    "location": gettext_lazy("Location"),
}
MAX_LENGTHS = {"code": 40, "full_name": 150, "email": 254, "department": 100, "location": 100}
#: The template file offered for download: the canonical headers and one example row.
TEMPLATE_HEADERS = ("Employee code", "Full name", "Email", "Mobile", "Department", "Location")
TEMPLATE_EXAMPLE = ("E1001", "Asha Verma", "asha.verma@example.com", "9876543210", "Finance", "Pune")

#: Errors kept on the job (the count of all of them is in the summary), in the order of the
#: file; the page shows the first PAGE_ERRORS, the error file (CSV) all those kept.
MAX_STORED_ERRORS = 1000
PAGE_ERRORS = 100
#: Other lines named in the error of a code given more than once.
DUPLICATE_LINES_SHOWN = 5
#: Ignored column names kept for the preview, each cut to IGNORED_HEADER_CHARS characters.
IGNORED_HEADERS_SHOWN = 20
IGNORED_HEADER_CHARS = 60
#: A preview not confirmed within this time is cancelled and its file dropped.
UNCONFIRMED_KEPT_FOR = timedelta(hours=24)
#: How often (rows) a job's progress is written while it is checked.
PROGRESS_EVERY = 2000


def _header_key(value: str) -> str:
    return " ".join(re.sub(r"[_\-.]+", " ", value.replace("\ufeff", "")).lower().split())


_ALIAS_TO_FIELD = {_header_key(alias): name for name, aliases in COLUMN_ALIASES.items() for alias in aliases}


class ImportFileError(Exception):
    """The file as a whole cannot be imported; ``message`` says why, for HR."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- reading ---------------------------------------------------------------------------------

XLSX_MAGIC = b"PK\x03\x04"
#: Excel's own limits: nothing beyond them comes from a spreadsheet.
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
EXCEL_MAX_CELL_CHARS = 32_767
#: An .xlsx is a ZIP of XML parts. These bound the parts before openpyxl reads any of them
#: (openpyxl reads the shared-strings table whole, and keeps elements of a part in memory
#: while it reads it); IMPORT_MAX_UNCOMPRESSED_BYTES bounds their bytes.
XLSX_MAX_PARTS = 1_000
XLSX_MAX_DIRECTORY_BYTES = XLSX_MAX_PARTS * 512
#: Uncompressed / compressed size of one part over XLSX_RATIO_FROM bytes: real sheets
#: compress 5-30 times; a part that expands far more is a bomb.
XLSX_MAX_RATIO = 200
XLSX_RATIO_FROM = 1024 * 1024
#: XML elements of one part outside its rows and shared strings, beyond one per row.
XLSX_MAX_OTHER_ELEMENTS = 100_000
#: XML elements inside one row (its cells and what they hold) or one shared string.
XLSX_MAX_GROUP_ELEMENTS = 8 * EXCEL_MAX_COLUMNS
_CHUNK = 64 * 1024  # bytes read from a part at a time
#: Characters of the first line the CSV separator is guessed from.
SNIFF_CHARS = 4096

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main "  # as expat names elements
_ROW, _CELL, _VALUE, _TEXT, _SHARED = (f"{_MAIN}{tag}" for tag in ("row", "c", "v", "t", "si"))
_CELL_REFERENCE = re.compile(r"([A-Za-z]+)")


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


def _number(value: int) -> str:
    return number_format(value, force_grouping=True)


def _invalid_workbook() -> ImportFileError:
    return ImportFileError(_("This file is not a valid Excel workbook (.xlsx)."))


def _workbook_too_large() -> ImportFileError:
    return ImportFileError(
        _(
            "This workbook is too large to read: it expands to more than %(limit)s MB. Keep only "
            "the sheet with the employees (or save it as CSV) and upload it again."
        )
        % {"limit": _number(settings.IMPORT_MAX_UNCOMPRESSED_BYTES // (1024 * 1024))}
    )


def _cell_too_long(line: int | None) -> ImportFileError:
    if line is None:
        message = _(
            "A cell of the file is longer than %(limit)s characters, more than a spreadsheet cell "
            "holds. Shorten it and upload the file again."
        ) % {"limit": _number(EXCEL_MAX_CELL_CHARS)}
    else:
        message = _(
            "Line %(line)s has a cell longer than %(limit)s characters. Shorten it and upload the file again."
        ) % {"line": line, "limit": _number(EXCEL_MAX_CELL_CHARS)}
    return ImportFileError(message)


def _too_many_rows() -> ImportFileError:
    return ImportFileError(
        _(
            "The file has more than %(limit)s employees (rows below the header). Split it into "
            "smaller files and upload them one by one."
        )
        % {"limit": _number(settings.IMPORT_MAX_ROWS)}
    )


def _too_many_columns(line: int | None) -> ImportFileError:
    values = {"limit": _number(settings.IMPORT_MAX_COLUMNS), "line": line}
    if line is None:
        message = _(
            "The sheet has more than %(limit)s columns. Delete the columns that are not needed "
            "and upload it again."
        )
    else:
        message = _(
            "Line %(line)s has more than %(limit)s columns. Delete the columns that are not needed "
            "and upload the file again."
        )
    return ImportFileError(message % values)


def _too_many_cells() -> ImportFileError:
    return ImportFileError(
        _(
            "The file has more than %(limit)s filled cells. Delete the columns that are not needed "
            "(or split it into smaller files) and upload it again."
        )
        % {"limit": _number(settings.IMPORT_MAX_CELLS)}
    )


@dataclass(slots=True)
class PartScan:
    """The filled cells of one part of a workbook, numbered as openpyxl numbers them."""

    rows: int = 0  # rows with a filled cell
    last_row: int = 0
    last_column: int = 0
    cells: int = 0


@dataclass
class WorkbookScan:
    parts: dict[str, PartScan]
    shared_strings: int

    @property
    def rows_estimate(self) -> int:
        """No sheet of the workbook has more rows below its header than this."""
        return max((part.last_row - 1 for part in self.parts.values()), default=0)


class _PartStream:
    """One ZIP entry as a stream that counts the bytes it really gives (never trusting the
    sizes the archive declares) and stops at the budgets."""

    def __init__(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, spent: list[int]) -> None:
        self._stream = archive.open(info)
        self._compressed = max(info.compress_size, 1)
        self._spent = spent  # [bytes of all parts so far]
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size if size and size > 0 else _CHUNK)
        self.size += len(data)
        self._spent[0] += len(data)
        if self._spent[0] > settings.IMPORT_MAX_UNCOMPRESSED_BYTES or (
            self.size > XLSX_RATIO_FROM and self.size > XLSX_MAX_RATIO * self._compressed
        ):
            raise _workbook_too_large()
        return data

    def drain(self) -> None:
        while self.read():
            pass

    def close(self) -> None:
        self._stream.close()


def _check_zip_directory(content: bytes) -> None:
    """Refuse an archive listing too many parts before zipfile builds an object for each:
    the end-of-directory record gives their number and the directory's size."""
    tail = content[-(22 + 0xFFFF) :]
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise _invalid_workbook()
    _disk, _start_disk, _here, entries, directory_bytes, _offset, _comment = struct.unpack(
        "<4H2LH", tail[at + 4 : at + 22]
    )
    if entries > XLSX_MAX_PARTS or directory_bytes > XLSX_MAX_DIRECTORY_BYTES:
        raise ImportFileError(
            _(
                "This workbook has too many parts to read. Keep only the sheet with the employees "
                "(or save it as CSV) and upload it again."
            )
        )


def _column_number(letters: str) -> int:
    """A1-style column letters as a number (A = 1); 0 past Excel's last column (XFD)."""
    if len(letters) > 3:
        return 0
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _scan_part(stream: _PartStream, shared: list[int]) -> PartScan | None:
    """Count what one XML part holds with expat callbacks (no element is kept: constant
    memory), refusing at the first bound passed; a DTD (hence any entity) is refused. None
    when the part is not XML (an image, say)."""
    scan = PartScan()
    max_other = settings.IMPORT_MAX_ROWS + XLSX_MAX_OTHER_ELEMENTS
    max_shared = settings.IMPORT_MAX_SHARED_STRINGS
    other = 0
    group = ""  # the open row or shared string
    depth = in_group = 0  # nesting inside the group, and elements met inside it
    row_number = column = row_cells = text_length = 0
    row_filled = in_cell = cell_filled = in_text = False

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal other, group, depth, in_group, row_number, column, row_cells
        nonlocal row_filled, in_cell, cell_filled, in_text, text_length
        if group:
            depth += 1
            in_group += 1
            if in_group > XLSX_MAX_GROUP_ELEMENTS:
                raise _workbook_too_complex()
            if name in (_VALUE, _TEXT):
                in_text, text_length = True, 0
            elif name == _CELL and depth == 1 and group == _ROW:
                in_cell, cell_filled = True, False
                row_cells += 1
                reference = attributes.get("r")
                if reference:
                    letters = _CELL_REFERENCE.match(reference)
                    column = _column_number(letters.group(1)) if letters else 0
                else:
                    column += 1
                if row_cells > EXCEL_MAX_COLUMNS or not 0 < column <= EXCEL_MAX_COLUMNS:
                    raise _invalid_workbook()
            return
        if name == _ROW:
            group, depth, in_group, row_cells, column, row_filled = _ROW, 0, 0, 0, 0, False
            number = attributes.get("r")
            row_number = int(float(number)) if number else row_number + 1
            if not 0 < row_number <= EXCEL_MAX_ROWS:
                raise _invalid_workbook()
            other += 1
        elif name == _SHARED:
            group, depth, in_group = _SHARED, 0, 0
            shared[0] += 1
            if shared[0] > max_shared:
                raise ImportFileError(
                    _(
                        "This workbook holds more than %(limit)s different texts. Split it into smaller "
                        "files (or save it as CSV) and upload it again."
                    )
                    % {"limit": _number(max_shared)}
                )
        else:
            other += 1
        if other > max_other:
            raise _workbook_too_complex()

    def end(name: str) -> None:
        nonlocal group, depth, row_filled, in_cell, cell_filled, in_text
        if not group:
            return
        if depth == 0:  # the group's own end
            if group == _ROW and row_filled:
                scan.rows += 1
                scan.last_row = max(scan.last_row, row_number)
            group = ""
            return
        depth -= 1
        if in_text and name in (_VALUE, _TEXT):
            in_text = False
            if text_length and in_cell:
                cell_filled = True
        elif in_cell and depth == 0:  # the cell's end
            in_cell = False
            if cell_filled:
                row_filled = True
                scan.cells += 1
                scan.last_column = max(scan.last_column, column)

    def text(data: str) -> None:
        nonlocal text_length
        if in_text:
            text_length += len(data)
            if text_length > EXCEL_MAX_CELL_CHARS:
                raise _cell_too_long(row_number if in_cell else None)

    def refuse(*_args: Any) -> None:
        raise _invalid_workbook()

    def refuse_external(*_args: Any) -> int:
        raise _invalid_workbook()

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    # What defusedxml refuses: no DTD, so no entity can be declared; nothing external.
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse_external
    try:
        while chunk := stream.read(_CHUNK):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError:
        if parser.CurrentByteIndex > 0 and (other or shared[0] or scan.rows):
            raise _invalid_workbook() from None
        stream.drain()  # not XML: its bytes still count
        return None
    except ValueError:  # a row number that is not one
        raise _invalid_workbook() from None
    stream.drain()
    return scan


def _workbook_too_complex() -> ImportFileError:
    return ImportFileError(
        _(
            "This workbook is too complex to read (it holds far more than the employees' cells). "
            "Keep only the sheet with the employees (or save it as CSV) and upload it again."
        )
    )


def _scan_archive(archive: zipfile.ZipFile) -> WorkbookScan:
    spent = [0]
    shared = [0]
    parts: dict[str, PartScan] = {}
    infos = archive.infolist()
    if len(infos) > XLSX_MAX_PARTS:
        raise _workbook_too_large()
    for info in infos:
        if info.file_size > XLSX_RATIO_FROM and info.file_size > XLSX_MAX_RATIO * max(info.compress_size, 1):
            raise _workbook_too_large()
    for info in infos:
        if info.is_dir():
            continue
        stream = _PartStream(archive, info, spent)
        try:
            scan = _scan_part(stream, shared)
        finally:
            stream.close()
        if scan is not None:
            parts[info.filename] = scan
    return WorkbookScan(parts=parts, shared_strings=shared[0])


def scan_workbook(content: bytes, archive: zipfile.ZipFile | None = None) -> WorkbookScan:
    """Check that an .xlsx can be read within the bounds, without opening it as a workbook:
    the number of parts, each part's real uncompressed size and compression ratio, the total,
    the shared strings, and per part its XML elements, rows, cells per row and cell lengths
    (streamed, DTDs and entities refused). ImportFileError at the first bound passed."""
    try:
        if archive is None:
            _check_zip_directory(content)
            with zipfile.ZipFile(io.BytesIO(content)) as opened:
                return _scan_archive(opened)
        return _scan_archive(archive)
    except ImportFileError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        OSError,
        RuntimeError,
        NotImplementedError,
        zlib.error,
    ):
        # Not a ZIP, a corrupt or encrypted part, a compression zipfile does not know.
        raise _invalid_workbook() from None


def _check_sheet(part: PartScan) -> None:
    if part.last_row - 1 > settings.IMPORT_MAX_ROWS:
        raise _too_many_rows()
    if part.last_column > settings.IMPORT_MAX_COLUMNS:
        raise _too_many_columns(None)
    if part.cells > settings.IMPORT_MAX_CELLS:
        raise _too_many_cells()


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
                raise _too_many_columns(physical)
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
            raise _cell_too_long(reader.line_num) from None
        raise ImportFileError(
            _("Line %(line)d of the file cannot be read (%(reason)s).")
            % {"line": reader.line_num, "reason": exc}
        ) from None


def _xlsx_records(content: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl.reader.excel import ExcelReader

    # One archive: scanned within the bounds first, then read by openpyxl (read-only).
    _check_zip_directory(content)
    try:
        reader = ExcelReader(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a zip that is not a workbook
        raise _invalid_workbook() from None
    try:
        scan = scan_workbook(content, reader.archive)
        try:
            reader.read()
        except Exception:
            raise _invalid_workbook() from None
        sheets = reader.wb.worksheets
        if not sheets:
            raise ImportFileError(
                _("This workbook has no worksheet. Put the employees on its first sheet and upload it again.")
            )
        sheet = sheets[0]
        part = scan.parts.get(getattr(sheet, "_worksheet_path", ""))
        if part is None:
            raise _invalid_workbook()
        _check_sheet(part)
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
            raise _invalid_workbook() from None
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
            raise _too_many_columns(line)
        cells_read += len(cells) - cells.count("")
        if cells_read > max_cells:
            raise _too_many_cells()
        if header is None:
            header = cells
            positions, ignored = _map_header(cells)
            continue
        if len(rows) >= max_rows:
            raise _too_many_rows()
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
        name = _ALIAS_TO_FIELD.get(_header_key(cell))
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
    if missing:
        raise ImportFileError(
            _("Required column(s) missing: %(columns)s. The first row must name the columns.")
            % {"columns": ", ".join(f"{FIELD_LABELS[m]} ({', '.join(COLUMN_ALIASES[m])})" for m in missing)}
        )
    return positions, ignored


# --- checking --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    column: str  # a canonical field
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "message": self.message}


@dataclass(slots=True)
class CleanRow:
    """A valid row, normalized as ``employee_create`` would store it. An empty optional cell
    (or a missing column) is None: it leaves the value on file as it is."""

    line: int
    code: str
    full_name: str
    email: str
    mobile: str | None  # E.164
    mobile_digest: str | None
    department: str | None
    location: str | None


class ErrorLog(list[RowError]):
    """The first MAX_STORED_ERRORS errors, and how many there were: memory stays bounded
    whatever the file."""

    def __init__(self) -> None:
        super().__init__()
        self.total = 0

    def add(self, errors: Sequence[RowError]) -> None:
        self.total += len(errors)
        room = MAX_STORED_ERRORS - len(self)
        if room > 0:
            self.extend(errors[:room])


@dataclass
class Checked:
    rows: list[CleanRow] = field(default_factory=list)
    errors: ErrorLog = field(default_factory=ErrorLog)
    error_rows: int = 0


def _mobile_text(value: str) -> str:
    # Excel writes numbers as floats into CSV too ("9876543210.0").
    return value[:-2] if value.endswith(".0") and value[:-2].isdigit() else value


class _EmailCheck(EmailValidator):
    """Django's e-mail check, unchanged in what it accepts, made cheap for thousands of rows:
    its patterns compiled once, each domain (most rows share a few) checked once."""

    def __init__(self) -> None:
        super().__init__()
        lazy = EmailValidator.user_regex
        self.user_regex = re.compile(lazy.pattern, lazy.flags)
        self._domains: dict[str, bool] = {}

    def validate_domain_part(self, domain_part: str) -> bool:
        known = self._domains.get(domain_part)
        if known is None:
            known = self._domains[domain_part] = bool(super().validate_domain_part(domain_part))
        return known


def _presence_and_length_errors(line: int, *fields: str | None) -> list[RowError]:
    errors = []
    for name, value in zip(("code", "full_name", "email", "department", "location"), fields, strict=True):
        if not value and name in REQUIRED_FIELDS:
            message = _("%(field)s is required.") % {"field": FIELD_LABELS[name]}
            errors.append(RowError(line, name, message))
        elif value and len(value) > MAX_LENGTHS[name]:
            message = _("Longer than %(max)d characters.") % {"max": MAX_LENGTHS[name]}
            errors.append(RowError(line, name, message))
    return errors


class RowChecker:
    """Checks rows one at a time. The codes given more than once in the file are found up
    front, so a row can be judged (and written) as soon as it is read."""

    def __init__(self, rows: Sequence[RawRow]) -> None:
        lines: dict[str, list[int]] = {}
        for raw in rows:
            code = raw.values.get("code", "").strip()
            if code:
                lines.setdefault(code, []).append(raw.line)
        self.repeated = {code: found for code, found in lines.items() if len(found) > 1}
        self.validate_email = _EmailCheck()

    def __call__(self, raw: RawRow) -> tuple[CleanRow | None, list[RowError]]:
        errors: list[RowError] = []
        line, values = raw.line, raw.values
        code = values.get("code", "").strip()
        full_name = " ".join(values.get("full_name", "").split())
        email = values.get("email", "").strip().lower()
        department = values.get("department", "").strip() or None
        location = values.get("location", "").strip() or None
        limit = MAX_LENGTHS
        if (
            not (code and full_name and email)
            or len(code) > limit["code"]
            or len(full_name) > limit["full_name"]
            or len(email) > limit["email"]
            or (department and len(department) > limit["department"])
            or (location and len(location) > limit["location"])
        ):
            # The rare row with a missing or overlong cell (kept off the common path).
            errors.extend(_presence_and_length_errors(line, code, full_name, email, department, location))
        if email and len(email) <= MAX_LENGTHS["email"]:
            try:
                self.validate_email(email)
            except ValidationError:
                errors.append(RowError(line, "email", _("Not a valid e-mail address.")))
        mobile = digest = None
        mobile_text = _mobile_text(values.get("mobile", ""))
        if mobile_text:
            try:
                mobile = normalize_indian_mobile(mobile_text)
            except ValidationError:
                errors.append(RowError(line, "mobile", _("Not a valid Indian mobile number.")))
            else:
                digest = lookup_digest(mobile)
        for name, value in (
            ("code", code),
            ("full_name", full_name),
            ("department", department),
            ("location", location),
        ):
            if value and has_control_characters(value):
                errors.append(RowError(line, name, str(PLAIN_TEXT_MESSAGE)))
        repeated = self.repeated.get(code)
        if repeated is not None:
            # No row of the group is imported: which one HR meant is theirs to say.
            errors.append(RowError(line, "code", _duplicate_message(code, line, repeated)))
        if errors:
            return None, errors
        return CleanRow(line, code, full_name, email, mobile, digest, department, location), errors


def _duplicate_message(code: str, line: int, lines: list[int]) -> str:
    """The whole group on its first line (how many, the first few others); on each other
    line, where the group starts. Each message is short, whatever the size of the group."""
    shown = code if len(code) <= MAX_LENGTHS["code"] else f"{code[: MAX_LENGTHS['code']]}…"
    first = lines[0]
    if len(lines) == 2:
        other = lines[1] if line == first else first
        return _("Employee code %(code)s is also on line(s) %(lines)s.") % {"code": shown, "lines": other}
    if line != first:
        return _("Employee code %(code)s is on %(count)s lines; the first is line %(first)s.") % {
            "code": shown,
            "count": _number(len(lines)),
            "first": first,
        }
    others = ", ".join(str(other) for other in lines[1 : DUPLICATE_LINES_SHOWN + 1])
    if len(lines) > DUPLICATE_LINES_SHOWN + 1:
        others += ", …"
    return _(
        "Employee code %(code)s is on %(count)s lines (this one and line(s) %(lines)s); "
        "none of them is imported."
    ) % {"code": shown, "count": _number(len(lines)), "lines": others}


def check_rows(rows: Sequence[RawRow], *, progress: Callable[[int], None] | None = None) -> Checked:
    """Every row checked; the valid ones normalized. ``progress(n)`` is called now and then."""
    checked = Checked()
    check = RowChecker(rows)
    for count, raw in enumerate(rows, start=1):
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
        row, errors = check(raw)
        if row is not None:
            checked.rows.append(row)
        else:
            checked.errors.add(errors)
            checked.error_rows += 1
    if progress is not None:
        progress(len(rows))
    return checked


_EMPLOYEE_TABLE = Employee._meta.db_table
# Columns compared to decide "unchanged"; mobile is compared through its digest.
_EXISTING_FIELDS = ("code", "id", "full_name", "email", "department", "location", "mobile_digest")
CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"


def classify_row(row: CleanRow, existing: dict[str, tuple[Any, ...]]) -> tuple[str, int | None, CleanRow]:
    """(CREATE | UPDATE | UNCHANGED, the employee's id, the row to write) given ``existing``
    employees (code -> the values of ``_EXISTING_FIELDS``). An update carries the final
    department and location, and a mobile only when it differs from the one on file."""
    current = existing.get(row.code)
    if current is None:
        return CREATE, None, row
    _code, pk, full_name, email, department, location, mobile_digest = current
    new_department = department if row.department is None else row.department
    new_location = location if row.location is None else row.location
    same_mobile = row.mobile_digest is None or row.mobile_digest == mobile_digest
    if (
        row.full_name == full_name
        and row.email == email
        and new_department == department
        and new_location == location
        and same_mobile
    ):
        return UNCHANGED, pk, row
    update = replace(row, department=new_department, location=new_location)
    if same_mobile:
        update.mobile = update.mobile_digest = None
    return UPDATE, pk, update


@dataclass
class Counts:
    create: int = 0
    update: int = 0
    unchanged: int = 0

    def add(self, kind: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)


def classify(rows: Iterable[CleanRow], existing: dict[str, tuple[Any, ...]]) -> Counts:
    counts = Counts()
    for row in rows:
        counts.add(classify_row(row, existing)[0])
    return counts


def existing_employees(codes: Iterable[str]) -> dict[str, tuple[Any, ...]]:
    """Employees on file among ``codes``, in one query (the codes go as one array parameter:
    an IN list of 50,000 placeholders costs more to build than to run)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(_EXISTING_FIELDS)} FROM {_EMPLOYEE_TABLE} WHERE code = ANY(%s)",  # noqa: S608
            [list(codes)],
        )
        return {values[0]: values for values in cursor.fetchall()}


# --- writing ---------------------------------------------------------------------------------

_INSERT_COLUMNS = (
    "code",
    "full_name",
    "email",
    "mobile",
    "mobile_last4",
    "mobile_digest",
    "department",
    "location",
    "is_active",
    "progress",
    "created_at",
    "updated_at",
)


@dataclass
class Written:
    counts: Counts
    errors: ErrorLog
    error_rows: int


def write_rows(rows: Sequence[RawRow], *, progress: Callable[[int], None] | None = None) -> Written:
    """Check, classify and write ``rows`` in one pass; call inside a transaction.

    New employees are streamed into the table with COPY as they are checked (PostgreSQL
    indexes them while Python checks the next rows); updates go through COPY into a
    temporary table and one UPDATE. Mobiles are encrypted here, in Python. A code created
    meanwhile by someone else fails the whole write. ``progress`` must not use the database
    (the connection is busy with COPY).
    """
    check = RowChecker(rows)
    existing = existing_employees({raw.values.get("code", "").strip() for raw in rows})
    counts = Counts()
    errors = ErrorLog()
    error_rows = 0
    updates: list[tuple[int, CleanRow]] = []
    now = timezone.now()
    # Constant columns as COPY text, formatted once rather than once per row.
    now_text, active, not_invited = now.isoformat(), "t", Progress.NOT_INVITED.value
    columns = ", ".join(_INSERT_COLUMNS)
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {_EMPLOYEE_TABLE} ({columns}) FROM STDIN") as copy:
            for count, raw in enumerate(rows, start=1):
                if progress is not None and count % PROGRESS_EVERY == 0:
                    progress(count)
                row, row_errors = check(raw)
                if row is None:
                    errors.add(row_errors)
                    error_rows += 1
                    continue
                kind, pk, row = classify_row(row, existing)
                counts.add(kind)
                if kind == UPDATE and pk is not None:
                    updates.append((pk, row))
                elif kind == CREATE:
                    mobile = row.mobile
                    copy.write_row(
                        (
                            row.code,
                            row.full_name,
                            row.email,
                            encrypt(mobile) if mobile else None,
                            mobile[-4:] if mobile else "",
                            row.mobile_digest or "",
                            row.department or "",
                            row.location or "",
                            active,
                            not_invited,
                            now_text,
                            now_text,
                        )
                    )
        if updates:
            _write_updates(cursor, updates, now)
    return Written(counts=counts, errors=errors, error_rows=error_rows)


def _write_updates(cursor: Any, updates: list[tuple[int, CleanRow]], now: datetime) -> None:
    cursor.execute(
        "CREATE TEMPORARY TABLE tika_import_update (id bigint, full_name text, email text, "
        "mobile text, mobile_last4 text, mobile_digest text, department text, location text) "
        "ON COMMIT DROP"
    )
    with cursor.copy("COPY tika_import_update FROM STDIN") as copy:
        for pk, row in updates:
            copy.write_row(
                (
                    pk,
                    row.full_name,
                    row.email,
                    encrypt(row.mobile) if row.mobile else None,
                    row.mobile[-4:] if row.mobile else None,
                    row.mobile_digest,
                    row.department or "",
                    row.location or "",
                )
            )
    # An update without a (new) mobile keeps the one on file.
    cursor.execute(
        f"UPDATE {_EMPLOYEE_TABLE} AS e SET full_name = u.full_name, email = u.email, "  # noqa: S608
        "mobile = COALESCE(u.mobile, e.mobile), "
        "mobile_last4 = COALESCE(u.mobile_last4, e.mobile_last4), "
        "mobile_digest = COALESCE(u.mobile_digest, e.mobile_digest), "
        "department = u.department, location = u.location, updated_at = %s "
        "FROM tika_import_update AS u WHERE e.id = u.id",
        [now],
    )
    cursor.execute("DROP TABLE tika_import_update")


# --- selectors -------------------------------------------------------------------------------


def access_import_job(job_id: int, *, defer_errors: bool = False) -> ImportJob:
    """The import job ``job_id`` of this organization, without its file (and, with
    ``defer_errors``, errors loaded only if read); Http404 whether it is missing or not ours
    (another organization's jobs live in a schema this query cannot see)."""
    deferred = ("content", "errors") if defer_errors else ("content",)
    job = ImportJob.objects.defer(*deferred).filter(pk=job_id).first()
    if job is None:
        raise Http404("No such import.")
    return job


def import_job_is_running(job: ImportJob) -> bool:
    return job.status in (ImportJob.Status.UPLOADED, ImportJob.Status.VALIDATING, ImportJob.Status.IMPORTING)


# --- services --------------------------------------------------------------------------------


def _runs_inline(rows: int) -> bool:
    return rows <= settings.IMPORT_ASYNC_ROWS


def import_job_create(*, filename: str, content: bytes, actor: Actor = None) -> ImportJob:
    """Store an upload and start its check: inline for a small file (the job comes back
    validated or failed), in a Celery task for a large one (the job comes back uploaded).

    ImportFileError, and nothing stored, when the file is too large, empty or of a wrong type.
    """
    if len(content) > settings.IMPORT_MAX_BYTES:
        raise ImportFileError(
            _("The file is larger than %(limit)d MB. Split it into smaller files.")
            % {"limit": settings.IMPORT_MAX_BYTES // (1024 * 1024)}
        )
    file_kind(filename, content)
    rows = estimate_rows(filename, content)
    user = actor if actor is not None and actor.is_authenticated else None
    job = ImportJob.objects.create(
        filename=filename[-255:],
        content=content,
        created_by=user,  # type: ignore[misc]  # the organization's user model
        total_rows=0,
    )
    if _runs_inline(rows):
        import_job_validate(job_id=job.pk)
        job.refresh_from_db()
    else:
        from verification.tasks import import_job_validate_task

        job_id = job.pk
        transaction.on_commit(lambda: import_job_validate_task.delay(job_id))
    return job


def _failed(job_id: int, message: str) -> None:
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJob.Status.FAILED, failure=message[:300], finished_at=timezone.now(), content=b""
    )


def _load(job_id: int, *statuses: str) -> ImportJob | None:
    return ImportJob.objects.defer("content").filter(pk=job_id, status__in=statuses).first()


def _stored_file(job_id: int) -> bytes:
    """The job's file, decrypted; ImportFileError when no configured key opens it (keys
    replaced without keeping the old one listed) or it is gone."""
    try:
        content = ImportJob.objects.filter(pk=job_id).values_list("content", flat=True).first()
    except ValueError:
        logger.warning("Import %s: the stored file cannot be decrypted with FIELD_ENCRYPTION_KEYS", job_id)
        content = None
    if not content:
        raise ImportFileError(_("The uploaded file can no longer be read. Upload it again."))
    return bytes(content)


def _read(job: ImportJob) -> Table:
    table = read_table(job.filename, _stored_file(job.pk))
    job.total_rows = len(table.rows)
    ImportJob.objects.filter(pk=job.pk).update(total_rows=job.total_rows, processed_rows=0)
    return table


#: Shown when checking a file fails in a way nobody foresaw (the error is logged).
CHECK_FAILED = gettext_lazy(
    "The file could not be checked. Save it again from your spreadsheet (as .xlsx, or as CSV UTF-8) "
    "and upload it again; if that fails too, write to us."
)


def _summary(counts: Counts, *, error_rows: int, errors: ErrorLog, table: Table) -> dict[str, Any]:
    ignored = table.ignored_headers
    return {
        "create": counts.create,
        "update": counts.update,
        "unchanged": counts.unchanged,
        "error": error_rows,
        "errors_total": errors.total,
        "columns": list(table.columns),
        "ignored_columns": [
            name if len(name) <= IGNORED_HEADER_CHARS else f"{name[:IGNORED_HEADER_CHARS]}…"
            for name in ignored[:IGNORED_HEADERS_SHOWN]
        ],
        "ignored_columns_total": len(ignored),
    }


def _stored_errors(errors: ErrorLog) -> list[dict[str, Any]]:
    # Kept in the order of the file (rows are checked in order); already capped.
    return [error.as_dict() for error in sorted(errors, key=lambda e: e.line)]


def import_job_validate(*, job_id: int) -> None:
    """Check the job's file and store the preview (counts and errors by line and column).

    Writes nothing but the job. Safe to repeat: a job already checked is left alone. A file
    that cannot be read, or any error nobody foresaw, fails the job with a message for HR and
    drops the file: a job is never left checking.
    """
    updated = ImportJob.objects.filter(
        pk=job_id, status__in=(ImportJob.Status.UPLOADED, ImportJob.Status.VALIDATING)
    ).update(status=ImportJob.Status.VALIDATING)
    job = _load(job_id, ImportJob.Status.VALIDATING) if updated else None
    if job is None:
        return

    def progress(done: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(processed_rows=done)

    try:
        table = _read(job)
        checked = check_rows(table.rows, progress=progress)
        counts = classify(checked.rows, existing_employees(row.code for row in checked.rows))
    except ImportFileError as exc:
        _failed(job_id, exc.message)
        return
    except Exception:
        # Never a job left checking with its file kept: it fails, and says what to do.
        logger.exception("Import %s failed while checking", job_id)
        _failed(job_id, str(CHECK_FAILED))
        return
    ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.VALIDATING).update(
        status=ImportJob.Status.VALIDATED,
        processed_rows=job.total_rows,
        summary=_summary(counts, error_rows=checked.error_rows, errors=checked.errors, table=table),
        errors=_stored_errors(checked.errors),
    )


def import_job_confirm(*, job: ImportJob, actor: Actor = None) -> bool:
    """HR confirmed the preview: import every valid row (inline for a small file, else in a
    task). False when the job is not waiting for a confirmation (already confirmed, say)."""
    user_id = actor.pk if actor is not None and actor.is_authenticated else None
    summary = {**job.summary, "confirmed_by": user_id}
    started = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.VALIDATED).update(
        status=ImportJob.Status.IMPORTING, processed_rows=0, summary=summary
    )
    if not started:
        return False
    if _runs_inline(job.total_rows):
        import_job_run(job_id=job.pk)
    else:
        from verification.tasks import import_job_run_task

        job_id = job.pk
        transaction.on_commit(lambda: import_job_run_task.delay(job_id))
    return True


def import_job_cancel(*, job: ImportJob) -> bool:
    """Drop a preview HR does not want; False when it is no longer waiting."""
    return bool(
        ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.VALIDATED).update(
            status=ImportJob.Status.CANCELLED, finished_at=timezone.now(), content=b""
        )
    )


def import_jobs_expire(*, older_than: timedelta = UNCONFIRMED_KEPT_FOR) -> int:
    """Drop the files of jobs left behind for ``older_than`` (personal data is not kept for an
    import that will not happen) and return how many: previews nobody confirmed are
    cancelled; jobs whose task was lost (still checking or importing) fail."""
    now = timezone.now()
    old = ImportJob.objects.filter(created_at__lt=now - older_than)
    cancelled = old.filter(status__in=(ImportJob.Status.UPLOADED, ImportJob.Status.VALIDATED)).update(
        status=ImportJob.Status.CANCELLED, finished_at=now, content=b""
    )
    failed = old.filter(status__in=(ImportJob.Status.VALIDATING, ImportJob.Status.IMPORTING)).update(
        status=ImportJob.Status.FAILED,
        failure=_("The import was interrupted and nothing was written. Upload the file again."),
        finished_at=now,
        content=b"",
    )
    return cancelled + failed


def _progress_key(job_id: int) -> str:
    # The cache key function adds the organization.
    return f"import-progress:{job_id}"


def import_job_progress(job: ImportJob) -> int:
    """Rows done so far. While rows are written the count lives in the cache: the job row is
    only updated when the transaction that writes them commits."""
    if job.status == ImportJob.Status.IMPORTING:
        return int(cache.get(_progress_key(job.pk), 0))
    return job.processed_rows


def import_job_run(*, job_id: int) -> None:
    """Write every valid row of a confirmed job in one transaction (created or updated by
    employee code; rows with errors are skipped) with one audit event that counts them.

    The file is checked again, against the employees on file at this moment, so the counts
    stored are what was written. Safe to repeat: only a job still importing is written, and
    the job row is locked while it is. On any error nothing is written and the job fails.
    """
    job = _load(job_id, ImportJob.Status.IMPORTING)
    if job is None:
        return
    try:
        table = _read(job)
    except ImportFileError as exc:
        _failed(job_id, exc.message)
        return
    except Exception:
        logger.exception("Import %s failed while reading its file", job_id)
        _failed(job_id, str(CHECK_FAILED))
        return
    try:
        _write(job_id, table)
    except Exception:
        logger.exception("Import %s failed while writing; rolled back", job_id)
        _failed(job_id, _("The import failed and nothing was written. Try again in a minute."))
    finally:
        cache.delete(_progress_key(job_id))


def _write(job_id: int, table: Table) -> None:
    from django.contrib.auth import get_user_model

    key = _progress_key(job_id)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().defer("content").filter(pk=job_id).first()
        if job is None or job.status != ImportJob.Status.IMPORTING:
            return
        written = write_rows(table.rows, progress=lambda done: cache.set(key, done, timeout=3600))
        summary = {
            **_summary(written.counts, error_rows=written.error_rows, errors=written.errors, table=table),
            "confirmed_by": job.summary.get("confirmed_by"),
        }
        user_id = summary["confirmed_by"]
        actor = get_user_model().objects.filter(pk=user_id).first() if user_id else None
        events.employees_imported(
            job,
            actor=actor,
            created=written.counts.create,
            updated=written.counts.update,
            unchanged=written.counts.unchanged,
            skipped=written.error_rows,
        )
        # The file (personal data) is not kept once it has been imported.
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.DONE,
            processed_rows=len(table.rows),
            summary=summary,
            errors=_stored_errors(written.errors),
            finished_at=timezone.now(),
            content=b"",
        )


def import_job_errors_csv(*, job: ImportJob) -> bytes:
    """The errors kept on ``job`` (the first MAX_STORED_ERRORS, in the order of the file) as a
    CSV to work through in a spreadsheet: line, column, problem; UTF-8 with a BOM, every text
    cell neutralised against formulas as the exports are."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(str(name)) for name in (_("Line"), _("Column"), _("Problem"))])
    for error in job.errors:
        column = str(FIELD_LABELS.get(error.get("column", ""), error.get("column", "")))
        message = str(error.get("message", ""))
        writer.writerow([int(error.get("line", 0)), neutralise(column), neutralise(message)])
    return ("\ufeff" + out.getvalue()).encode()


def template_csv() -> bytes:
    """The downloadable template: the headers and one example row, UTF-8 with a BOM (so that
    Excel opens it with the right encoding)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(TEMPLATE_HEADERS)
    writer.writerow(TEMPLATE_EXAMPLE)
    return ("\ufeff" + out.getvalue()).encode()
