"""Checking rows (pure but for one lookup): ``RowChecker`` / ``check_rows`` validate every row
(required fields, e-mail, Indian mobile, lengths, codes repeated inside the file) and
``classify_row`` compares a valid row with the employee on file: create, update or unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenants.validators import PLAIN_TEXT_MESSAGE, has_control_characters
from verification.employees.imports.columns import FIELD_LABELS, MAX_LENGTHS, REQUIRED_FIELDS
from verification.employees.imports.limits import number_shown
from verification.employees.imports.reading import RawRow
from verification.models import Employee
from verification.phones import StoredMobile, Typed, masked, normalize_indian_mobile_explained

#: Errors kept on the job (the count of all of them is in the summary), in the order of the
#: file; the page shows the first PAGE_ERRORS, the error file (CSV) all those kept.
MAX_STORED_ERRORS = 1000


#: Other lines named in the error of a code given more than once.
DUPLICATE_LINES_SHOWN = 5


#: How often (rows) a job's progress is written while it is checked.
PROGRESS_EVERY = 2000


#: Characters of a bad value shown beside its error (the page and the error file).
VALUE_CHARS = 60


def shown_value(column: str, value: str) -> str:
    """A cell's value as shown beside its error: a mobile masked but for its last 4
    characters, control characters made visible (U+FFFD), long text cut."""
    if column == "mobile":
        value = masked(value)
    if has_control_characters(value):
        value = "".join("\ufffd" if has_control_characters(c) else c for c in value)
    return value if len(value) <= VALUE_CHARS else f"{value[:VALUE_CHARS]}…"


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    column: str  # a canonical field
    message: str
    value: str = ""  # as shown (``shown_value``)

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "message": self.message, "value": self.value}


@dataclass(slots=True)
class CleanRow:
    """A valid row, normalized as ``employee_create`` would store it. An empty optional cell
    (or a missing column) is None: it leaves the value on file as it is."""

    line: int
    code: str
    full_name: str
    email: str | None  # None: an empty cell, which keeps the address on file
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
    # Excel writes numbers as floats into CSV too ("9876543210.0"): exact, so read as the
    # whole number. Any other fraction or an exponent is refused (``phones.shortened``).
    whole, dot, zeros = value.partition(".")
    return whole if dot and whole.isdigit() and zeros and not zeros.strip("0") else value


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


FORMULA_MESSAGE = gettext_lazy(
    "This cell holds a formula without a saved value; open the file in Excel, save it, upload again."
)


def _presence_and_length_errors(line: int, formulas: tuple[str, ...], *fields: str | None) -> list[RowError]:
    errors = []
    for name, value in zip(("code", "full_name", "email", "department", "location"), fields, strict=True):
        if not value and name in REQUIRED_FIELDS and name not in formulas:
            message = _("%(field)s is required.") % {"field": FIELD_LABELS[name]}
            errors.append(RowError(line, name, message))
        elif value and len(value) > MAX_LENGTHS[name]:
            message = _("Longer than %(max)d characters.") % {"max": MAX_LENGTHS[name]}
            errors.append(RowError(line, name, message, shown_value(name, value)))
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
            not (code and full_name)
            or len(code) > limit["code"]
            or len(full_name) > limit["full_name"]
            or len(email) > limit["email"]
            or (department and len(department) > limit["department"])
            or (location and len(location) > limit["location"])
        ):
            # The rare row with a missing or overlong cell (kept off the common path).
            errors.extend(
                _presence_and_length_errors(line, raw.formulas, code, full_name, email, department, location)
            )
        if raw.formulas:
            errors.extend(RowError(line, name, str(FORMULA_MESSAGE)) for name in raw.formulas)
        if email and len(email) <= MAX_LENGTHS["email"]:
            try:
                self.validate_email(email)
            except ValidationError:
                errors.append(
                    RowError(line, "email", _("Not a valid e-mail address."), shown_value("email", email))
                )
        mobile = digest = None
        mobile_text = _mobile_text(values.get("mobile", "").strip())
        if not email and not mobile_text:
            errors.append(
                RowError(line, "email", _("An e-mail or a mobile number is needed to invite them."))
            )
        if mobile_text:
            try:
                mobile = normalize_indian_mobile_explained(mobile_text, Typed.FILE)
            except ValidationError as refused:
                errors.append(
                    RowError(line, "mobile", refused.messages[0], shown_value("mobile", mobile_text))
                )
            else:
                digest = StoredMobile.of(mobile).digest
        for name, value in (
            ("code", code),
            ("full_name", full_name),
            ("department", department),
            ("location", location),
        ):
            if value and has_control_characters(value):
                errors.append(RowError(line, name, str(PLAIN_TEXT_MESSAGE), shown_value(name, value)))
        repeated = self.repeated.get(code)
        if repeated is not None:
            # No row of the group is imported: which one HR meant is theirs to say.
            errors.append(
                RowError(line, "code", _duplicate_message(code, line, repeated), shown_value("code", code))
            )
        if errors:
            return None, errors
        return CleanRow(line, code, full_name, email or None, mobile, digest, department, location), errors


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
            "count": number_shown(len(lines)),
            "first": first,
        }
    others = ", ".join(str(other) for other in lines[1 : DUPLICATE_LINES_SHOWN + 1])
    if len(lines) > DUPLICATE_LINES_SHOWN + 1:
        others += ", …"
    return _(
        "Employee code %(code)s is on %(count)s lines (this one and line(s) %(lines)s); "
        "none of them is imported."
    ) % {"code": shown, "count": number_shown(len(lines)), "lines": others}


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


EMPLOYEE_TABLE = Employee._meta.db_table


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
    new_email = email if row.email is None else row.email
    new_department = department if row.department is None else row.department
    new_location = location if row.location is None else row.location
    same_mobile = row.mobile_digest is None or row.mobile_digest == mobile_digest
    if (
        row.full_name == full_name
        and new_email == email
        and new_department == department
        and new_location == location
        and same_mobile
    ):
        return UNCHANGED, pk, row
    update = replace(row, email=new_email, department=new_department, location=new_location)
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
            f"SELECT {', '.join(_EXISTING_FIELDS)} FROM {EMPLOYEE_TABLE} WHERE code = ANY(%s)",  # noqa: S608
            [list(codes)],
        )
        return {values[0]: values for values in cursor.fetchall()}
