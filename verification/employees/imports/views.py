"""HR's bulk import of employees: upload, preview, confirm, progress, the error file."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.proxies import client_ip
from verification import events
from verification.account.permissions import EMPLOYEE_MANAGERS, role_required
from verification.employees.imports.columns import COLUMN_ALIASES, FIELD_LABELS, IGNORE, REQUIRED_FIELDS
from verification.employees.imports.forms import ColumnMappingForm, ImportUploadForm
from verification.employees.imports.limits import ImportFileError
from verification.employees.imports.reading import ALIAS, DELIMITERS, ENCODINGS, REMEMBERED
from verification.employees.imports.selectors import (
    PAGE_ERRORS,
    access_import_job,
    import_job_errors_csv,
    import_job_is_running,
    import_job_progress,
    import_jobs_recent,
)
from verification.employees.imports.services import (
    CANCELLABLE,
    import_job_cancel,
    import_job_confirm,
    import_job_create,
    import_job_map_columns,
    template_csv,
    unmapped_headers,
)
from verification.models import ImportJob


def _aliases() -> list[tuple[str, bool, tuple[str, ...]]]:
    return [
        (str(FIELD_LABELS[name]), name in REQUIRED_FIELDS, aliases)
        for name, aliases in COLUMN_ALIASES.items()
    ]


def _upload_page(request: HttpRequest, form: ImportUploadForm, status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "aliases": _aliases(),
        "max_mb": settings.IMPORT_MAX_BYTES // (1024 * 1024),
        "max_rows": number_format(settings.IMPORT_MAX_ROWS, force_grouping=True),
        "max_columns": number_format(settings.IMPORT_MAX_COLUMNS, force_grouping=True),
        "max_cells": number_format(settings.IMPORT_MAX_CELLS, force_grouping=True),
        "recent": import_jobs_recent(),
    }
    return render(request, "imports/upload.html", context, status=status)


@role_required(*EMPLOYEE_MANAGERS)
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method != "POST":
        return _upload_page(request, form)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = import_job_create(filename=upload.name, content=upload.read(), actor=request.user)
        except ImportFileError as exc:
            form.add_error("file", exc.message)
        else:
            if job.status != ImportJob.Status.FAILED:
                return redirect("imports:job", job_id=job.pk)
            # A small file is checked at once: say what is wrong right here.
            form.add_error("file", job.failure)
    return _upload_page(request, form, status=400)


def _mapping_form(job: ImportJob, data: Any = None) -> ColumnMappingForm | None:
    if job.status != ImportJob.Status.MAPPING:
        return None
    summary = job.summary or {}
    present = [read["field"] for read in summary.get("headers", []) if read.get("field")]
    return ColumnMappingForm(
        data, unmapped=unmapped_headers(job), present=present, missing=list(summary.get("missing", []))
    )


def _headers_read(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Each header of the file and what it was read as, for the preview."""
    shown = []
    for read in summary.get("headers", []):
        field = read.get("field", "")
        shown.append(
            {
                "header": read.get("header", ""),
                "label": FIELD_LABELS.get(field, "") if field != IGNORE else "",
                "alias": read.get("source") == ALIAS,
                "remembered": read.get("source") == REMEMBERED,
                "ignored": read.get("source") == REMEMBERED and field == IGNORE,
            }
        )
    return shown


def _job_context(job: ImportJob, mapping_form: ColumnMappingForm | None = None) -> dict[str, Any]:
    processed = import_job_progress(job)
    percent = min(100, processed * 100 // job.total_rows) if job.total_rows else 0
    summary = job.summary or {}
    running = import_job_is_running(job)
    # The polling panel of a running job shows no errors: they are not even loaded.
    stored = [] if running else job.errors
    shown = stored[:PAGE_ERRORS]
    ignored_total = summary.get("ignored_columns_total", len(summary.get("ignored_columns", [])))
    return {
        "job": job,
        "processed": processed,
        "Status": ImportJob.Status,
        "running": running,
        "percent": percent,
        "summary": summary,
        "more_ignored": max(0, ignored_total - len(summary.get("ignored_columns", []))),
        "errors_total": summary.get("errors_total", len(stored)),
        "errors_stored": len(stored),
        "more_errors": max(0, summary.get("errors_total", 0) - len(shown)),
        "errors": [
            {**error, "column_label": FIELD_LABELS.get(error.get("column", ""), error.get("column"))}
            for error in shown
        ],
        "cancellable": job.status in CANCELLABLE,
        "encoding": ENCODINGS.get(summary.get("encoding", ""), ""),
        "delimiter": DELIMITERS.get(summary.get("delimiter", ""), ""),
        "headers_read": _headers_read(summary),
        "mapping_form": mapping_form or _mapping_form(job),
    }


@role_required(*EMPLOYEE_MANAGERS)
@require_GET
def job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = access_import_job(job_id, defer_errors=True)
    context = _job_context(job)
    if getattr(request, "htmx", False):
        return render(request, "imports/_job_panel.html", context)
    return render(request, "imports/job.html", context)


@role_required(*EMPLOYEE_MANAGERS)
@require_POST
def job_columns(request: HttpRequest, job_id: int) -> HttpResponse:
    """HR maps the columns no alias matched; the file is then checked again."""
    job = access_import_job(job_id)
    form = _mapping_form(job, request.POST)
    if form is None:
        messages.info(request, _("This import is not waiting for its columns to be mapped."))
        return redirect("imports:job", job_id=job.pk)
    if not form.is_valid():
        return render(request, "imports/job.html", _job_context(job, form), status=400)
    if import_job_map_columns(job=job, choices=form.choices(), actor=request.user):
        messages.success(
            request, _("Columns mapped; this organization's next files will be read the same way.")
        )
    return redirect("imports:job", job_id=job.pk)


@role_required(*EMPLOYEE_MANAGERS)
@require_POST
def job_confirm(request: HttpRequest, job_id: int) -> HttpResponse:
    job = access_import_job(job_id)
    if not import_job_confirm(job=job, actor=request.user):
        messages.info(request, _("This import is not waiting for a confirmation."))
    return redirect("imports:job", job_id=job.pk)


@role_required(*EMPLOYEE_MANAGERS)
@require_POST
def job_cancel(request: HttpRequest, job_id: int) -> HttpResponse:
    job = access_import_job(job_id)
    if import_job_cancel(job=job):
        messages.info(request, _("Import cancelled: nothing was written."))
        return redirect("imports:upload")
    messages.info(request, _("This import can no longer be cancelled."))
    return redirect("imports:job", job_id=job.pk)


@role_required(*EMPLOYEE_MANAGERS)
@require_GET
def job_errors(request: HttpRequest, job_id: int) -> HttpResponse:
    job = access_import_job(job_id)
    content = import_job_errors_csv(job=job)
    # It shows the values refused (names, e-mails; mobiles masked): who took it is recorded.
    events.import_errors_downloaded(job, actor=request.user, ip=client_ip(request), errors=len(job.errors))
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    response["Cache-Control"] = "no-store"
    return response


@role_required(*EMPLOYEE_MANAGERS)
@require_GET
def template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="employees-template.csv"'
    return response
