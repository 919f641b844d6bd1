"""Import jobs: ``import_job_create`` stores an upload; ``import_job_validate`` builds the preview;
``import_job_confirm`` and ``import_job_run`` write every valid row in one transaction (an
upsert by employee code). Files of more than ``IMPORT_ASYNC_ROWS`` rows are checked and
written by Celery tasks (ids only); smaller ones run inline through the same functions.

Nothing is written before HR confirms the preview, and no audit event holds personal data
(the import's event has counts and the file name only).
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenants.duework import Kind as DueKind
from tenants.duework import due_work_mark
from verification import events
from verification.employees.imports.checking import Counts, ErrorLog, check_rows, classify, existing_employees
from verification.employees.imports.columns import HEADER_KEY_CHARS, TEMPLATE_EXAMPLE, TEMPLATE_HEADERS
from verification.employees.imports.limits import ImportFileError
from verification.employees.imports.reading import (
    IGNORED_HEADER_CHARS,
    IGNORED_HEADERS_SHOWN,
    UNMAPPED,
    Table,
    estimate_rows,
    file_kind,
    read_table,
)
from verification.employees.imports.selectors import column_mappings, progress_key
from verification.employees.imports.writing import write_rows
from verification.events import Actor
from verification.models import ImportColumnMapping, ImportJob
from verification.queue import Task, enqueue
from verification.snapshots import snapshot_soon

logger = logging.getLogger(__name__)


#: A preview not confirmed within this time is cancelled and its file dropped.
UNCONFIRMED_KEPT_FOR = timedelta(hours=24)


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
    with transaction.atomic():
        job = ImportJob.objects.create(
            filename=filename[-255:],
            content=content,
            created_by=user,  # type: ignore[misc]  # the organization's user model
            total_rows=0,
        )
        due_work_mark(kind=DueKind.IMPORTS, at=job.created_at + UNCONFIRMED_KEPT_FOR)
    _start_check(job, rows)
    return job


def _start_check(job: ImportJob, rows: int) -> None:
    if _runs_inline(rows):
        import_job_validate(job_id=job.pk)
        job.refresh_from_db()
    else:
        job_id = job.pk
        enqueue(Task.IMPORT_JOB_VALIDATE, job_id)


#: Statuses a job may be cancelled from: every one before rows are written.
CANCELLABLE = (
    ImportJob.Status.UPLOADED,
    ImportJob.Status.VALIDATING,
    ImportJob.Status.MAPPING,
    ImportJob.Status.VALIDATED,
    ImportJob.Status.CONFIRMED,
)


def _failed(job_id: int, message: str) -> None:
    # A job cancelled meanwhile stays cancelled (its file is already gone).
    ImportJob.objects.filter(pk=job_id).exclude(status=ImportJob.Status.CANCELLED).update(
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


def _read(job: ImportJob, remembered: dict[str, str]) -> Table:
    table = read_table(job.filename, _stored_file(job.pk), remembered=remembered)
    job.total_rows = len(table.rows)
    ImportJob.objects.filter(pk=job.pk).update(total_rows=job.total_rows, processed_rows=0)
    return table


#: Shown when checking a file fails in a way nobody foresaw (the error is logged).
CHECK_FAILED = gettext_lazy(
    "The file could not be checked. Save it again from your spreadsheet (as .xlsx, or as CSV UTF-8) "
    "and upload it again; if that fails too, write to us."
)


def _shown_header(name: str) -> str:
    return name if len(name) <= IGNORED_HEADER_CHARS else f"{name[:IGNORED_HEADER_CHARS]}…"


def _reading(table: Table, remembered: dict[str, str]) -> dict[str, Any]:
    """How the file was read, for the preview (encoding, delimiter, each header's meaning),
    and the remembered mappings it used: the confirm step reads the file with exactly those,
    whatever HR maps meanwhile on another upload."""
    used = {read.key for read in table.headers}
    return {
        "encoding": table.encoding,
        "delimiter": table.delimiter,
        "headers": [
            {
                "header": _shown_header(read.header),
                "key": read.key,
                "field": read.field,
                "source": read.source,
            }
            for read in table.headers
        ],
        "remembered": {key: field for key, field in remembered.items() if key in used},
    }


def _summary(counts: Counts, *, error_rows: int, errors: ErrorLog, table: Table) -> dict[str, Any]:
    ignored = table.ignored_headers
    return {
        "create": counts.create,
        "update": counts.update,
        "unchanged": counts.unchanged,
        "error": error_rows,
        "errors_total": errors.total,
        "columns": list(table.columns),
        "ignored_columns": [_shown_header(name) for name in ignored[:IGNORED_HEADERS_SHOWN]],
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
        remembered = column_mappings()
        table = _read(job, remembered)
        reading = _reading(table, remembered)
        if table.unmapped:
            # HR says what the other columns are before any row is judged by them.
            ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.VALIDATING).update(
                status=ImportJob.Status.MAPPING,
                processed_rows=job.total_rows,
                summary={**reading, "missing": list(table.missing)},
                errors=[],
            )
            return
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
        summary={
            **_summary(counts, error_rows=checked.error_rows, errors=checked.errors, table=table),
            **reading,
        },
        errors=_stored_errors(checked.errors),
    )


def import_job_map_columns(
    *, job: ImportJob, choices: dict[str, tuple[str, str]], actor: Actor = None
) -> bool:
    """HR's answer for the columns no alias matched (header key -> (the header as written, a
    field or IGNORE)): remembered for this organization, then the file is checked again with
    them (inline, or in a task for a large file). False when the job is not waiting for it."""
    user = actor if actor is not None and actor.is_authenticated else None
    with transaction.atomic():
        moved = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.MAPPING).update(
            status=ImportJob.Status.UPLOADED, processed_rows=0
        )
        if not moved:
            return False
        for key, (label, field) in choices.items():
            ImportColumnMapping.objects.update_or_create(  # type: ignore[misc]  # the organization's user model
                header=key[:HEADER_KEY_CHARS],
                defaults={"label": label[:100], "field": field, "updated_by": user},
            )
    _start_check(job, job.total_rows)
    return True


def unmapped_headers(job: ImportJob) -> list[dict[str, str]]:
    """The headers of a job waiting for HR's mapping, as the preview stored them."""
    return [read for read in (job.summary or {}).get("headers", []) if read.get("source") == UNMAPPED]


def import_job_confirm(*, job: ImportJob, actor: Actor = None) -> bool:
    """HR confirmed the preview: import every valid row (inline for a small file, else in a
    task). False when the job is not waiting for a confirmation (already confirmed, say)."""
    user_id = actor.pk if actor is not None and actor.is_authenticated else None
    summary = {**job.summary, "confirmed_by": user_id}
    started = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.VALIDATED).update(
        status=ImportJob.Status.CONFIRMED, processed_rows=0, summary=summary
    )
    if not started:
        return False
    if _runs_inline(job.total_rows):
        import_job_run(job_id=job.pk)
    else:
        job_id = job.pk
        enqueue(Task.IMPORT_JOB_RUN, job_id)
    return True


def import_job_cancel(*, job: ImportJob) -> bool:
    """Drop an upload HR does not want, at any step before its rows are written (while it is
    checked, mapped, previewed, or confirmed but not yet started); False once writing has
    started or the job is over. A check still running finds the job cancelled and stops."""
    return bool(
        ImportJob.objects.filter(pk=job.pk, status__in=CANCELLABLE).update(
            status=ImportJob.Status.CANCELLED, finished_at=timezone.now(), content=b""
        )
    )


def import_jobs_expire(*, older_than: timedelta = UNCONFIRMED_KEPT_FOR) -> int:
    """Drop the files of jobs left behind for ``older_than`` (personal data is not kept for an
    import that will not happen) and return how many: previews nobody confirmed are
    cancelled; jobs whose task was lost (still checking or importing) fail."""
    now = timezone.now()
    old = ImportJob.objects.filter(created_at__lt=now - older_than)
    cancelled = old.filter(
        status__in=(ImportJob.Status.UPLOADED, ImportJob.Status.MAPPING, ImportJob.Status.VALIDATED)
    ).update(status=ImportJob.Status.CANCELLED, finished_at=now, content=b"")
    failed = old.filter(
        status__in=(ImportJob.Status.VALIDATING, ImportJob.Status.CONFIRMED, ImportJob.Status.IMPORTING)
    ).update(
        status=ImportJob.Status.FAILED,
        failure=_("The import was interrupted and nothing was written. Upload the file again."),
        finished_at=now,
        content=b"",
    )
    return cancelled + failed


def import_jobs_next_due(*, older_than: timedelta = UNCONFIRMED_KEPT_FOR) -> datetime | None:
    """When ``import_jobs_expire`` next has a job to drop (None: no job still holds a file)."""
    # Every status import_jobs_expire acts on (a job still holding its file).
    waiting = (
        ImportJob.Status.UPLOADED,
        ImportJob.Status.MAPPING,
        ImportJob.Status.VALIDATED,
        ImportJob.Status.VALIDATING,
        ImportJob.Status.CONFIRMED,
        ImportJob.Status.IMPORTING,
    )
    first = ImportJob.objects.filter(status__in=waiting).aggregate(first=Min("created_at"))["first"]
    return first + older_than if first is not None else None


def import_job_run(*, job_id: int) -> None:
    """Write every valid row of a confirmed job in one transaction (created or updated by
    employee code; rows with errors are skipped) with one audit event that counts them.

    The file is checked again, against the employees on file at this moment, so the counts
    stored are what was written. Safe to repeat: only a job still importing is written, and
    the job row is locked while it is. On any error nothing is written and the job fails.
    Writing starts when the job moves from confirmed to importing: until then HR may cancel.
    """
    started = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.CONFIRMED).update(
        status=ImportJob.Status.IMPORTING
    )
    job = _load(job_id, ImportJob.Status.IMPORTING) if started else None
    if job is None:
        return
    try:
        # The mappings the preview used, not whatever is remembered now.
        table = _read(job, dict(job.summary.get("remembered", {})))
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
        cache.delete(progress_key(job_id))


def _write(job_id: int, table: Table) -> None:
    from django.contrib.auth import get_user_model

    key = progress_key(job_id)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().defer("content").filter(pk=job_id).first()
        if job is None or job.status != ImportJob.Status.IMPORTING:
            return
        written = write_rows(table.rows, progress=lambda done: cache.set(key, done, timeout=3600))
        summary = {
            **_summary(written.counts, error_rows=written.error_rows, errors=written.errors, table=table),
            **_reading(table, dict(job.summary.get("remembered", {}))),
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
        snapshot_soon()  # the first numbers of a new organization: the trend starts today
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
