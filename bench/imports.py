"""Bulk import: rows per second through the real import service, beside psycopg COPY.

50,000 generated employees (valid Indian mobiles, departments, locations) as a UTF-8 CSV,
imported into an empty employee table of a throw-away bench organization:

* ``import_rows_per_s``: ``import_job_confirm`` of a checked job, run inline: the service
  reads the CSV again, checks every row (e-mail, mobile with ``phonenumbers``), compares
  with the employees on file, encrypts every mobile (Fernet, in Python) and writes it all
  in one transaction, with its audit event. The preview before it (``import_job_create``:
  read and check, no writes) is printed as ``import_preview_rows_per_s``.
* ``import_copy_rows_per_s`` (baseline): psycopg ``COPY ... FROM STDIN`` of the same final
  rows (mobiles already encrypted, outside the clock) into the same table.
* ``import_encrypt_rows_per_s``: ``verification.crypto.encrypt`` alone over the 50,000
  mobiles, to show what the encryption costs.

The two configurations alternate for ``ROUNDS`` rounds, each keeping its best; the table is
emptied before every round.
"""

from __future__ import annotations

import csv
import io
import random
import time

from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone
from django_tenants.utils import schema_context

from bench import Figure, timed
from bench.throwaway import bench_organization
from verification.crypto import encrypt, lookup_digest
from verification.employees.imports.services import import_job_confirm, import_job_create
from verification.employees.imports.writing import INSERT_COLUMNS
from verification.models import Employee, ImportJob, Progress
from verification.phones import normalize_indian_mobile

ROWS = 50_000
ROUNDS = 3
DEPARTMENTS = ("Finance", "Sales", "Operations", "Engineering", "HR", "Legal", "Support")
LOCATIONS = ("Pune", "Mumbai", "Delhi", "Bengaluru", "Chennai", "Kolkata", "Hyderabad")


Row = tuple[str, str, str, str, str, str]


def generated_rows(count: int = ROWS, seed: int = 2026) -> list[Row]:
    """``count`` employees: code, name, email, a valid 10-digit mobile, department, location."""
    rng = random.Random(seed)  # noqa: S311  # test data, not secrets
    rows: list[Row] = []
    seen: set[str] = set()
    while len(rows) < count:
        mobile = f"9{rng.randrange(10**9):09d}"
        if mobile in seen:
            continue
        try:
            normalize_indian_mobile(mobile)
        except Exception:  # noqa: S112  # a number outside India's mobile ranges
            continue
        seen.add(mobile)
        i = len(rows) + 1
        rows.append(
            (
                f"E{i:06d}",
                f"Person {i:06d}",
                f"person.{i:06d}@example.com",
                mobile,
                rng.choice(DEPARTMENTS),
                rng.choice(LOCATIONS),
            )
        )
    return rows


def as_csv(rows: list[Row]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("Employee code", "Full name", "Email", "Mobile", "Department", "Location"))
    writer.writerows(rows)
    return out.getvalue().encode()


def _empty_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Employee._meta.db_table} CASCADE")
    ImportJob.objects.all().delete()


def service_round(content: bytes) -> tuple[float, float]:
    """Seconds for the preview and for the import of ``content``, through the services."""
    _empty_table()
    # Inline: the same services a Celery task calls for a large file, without the queue.
    with override_settings(IMPORT_ASYNC_ROWS=ROWS * 2):
        preview_s, job = timed(lambda: import_job_create(filename="bench.csv", content=content))
        assert job.status == ImportJob.Status.VALIDATED, job.failure
        assert job.summary["create"] == ROWS, job.summary
        import_s, _ = timed(lambda: import_job_confirm(job=job))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.failure
    assert Employee.objects.count() == ROWS
    return preview_s, import_s


def copy_round(rows: list[Row]) -> float:
    """Seconds for COPY of the same final rows (encrypted beforehand) into the same table."""
    _empty_table()
    now = timezone.now().isoformat()  # as the service formats it: once, as COPY text
    final = []
    for code, name, email, mobile, department, location in rows:
        e164 = f"+91{mobile}"
        final.append(
            (
                code,
                name,
                email,
                encrypt(e164),
                e164[-4:],
                lookup_digest(e164),
                department,
                location,
                "t",
                Progress.NOT_INVITED.value,
                now,
                now,
            )
        )
    columns = ", ".join(INSERT_COLUMNS)
    started = time.perf_counter()
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {Employee._meta.db_table} ({columns}) FROM STDIN") as copy,
    ):
        for row in final:
            copy.write_row(row)
    elapsed = time.perf_counter() - started
    assert Employee.objects.count() == ROWS
    return elapsed


def run() -> list[Figure]:
    rows = generated_rows()
    content = as_csv(rows)
    previews: list[float] = []
    service: list[float] = []
    copies: list[float] = []
    with bench_organization() as organization, schema_context(organization.schema_name):
        for _ in range(ROUNDS):
            copies.append(copy_round(rows))
            preview_s, import_s = service_round(content)
            previews.append(preview_s)
            service.append(import_s)
        mobiles = [f"+91{row[3]}" for row in rows]
        encrypt_s, _ = timed(lambda: [encrypt(m) for m in mobiles])
    note = f"{ROWS:,} rows, {len(content) / 1e6:.1f} MB CSV, best of {ROUNDS}"
    copy = Figure(
        "import_copy_rows_per_s", ROWS / min(copies), "rows/s", "higher", note=f"{note}, psycopg COPY"
    )
    return [
        Figure(
            "import_rows_per_s",
            ROWS / min(service),
            "rows/s",
            "higher",
            baseline=copy,
            note=f"{note}; import_job_confirm: read, check, encrypt, write in one transaction",
        ),
        Figure(
            "import_preview_rows_per_s",
            ROWS / min(previews),
            "rows/s",
            "higher",
            note="import_job_create: read and check the file, compare with the table; writes nothing",
        ),
        Figure(
            "import_encrypt_rows_per_s",
            ROWS / encrypt_s,
            "rows/s",
            "higher",
            note="verification.crypto.encrypt (Fernet) alone over the same mobiles",
        ),
    ]
