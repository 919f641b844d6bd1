"""Writing rows: ``write_rows`` checks, classifies and writes in one pass: new employees are
streamed into the table with COPY (mobiles encrypted in Python), updates go through a
temporary table and one UPDATE. ``bench/imports.py`` measures it beside plain COPY.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from verification.crypto import encrypt
from verification.employees.imports.checking import (
    CREATE,
    EMPLOYEE_TABLE,
    PROGRESS_EVERY,
    UPDATE,
    CleanRow,
    Counts,
    ErrorLog,
    RowChecker,
    classify_row,
    existing_employees,
)
from verification.employees.imports.reading import RawRow
from verification.models import Progress
from verification.phones import last4

INSERT_COLUMNS = (
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
    columns = ", ".join(INSERT_COLUMNS)
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {EMPLOYEE_TABLE} ({columns}) FROM STDIN") as copy:
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
                            row.email or "",
                            encrypt(mobile) if mobile else None,
                            last4(mobile),
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
                    last4(row.mobile) if row.mobile else None,
                    row.mobile_digest,
                    row.department or "",
                    row.location or "",
                )
            )
    # An update without a (new) mobile keeps the one on file.
    cursor.execute(
        f"UPDATE {EMPLOYEE_TABLE} AS e SET full_name = u.full_name, email = u.email, "  # noqa: S608
        "mobile = COALESCE(u.mobile, e.mobile), "
        "mobile_last4 = COALESCE(u.mobile_last4, e.mobile_last4), "
        "mobile_digest = COALESCE(u.mobile_digest, e.mobile_digest), "
        "department = u.department, location = u.location, updated_at = %s "
        "FROM tika_import_update AS u WHERE e.id = u.id",
        [now],
    )
    cursor.execute("DROP TABLE tika_import_update")
