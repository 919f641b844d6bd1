"""HR prints invitation letters: for one employee (their page) or for those ticked in the
directory. Each download makes new links (the earlier ones stop working), so it is a POST."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenants.selectors import organization_current
from verification.account.permissions import EMPLOYEE_MANAGERS, role_required
from verification.employees.bulk import bulk_chosen
from verification.employees.forms import EmployeesTickedForm
from verification.employees.selectors import access_employee
from verification.letters.pdf import LetterPage, pdf_stream
from verification.letters.services import LETTERS_MAX, letters_issue


def _pdf(pages: list[LetterPage], name: str) -> StreamingHttpResponse:
    organization = organization_current()
    slug = organization.slug if organization else "tika"
    response = StreamingHttpResponse(pdf_stream(pages), content_type="application/pdf")
    filename = f"{slug}-{name}-{timezone.localdate():%Y-%m-%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@role_required(*EMPLOYEE_MANAGERS)
@require_POST
def letter_one(request: HttpRequest, employee_id: int) -> HttpResponseBase:
    employee = access_employee(employee_id)
    if not employee.is_active:
        messages.warning(request, _("No letter: %(name)s is inactive.") % {"name": employee.full_name})
        return redirect("employees:detail", employee.pk)
    pages = letters_issue(employees=[employee], actor=request.user)
    return _pdf(pages, f"letter-{slugify(employee.code) or employee.pk}")


@role_required(*EMPLOYEE_MANAGERS)
@require_POST
def letters_selected(request: HttpRequest) -> HttpResponseBase:
    form = EmployeesTickedForm(request.POST)
    ids = form.cleaned_data["employee_ids"] if form.is_valid() else []
    chosen = bulk_chosen(ids=ids).filter(is_active=True).order_by("full_name", "code")
    employees = list(chosen[: LETTERS_MAX + 1])
    if not employees:
        messages.warning(request, _("No letters: tick the active employees to print letters for."))
        return redirect("employees:list")
    if len(employees) > LETTERS_MAX:
        messages.warning(
            request, _("At most %(max)d letters at a time: tick fewer employees.") % {"max": LETTERS_MAX}
        )
        return redirect("employees:list")
    pages = letters_issue(employees=employees, actor=request.user)
    return _pdf(pages, "letters")
