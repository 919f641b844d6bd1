"""Reads of import jobs: the one way a request reaches a job, progress, the error file."""

from __future__ import annotations

import csv
import io

from django.core.cache import cache
from django.http import Http404
from django.utils.translation import gettext as _

from verification.employees.imports.columns import FIELD_LABELS
from verification.models import ImportColumnMapping, ImportJob
from verification.spreadsheets import neutralise

PAGE_ERRORS = 100


def access_import_job(job_id: int, *, defer_errors: bool = False) -> ImportJob:
    """The import job ``job_id`` of this organization, without its file (and, with
    ``defer_errors``, errors loaded only if read); Http404 whether it is missing or not ours
    (another organization's jobs live in a schema this query cannot see)."""
    deferred = ("content", "errors") if defer_errors else ("content",)
    job = ImportJob.objects.defer(*deferred).filter(pk=job_id).first()
    if job is None:
        raise Http404("No such import.")
    return job


def import_jobs_recent(limit: int = 5) -> list[ImportJob]:
    """The newest uploads, for the upload page (without their files or errors)."""
    return list(ImportJob.objects.defer("content", "errors").select_related("created_by")[:limit])


def import_job_is_running(job: ImportJob) -> bool:
    return job.status in (
        ImportJob.Status.UPLOADED,
        ImportJob.Status.VALIDATING,
        ImportJob.Status.CONFIRMED,
        ImportJob.Status.IMPORTING,
    )


def column_mappings() -> dict[str, str]:
    """This organization's remembered answers for unrecognised columns: header key -> a
    field, or IGNORE."""
    return dict(ImportColumnMapping.objects.values_list("header", "field"))


def progress_key(job_id: int) -> str:
    # The cache key function adds the organization.
    return f"import-progress:{job_id}"


def import_job_progress(job: ImportJob) -> int:
    """Rows done so far. While rows are written the count lives in the cache: the job row is
    only updated when the transaction that writes them commits."""
    if job.status == ImportJob.Status.IMPORTING:
        return int(cache.get(progress_key(job.pk), 0))
    return job.processed_rows


def import_job_errors_csv(*, job: ImportJob) -> bytes:
    """The errors kept on ``job`` (the first MAX_STORED_ERRORS, in the order of the file) as a
    CSV to work through in a spreadsheet: line, column, the value refused (a mobile masked but
    for its last 4 characters), problem; UTF-8 with a BOM, every text
    cell neutralised against formulas as the exports are."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(str(name)) for name in (_("Line"), _("Column"), _("Value"), _("Problem"))])
    for error in job.errors:
        column = str(FIELD_LABELS.get(error.get("column", ""), error.get("column", "")))
        message = str(error.get("message", ""))
        value = str(error.get("value", ""))
        writer.writerow(
            [int(error.get("line", 0)), neutralise(column), neutralise(value), neutralise(message)]
        )
    return ("\ufeff" + out.getvalue()).encode()
