"""Organization site: HR's employee pages (list, add, invite by e-mail)."""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from verification import selectors
from verification.forms import EmployeeForm, EmployeeInviteForm
from verification.models import Progress
from verification.permissions import EMPLOYEE_MANAGERS, role_required
from verification.services import employees, invitations


@role_required(*EMPLOYEE_MANAGERS)
@require_GET
def employee_list(request: HttpRequest) -> HttpResponse:
    counts = selectors.employee_counts()
    context = {
        "employees": selectors.employee_list(),
        "counts": counts,
        "not_invited_count": counts.of(Progress.NOT_INVITED),
    }
    return render(request, "tenant/employees/list.html", context)


@role_required(*EMPLOYEE_MANAGERS)
@require_http_methods(["GET", "POST"])
def employee_create(request: HttpRequest) -> HttpResponse:
    form = EmployeeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            employee = employees.employee_create(**form.cleaned_data, actor=request.user)
        except IntegrityError:
            # Someone added the same code between validation and saving.
            form.add_error("code", EmployeeForm.code_taken_message)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": employee.full_name})
            return redirect("verification:employee_list")
    return render(request, "tenant/employees/create.html", {"form": form})


@role_required(*EMPLOYEE_MANAGERS)
@require_POST
def employee_invite(request: HttpRequest) -> HttpResponse:
    form = EmployeeInviteForm(request.POST)
    if not form.is_valid():
        for error in form.non_field_errors():
            messages.error(request, str(error))
        return redirect("verification:employee_list")
    if form.cleaned_data["all_not_invited"]:
        # Locked, and read inside the transaction below: a second click waits, then finds
        # these people invited and leaves them alone (no second e-mail each).
        chosen = selectors.employees_not_invited().select_for_update()
    else:
        chosen = selectors.employees_for_ids(form.cleaned_data["employee_ids"])
    # All or none: the e-mails go out (after commit) only if every invitation was saved.
    with transaction.atomic():
        sent = len(invitations.invitations_create(employees=chosen, actor=request.user))
    if sent:
        messages.success(
            request,
            ngettext("%(count)d invitation sent.", "%(count)d invitations sent.", sent) % {"count": sent},
        )
    elif form.cleaned_data["all_not_invited"]:
        messages.info(request, _("No invitations sent: everyone has been invited already."))
    else:
        messages.warning(request, _("No invitations sent: none of the selected employees can be invited."))
    return redirect("verification:employee_list")
