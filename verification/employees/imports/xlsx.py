"""An .xlsx scanned as a ZIP before openpyxl sees it: parts, sizes, ratios and elements counted
as they stream, within caps, so that a small hostile workbook cannot cost a shared process
time or memory.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext as _

from verification.employees.imports.limits import (
    EXCEL_MAX_CELL_CHARS,
    EXCEL_MAX_COLUMNS,
    EXCEL_MAX_ROWS,
    ImportFileError,
    cell_too_long,
    invalid_workbook,
    number_shown,
    too_many_cells,
    too_many_columns,
    too_many_rows,
    workbook_too_complex,
    workbook_too_large,
)

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


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main "  # as expat names elements


_ROW, _CELL, _VALUE, _TEXT, _SHARED, _FORMULA = (f"{_MAIN}{tag}" for tag in ("row", "c", "v", "t", "si", "f"))


#: Cells (row, column) of formulas without a saved value kept per part: enough to name every
#: one in a sheet of employees; past it, the rows checked still show most of them.
XLSX_MAX_FORMULA_CELLS = 100_000


_CELL_REFERENCE = re.compile(r"([A-Za-z]+)")


@dataclass(slots=True)
class PartScan:
    """The filled cells of one part of a workbook, numbered as openpyxl numbers them."""

    rows: int = 0  # rows with a filled cell
    last_row: int = 0
    last_column: int = 0
    cells: int = 0
    # A formula with no saved value (a file written by a program, never opened in Excel):
    # openpyxl reads it as empty; the checks must say what it is.
    formulas_unsaved: set[tuple[int, int]] = field(default_factory=set)


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
            raise workbook_too_large()
        return data

    def drain(self) -> None:
        while self.read():
            pass

    def close(self) -> None:
        self._stream.close()


def check_zip_directory(content: bytes) -> None:
    """Refuse an archive listing too many parts before zipfile builds an object for each:
    the end-of-directory record gives their number and the directory's size."""
    tail = content[-(22 + 0xFFFF) :]
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise invalid_workbook()
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
    cell_formula = cell_value = False

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal other, group, depth, in_group, row_number, column, row_cells
        nonlocal row_filled, in_cell, cell_filled, in_text, text_length, cell_formula, cell_value
        if group:
            depth += 1
            in_group += 1
            if in_group > XLSX_MAX_GROUP_ELEMENTS:
                raise workbook_too_complex()
            if name in (_VALUE, _TEXT):
                in_text, text_length = True, 0
            elif name == _FORMULA:
                cell_formula = True
            elif name == _CELL and depth == 1 and group == _ROW:
                in_cell, cell_filled = True, False
                # Excel saves a formula's empty text result as t="str" with an empty value;
                # a program that cannot compute formulas (openpyxl) writes no type.
                cell_formula, cell_value = False, attributes.get("t") in ("str", "e")
                row_cells += 1
                reference = attributes.get("r")
                if reference:
                    letters = _CELL_REFERENCE.match(reference)
                    column = _column_number(letters.group(1)) if letters else 0
                else:
                    column += 1
                if row_cells > EXCEL_MAX_COLUMNS or not 0 < column <= EXCEL_MAX_COLUMNS:
                    raise invalid_workbook()
            return
        if name == _ROW:
            group, depth, in_group, row_cells, column, row_filled = _ROW, 0, 0, 0, 0, False
            number = attributes.get("r")
            row_number = int(float(number)) if number else row_number + 1
            if not 0 < row_number <= EXCEL_MAX_ROWS:
                raise invalid_workbook()
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
                    % {"limit": number_shown(max_shared)}
                )
        else:
            other += 1
        if other > max_other:
            raise workbook_too_complex()

    def end(name: str) -> None:
        nonlocal group, depth, row_filled, in_cell, cell_filled, in_text, cell_value
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
                cell_filled = cell_value = True
        elif in_cell and depth == 0:  # the cell's end
            in_cell = False
            if cell_formula and not cell_value and len(scan.formulas_unsaved) < XLSX_MAX_FORMULA_CELLS:
                scan.formulas_unsaved.add((row_number, column))
                row_filled = True
                scan.last_column = max(scan.last_column, column)
            if cell_filled:
                row_filled = True
                scan.cells += 1
                scan.last_column = max(scan.last_column, column)

    def text(data: str) -> None:
        nonlocal text_length
        if in_text:
            text_length += len(data)
            if text_length > EXCEL_MAX_CELL_CHARS:
                raise cell_too_long(row_number if in_cell else None)

    def refuse(*_args: Any) -> None:
        raise invalid_workbook()

    def refuse_external(*_args: Any) -> int:
        raise invalid_workbook()

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
            raise invalid_workbook() from None
        stream.drain()  # not XML: its bytes still count
        return None
    except ValueError:  # a row number that is not one
        raise invalid_workbook() from None
    stream.drain()
    return scan


def _scan_archive(archive: zipfile.ZipFile) -> WorkbookScan:
    spent = [0]
    shared = [0]
    parts: dict[str, PartScan] = {}
    infos = archive.infolist()
    if len(infos) > XLSX_MAX_PARTS:
        raise workbook_too_large()
    for info in infos:
        if info.file_size > XLSX_RATIO_FROM and info.file_size > XLSX_MAX_RATIO * max(info.compress_size, 1):
            raise workbook_too_large()
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
            check_zip_directory(content)
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
        raise invalid_workbook() from None


def check_sheet(part: PartScan) -> None:
    if part.last_row - 1 > settings.IMPORT_MAX_ROWS:
        raise too_many_rows()
    if part.last_column > settings.IMPORT_MAX_COLUMNS:
        raise too_many_columns(None)
    if part.cells > settings.IMPORT_MAX_CELLS:
        raise too_many_cells()
