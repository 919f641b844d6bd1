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
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from verification import events
from verification.crypto import encrypt, lookup_digest
from verification.events import Actor
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

#: Errors kept on the job (the count of all of them is in the summary).
MAX_STORED_ERRORS = 1000
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
    """A cheap upper bound of the data rows, to choose between inline and background work."""
    if file_kind(filename, content) == "csv":
        return content.count(b"\n") + 1
    try:
        import openpyxl

        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = sheet.max_row
        workbook.close()
    except Exception:  # a broken workbook is reported by the check itself
        return 0
    # Unknown dimensions: treat as large, so the work goes to the background.
    return rows if rows is not None else 10**9


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


def _csv_records(content: bytes) -> Iterator[tuple[int, list[str]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(_("The file is not UTF-8 text. In Excel, use “Save as → CSV UTF-8”.")) from None
    first_line = next((line for line in io.StringIO(text) if line.strip()), "")
    try:
        delimiter = csv.Sniffer().sniff(first_line, delimiters=",;").delimiter
    except csv.Error:
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for record in reader:
            cells = [cell.strip() for cell in record]
            if any(cell[:1] == "'" for cell in cells):
                cells = [_cell_text(cell) for cell in cells]
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFileError(
            _("Line %(line)d of the file cannot be read (%(reason)s).")
            % {"line": reader.line_num, "reason": exc}
        ) from None


def _xlsx_records(content: bytes) -> Iterator[tuple[int, list[str]]]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a zip that is not a workbook
        raise ImportFileError(_("This file is not a valid Excel workbook (.xlsx).")) from None
    try:
        sheet = workbook.worksheets[0]
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, [_cell_text(cell) for cell in values]
    finally:
        workbook.close()


def read_table(filename: str, content: bytes) -> Table:
    """The rows of the file's first sheet keyed by canonical field, blank rows left out.

    ImportFileError: wrong type, empty, unreadable, a required column missing, a column named
    twice, or headers without a single row.
    """
    kind = file_kind(filename, content)
    records = _csv_records(content) if kind == "csv" else _xlsx_records(content)
    header: list[str] | None = None
    positions: list[tuple[int, str]] = []
    ignored: list[str] = []
    rows: list[RawRow] = []
    for line, cells in records:
        if not any(cells):
            continue
        if header is None:
            header = cells
            positions, ignored = _map_header(cells)
            continue
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


@dataclass
class Checked:
    rows: list[CleanRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
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
        if code in self.repeated:
            # Neither row is imported: which one HR meant is theirs to say.
            others = ", ".join(str(other) for other in self.repeated[code] if other != line)
            message = _("Employee code %(code)s is also on line(s) %(lines)s.") % {
                "code": code,
                "lines": others,
            }
            errors.append(RowError(line, "code", message))
        if errors:
            return None, errors
        return CleanRow(line, code, full_name, email, mobile, digest, department, location), errors


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
            checked.errors.extend(errors)
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
    errors: list[RowError]
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
    errors: list[RowError] = []
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
                    errors.extend(row_errors)
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


def access_import_job(job_id: int) -> ImportJob:
    """The import job ``job_id`` of this organization; Http404 whether it is missing or not
    ours (another organization's jobs live in a schema this query cannot see)."""
    job = ImportJob.objects.defer("content").filter(pk=job_id).first()
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
    return ImportJob.objects.filter(pk=job_id, status__in=statuses).first()


def _read(job: ImportJob) -> Table:
    table = read_table(job.filename, bytes(job.content))
    job.total_rows = len(table.rows)
    ImportJob.objects.filter(pk=job.pk).update(total_rows=job.total_rows, processed_rows=0)
    return table


def _summary(counts: Counts, *, error_rows: int, errors: Sequence[RowError], table: Table) -> dict[str, Any]:
    return {
        "create": counts.create,
        "update": counts.update,
        "unchanged": counts.unchanged,
        "error": error_rows,
        "errors_total": len(errors),
        "columns": list(table.columns),
        "ignored_columns": list(table.ignored_headers),
    }


def _stored_errors(errors: Sequence[RowError]) -> list[dict[str, Any]]:
    return [error.as_dict() for error in sorted(errors, key=lambda e: e.line)[:MAX_STORED_ERRORS]]


def import_job_validate(*, job_id: int) -> None:
    """Check the job's file and store the preview (counts and errors by line and column).

    Writes nothing but the job. Safe to repeat: a job already checked is left alone.
    """
    updated = ImportJob.objects.filter(
        pk=job_id, status__in=(ImportJob.Status.UPLOADED, ImportJob.Status.VALIDATING)
    ).update(status=ImportJob.Status.VALIDATING)
    job = _load(job_id, ImportJob.Status.VALIDATING) if updated else None
    if job is None:
        return
    try:
        table = _read(job)
    except ImportFileError as exc:
        _failed(job_id, exc.message)
        return

    def progress(done: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(processed_rows=done)

    checked = check_rows(table.rows, progress=progress)
    counts = classify(checked.rows, existing_employees(row.code for row in checked.rows))
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


def template_csv() -> bytes:
    """The downloadable template: the headers and one example row, UTF-8 with a BOM (so that
    Excel opens it with the right encoding)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(TEMPLATE_HEADERS)
    writer.writerow(TEMPLATE_EXAMPLE)
    return ("\ufeff" + out.getvalue()).encode()
