"""HR's downloads of the directory (CSV, XLSX), audited."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from portal.proxies import client_ip
from tenants.selectors import organization_current
from verification import events
from verification.account.permissions import EMPLOYEE_MANAGERS, role_required
from verification.employees.exports import csv_stream, export_sql, organization_timezone, xlsx_file
from verification.employees.forms import EmployeeFilterForm
from verification.employees.selectors import employee_directory_count

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filename(extension: str) -> str:
    organization = organization_current()
    slug = organization.slug if organization else "organization"
    today = timezone.localdate(timezone=organization_timezone())
    return f"{slug}-employees-{today:%Y-%m-%d}.{extension}"


def _finish(response: HttpResponse | StreamingHttpResponse, extension: str) -> None:
    response["Content-Disposition"] = f'attachment; filename="{_filename(extension)}"'
    # Personal data: no browser or proxy keeps a copy.
    response["Cache-Control"] = "no-store"


@role_required(*EMPLOYEE_MANAGERS)
@require_GET
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    filters = EmployeeFilterForm(request.GET).filters()
    # Recorded before the first byte leaves: a download cut short is still on the trail.
    count = employee_directory_count(filters)
    events.export_downloaded(
        actor=request.user, ip=client_ip(request), file_format="csv", filters=filters.as_dict(), rows=count
    )
    response = StreamingHttpResponse(
        csv_stream(export_sql(filters), organization=organization_current()),
        content_type="text/csv; charset=utf-8",
    )
    _finish(response, "csv")
    return response


@role_required(*EMPLOYEE_MANAGERS)
@require_GET
def export_xlsx(request: HttpRequest) -> FileResponse:
    filters = EmployeeFilterForm(request.GET).filters()
    # The workbook is complete (in a temporary file) before it is streamed: an XLSX
    # is a zip whose index comes last.
    out, count = xlsx_file(export_sql(filters, for_csv=False))
    events.export_downloaded(
        actor=request.user, ip=client_ip(request), file_format="xlsx", filters=filters.as_dict(), rows=count
    )
    response = FileResponse(out, content_type=XLSX_TYPE)
    _finish(response, "xlsx")
    return response
