"""HR's employee pages: the directory, one employee's page, add, edit, deactivate, reactivate,
and the invitation and reminder buttons on them.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from verification import events
from verification.account.confirm import confirmation_page, is_confirmed
from verification.account.permissions import EMPLOYEE_MANAGERS, role_required
from verification.audit import action_label, actor_words, event_details
from verification.employees.bulk import BulkAction
from verification.employees.forms import (
    EmployeeEditForm,
    EmployeeFilterForm,
    EmployeeForm,
)
from verification.employees.selectors import (
    EmployeeFilters,
    access_employee,
    employee_attempt_latest,
    employee_counts,
    employee_directory_page,
    employee_filter_options,
    employee_history,
    employee_invitations,
)
from verification.employees.services import employee_create, employee_set_active, employee_update
from verification.employees.views.bulk import DIRECTORY_PARAMS
from verification.employees.views.menus import filter_menus
from verification.employees.views.rows import directory_rows
from verification.invitations.reminders import invitations_to_remind, reminder_request
from verification.invitations.services import channels_available, invitation_create
from verification.models import Channel, Progress

PAGE_SIZE = 50


#: The directory's filter menus (fields of EmployeeFilterForm; templates/employees/list.html).
FILTER_MENUS = ("status", "progress", "department", "location", "active")

#: Column headers of the directory that sort it (key as in DIRECTORY_SORTS).
SORTABLE = ("name", "code", "department", "status", "verified")


def _query_string(params: QueryDict, **changes: str | None) -> str:
    """``params`` with ``changes`` applied (None removes a key), as ``?a=1&b=2`` (or "")."""
    query = params.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value is not None:
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else ""


def _named(names: list[str], chosen: str) -> list[str]:
    """``names`` (in the database's order), with ``chosen`` first if nobody is there now (a
    link kept from before, a department just emptied): the menu then shows what the list is
    filtered by."""
    return [chosen, *names] if chosen and chosen not in names else names


def _filter_menus(form: EmployeeFilterForm) -> dict[str, SafeString]:
    """The <option>s of each of the directory's filter menus, what the list is filtered by
    selected: the form's valid values (an invalid one is left out, as ``form.filters()``
    leaves it)."""
    form.is_valid()
    chosen = {name: form.cleaned_data.get(name) or "" for name in FILTER_MENUS}
    options = employee_filter_options()
    everyone = ("", _("All"))
    choices = {name: list(form.fields[name].choices) for name in ("status", "progress", "active")}  # type: ignore[attr-defined]
    choices["department"] = [everyone, *((n, n) for n in _named(options.departments, chosen["department"]))]
    choices["location"] = [everyone, *((n, n) for n in _named(options.locations, chosen["location"]))]
    return filter_menus(choices, chosen)


@role_required(*EMPLOYEE_MANAGERS)
@require_GET
def employee_list(request: HttpRequest) -> HttpResponse:
    filter_form = EmployeeFilterForm(request.GET)
    filters = filter_form.filters()
    counts = employee_counts()
    page = employee_directory_page(filters, number=request.GET.get("page"), per_page=PAGE_SIZE, counts=counts)
    paginator = page.paginator
    employees = list(page.object_list)
    # Each sortable header links to its sort, or to the reverse if already sorted by it.
    sort_headers = {
        key: {
            "url": _query_string(request.GET, sort=f"-{key}" if filters.sort == key else key, page=None),
            "state": "ascending"
            if filters.sort == key
            else "descending"
            if filters.sort == f"-{key}"
            else "",
        }
        for key in SORTABLE
    }
    context = {
        "employees": employees,
        "rows": directory_rows(employees),
        "page": page,
        "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "ellipsis": Paginator.ELLIPSIS,
        "page_query": _query_string(request.GET, page=None).lstrip("?"),
        "filter_query": _query_string(request.GET, page=None),
        "counts": counts,
        "not_invited_count": counts.of(Progress.NOT_INVITED),
        "filter_form": filter_form,
        "filters": filters,
        "filtered": filters != EmployeeFilters(sort=filters.sort),
        "filter_menus": _filter_menus(filter_form),
        "sort_headers": sort_headers,
        "narrowed_by": filter_form.narrowed_by(),
        "unnarrowed_query": _query_string(request.GET, bucket=None, method=None, active=None, page=None),
        "bulk_actions": [(action.value, action.label) for action in BulkAction],
        # The bulk form carries the view's filters, to act on them and to come back to them.
        "directory_params": [(key, request.GET.get(key, "")) for key in DIRECTORY_PARAMS],
    }
    return render(request, "employees/list.html", context)


@role_required(*EMPLOYEE_MANAGERS)
@require_http_methods(["GET", "POST"])
def employee_add(request: HttpRequest) -> HttpResponse:
    form = EmployeeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            employee = employee_create(**form.cleaned_data, actor=request.user)
        except IntegrityError:
            # Someone added the same code between validation and saving.
            form.add_error("code", EmployeeForm.code_taken_message)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": employee.full_name})
            return redirect("employees:list")
    return render(request, "employees/create.html", {"form": form})


#: Why the newest verification failed, in HR's words (codes: verification.errors.ErrorCode).
STAFF_REASONS = {
    "too_many_wrong_otps": gettext_lazy(
        "Locked: too many wrong OTPs within 24 hours. The link now only allows withdrawal; send a "
        "new invitation to let them verify again."
    ),
    "not_found": gettext_lazy(
        "The name they entered does not match CoWIN's record for their number (not a vaccination "
        "status); they can enter it as on their certificate."
    ),
    "invalid_mobile": gettext_lazy("CoWIN did not accept the mobile number."),
    "otp_not_sent": gettext_lazy(
        "CoWIN would not send an OTP to their number for now; they can try later or use their "
        "vaccination certificate."
    ),
    "service_busy": gettext_lazy("CoWIN was busy for too long; they can try again."),
    "failed": gettext_lazy("CoWIN refused the request; they can try again later."),
}


def _detail(employee_id: int) -> HttpResponse:
    return redirect("employees:detail", employee_id=employee_id)


@role_required(*EMPLOYEE_MANAGERS)
@require_GET
def employee_detail(request: HttpRequest, employee_id: int) -> HttpResponse:
    employee = access_employee(employee_id)
    events.employee_viewed(employee, actor=request.user)  # the employee can see who looked
    history = [
        (
            event,
            action_label(event.action),
            event_details(event.action, event.data),
            actor_words(event.actor_kind, event.actor_label),
        )
        for event in employee_history(employee)
    ]
    invitations_ = employee_invitations(employee)
    attempt = employee_attempt_latest(employee)
    context = {
        "employee": employee,
        "invitations": invitations_,
        "attempt": attempt,
        "attempt_reason": STAFF_REASONS.get(attempt.error_code, "") if attempt is not None else "",
        "attempt_mobile_last4": (attempt.mobile or "")[-4:] if attempt is not None else "",
        "history": history,
        "can_remind": invitations_to_remind(manual=True).filter(employee=employee).exists(),
        "channels": [c for c in channels_available(employee) if c != Channel.LETTER],
    }
    return render(request, "employees/detail.html", context)


@role_required(*EMPLOYEE_MANAGERS)
@require_http_methods(["GET", "POST"])
def employee_edit(request: HttpRequest, employee_id: int) -> HttpResponse:
    employee = access_employee(employee_id)
    form = EmployeeEditForm(request.POST if request.method == "POST" else None, employee=employee)
    if request.method == "POST" and form.is_valid():
        changes = dict(form.cleaned_data)
        if not changes.get("mobile"):
            changes.pop("mobile")  # blank keeps the number on record
        try:
            employee_update(employee=employee, actor=request.user, **changes)
        except IntegrityError:
            form.add_error("code", EmployeeForm.code_taken_message)
        else:
            messages.success(request, _("%(name)s was saved.") % {"name": employee.full_name})
            return _detail(employee.pk)
    return render(request, "employees/edit.html", {"form": form, "employee": employee})


@role_required(*EMPLOYEE_MANAGERS)
@require_POST
def employee_deactivate(request: HttpRequest, employee_id: int) -> HttpResponse:
    employee = access_employee(employee_id)
    if employee.is_active and not is_confirmed(request):
        return confirmation_page(
            request,
            title=_("Deactivate %(name)s?") % {"name": employee.full_name},
            explanation=_(
                "They stay on record but leave the numbers and get no reminders; their unused "
                "invitation link stops working. You can reactivate them here later."
            ),
            confirm_label=_("Yes, deactivate %(name)s") % {"name": employee.full_name},
            cancel_url=reverse("employees:detail", args=[employee.pk]),
        )
    if employee_set_active(employee=employee, active=False, actor=request.user):
        messages.success(
            request,
            _("%(name)s was deactivated: kept on record, left out of the numbers.")
            % {"name": employee.full_name},
        )
    return _detail(employee.pk)


@role_required(*EMPLOYEE_MANAGERS)
@require_POST
def employee_reactivate(request: HttpRequest, employee_id: int) -> HttpResponse:
    employee = access_employee(employee_id)
    if employee_set_active(employee=employee, active=True, actor=request.user):
        messages.success(request, _("%(name)s is active again.") % {"name": employee.full_name})
    return _detail(employee.pk)


@role_required(*EMPLOYEE_MANAGERS)
@require_POST
def employee_invite_one(request: HttpRequest, employee_id: int) -> HttpResponse:
    employee = access_employee(employee_id)
    if not employee.is_active:
        messages.warning(
            request, _("No invitation sent: %(name)s is inactive.") % {"name": employee.full_name}
        )
        return _detail(employee.pk)
    posted = request.POST.get("channel") or None
    channel = next((c for c in channels_available(employee) if c == posted), None)
    if channel == Channel.LETTER or (posted and channel is None):
        messages.warning(
            request,
            _("No invitation sent: %(name)s cannot be reached that way.") % {"name": employee.full_name},
        )
        return _detail(employee.pk)
    invitation = invitation_create(employee=employee, actor=request.user, channel=channel)
    if invitation.channel == Channel.SMS:
        messages.success(request, _("Invitation sent to %(name)s by SMS.") % {"name": employee.full_name})
    else:
        messages.success(request, _("Invitation sent to %(name)s.") % {"name": employee.full_name})
    return _detail(employee.pk)


@role_required(*EMPLOYEE_MANAGERS)
@require_POST
def employee_remind(request: HttpRequest, employee_id: int) -> HttpResponse:
    """Re-send the employee's live invitation as a reminder (the reminder rules apply: not
    answered yet, at most one e-mail a day)."""
    employee = access_employee(employee_id)
    if not reminder_request(employee=employee, actor=request.user):
        messages.warning(
            request,
            _(
                "No reminder sent: %(name)s has no open invitation, has answered, or was e-mailed "
                "in the last 24 hours."
            )
            % {"name": employee.full_name},
        )
        return _detail(employee.pk)
    messages.success(request, _("A reminder is on its way to %(name)s.") % {"name": employee.full_name})
    return _detail(employee.pk)
