"""What one employee file may hold, and how each excess is told to HR (ImportFileError)."""

from __future__ import annotations

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _


class ImportFileError(Exception):
    """The file as a whole cannot be imported; ``message`` says why, for HR."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


XLSX_MAGIC = b"PK\x03\x04"


#: Excel's own limits: nothing beyond them comes from a spreadsheet.
EXCEL_MAX_ROWS = 1_048_576


EXCEL_MAX_COLUMNS = 16_384


EXCEL_MAX_CELL_CHARS = 32_767


def number_shown(value: int) -> str:
    return number_format(value, force_grouping=True)


def invalid_workbook() -> ImportFileError:
    return ImportFileError(_("This file is not a valid Excel workbook (.xlsx)."))


def workbook_too_large() -> ImportFileError:
    return ImportFileError(
        _(
            "This workbook is too large to read: it expands to more than %(limit)s MB. Keep only "
            "the sheet with the employees (or save it as CSV) and upload it again."
        )
        % {"limit": number_shown(settings.IMPORT_MAX_UNCOMPRESSED_BYTES // (1024 * 1024))}
    )


def cell_too_long(line: int | None) -> ImportFileError:
    if line is None:
        message = _(
            "A cell of the file is longer than %(limit)s characters, more than a spreadsheet cell "
            "holds. Shorten it and upload the file again."
        ) % {"limit": number_shown(EXCEL_MAX_CELL_CHARS)}
    else:
        message = _(
            "Line %(line)s has a cell longer than %(limit)s characters. Shorten it and upload the file again."
        ) % {"line": line, "limit": number_shown(EXCEL_MAX_CELL_CHARS)}
    return ImportFileError(message)


def too_many_rows() -> ImportFileError:
    return ImportFileError(
        _(
            "The file has more than %(limit)s employees (rows below the header). Split it into "
            "smaller files and upload them one by one."
        )
        % {"limit": number_shown(settings.IMPORT_MAX_ROWS)}
    )


def too_many_columns(line: int | None) -> ImportFileError:
    values = {"limit": number_shown(settings.IMPORT_MAX_COLUMNS), "line": line}
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


def too_many_cells() -> ImportFileError:
    return ImportFileError(
        _(
            "The file has more than %(limit)s filled cells. Delete the columns that are not needed "
            "(or split it into smaller files) and upload it again."
        )
        % {"limit": number_shown(settings.IMPORT_MAX_CELLS)}
    )


def workbook_too_complex() -> ImportFileError:
    return ImportFileError(
        _(
            "This workbook is too complex to read (it holds far more than the employees' cells). "
            "Keep only the sheet with the employees (or save it as CSV) and upload it again."
        )
    )
