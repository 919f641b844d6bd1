"""Organization site: HR's employee pages (directory, detail, add, edit, deactivate, invite,
remind)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from verification import events, selectors
from verification.forms import EmployeeEditForm, EmployeeFilterForm, EmployeeForm, EmployeeInviteForm
from verification.models import Progress
from verification.names import Reason, names_match
from verification.permissions import EMPLOYEE_MANAGERS, role_required
from verification.selectors import EmployeeFilters
from verification.services import employees, invitations, reminders, reviews
from verification.tasks import reminders_send_task

PAGE_SIZE = 50

#: Column headers of the directory that sort it (key as in selectors.DIRECTORY_SORTS).
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


@role_required(*EMPLOYEE_MANAGERS)
@require_GET
def employee_list(request: HttpRequest) -> HttpResponse:
    filter_form = EmployeeFilterForm(request.GET)
    filters = filter_form.filters()
    counts = selectors.employee_counts()
    page = selectors.employee_directory_page(
        filters, number=request.GET.get("page"), per_page=PAGE_SIZE, counts=counts
    )
    paginator = page.paginator
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
        "employees": page.object_list,
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
        "departments": selectors.employee_departments(),
        "locations": selectors.employee_locations(),
        "sort_headers": sort_headers,
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


# --- one employee ----------------------------------------------------------------------------

#: How each audit action reads on an employee's page.
EVENT_LABELS = {
    "employee.created": gettext_lazy("Added"),
    "employee.updated": gettext_lazy("Details changed"),
    "employee.deactivated": gettext_lazy("Deactivated"),
    "employee.reactivated": gettext_lazy("Reactivated"),
    "employee.details_confirmed": gettext_lazy("Confirmed their name and mobile"),
    "employee.details_refused": gettext_lazy("Another number with a name not matching the record: refused"),
    "verification.locked": gettext_lazy("Too many wrong OTPs: link locked for verifying"),
    "view_code.requested": gettext_lazy("Asked for a code to see their status"),
    "view_code.used": gettext_lazy("Entered a right code to see their status"),
    "view_code.failed": gettext_lazy("Entered a wrong or expired code"),
    "review.approved": gettext_lazy("Verification through another number approved"),
    "review.rejected": gettext_lazy("Verification through another number rejected; status erased"),
    "employee.data_summary_viewed": gettext_lazy("Looked at their own data"),
    "invitation.created": gettext_lazy("Invited"),
    "invitation.sent": gettext_lazy("Invitation e-mailed"),
    "invitation.reminded": gettext_lazy("Reminder e-mailed"),
    "invitation.opened": gettext_lazy("Opened the invitation"),
    "consent.given": gettext_lazy("Consent given"),
    "consent.declined": gettext_lazy("Consent declined"),
    "consent.withdrawn": gettext_lazy("Consent withdrawn; status erased"),
    "otp.requested": gettext_lazy("Asked for an OTP"),
    "otp.sent": gettext_lazy("OTP sent by CoWIN"),
    "otp.submitted": gettext_lazy("Entered the OTP"),
    "otp.rejected": gettext_lazy("Wrong OTP"),
    "verification.succeeded": gettext_lazy("Verified"),
    "verification.failed": gettext_lazy("Verification failed"),
    "verification.expired": gettext_lazy("OTP expired"),
    "verification.requeued": gettext_lazy("Verification resumed"),
    "provider.retry": gettext_lazy("CoWIN busy, retrying"),
}


#: Why the newest verification failed, in HR's words (codes: verification.errors.ErrorCode).
STAFF_REASONS = {
    "too_many_wrong_otps": gettext_lazy(
        "Locked: too many wrong OTPs within 24 hours. The link now only allows withdrawal; send a "
        "new invitation to let them verify again."
    ),
    "not_found": gettext_lazy("CoWIN has no record for this name on this number."),
    "invalid_mobile": gettext_lazy("CoWIN did not accept the mobile number."),
    "service_busy": gettext_lazy("CoWIN was busy for too long; they can try again."),
    "failed": gettext_lazy("CoWIN refused the request; they can try again later."),
}


def _detail(employee_id: int) -> HttpResponse:
    return redirect("verification:employee_detail", employee_id=employee_id)


@role_required(*EMPLOYEE_MANAGERS)
@require_GET
def employee_detail(request: HttpRequest, employee_id: int) -> HttpResponse:
    employee = selectors.access_employee(employee_id)
    events.employee_viewed(employee, actor=request.user)  # the employee can see who looked
    history = [
        (event, EVENT_LABELS.get(event.action, event.action))
        for event in selectors.employee_history(employee)
    ]
    invitations_ = selectors.employee_invitations(employee)
    attempt = selectors.employee_attempt_latest(employee)
    context = {
        "employee": employee,
        "invitations": invitations_,
        "attempt": attempt,
        "attempt_reason": STAFF_REASONS.get(attempt.error_code, "") if attempt is not None else "",
        "attempt_mobile_last4": (attempt.mobile or "")[-4:] if attempt is not None else "",
        "history": history,
        "can_remind": reminders.invitations_to_remind(manual=True).filter(employee=employee).exists(),
    }
    return render(request, "tenant/employees/detail.html", context)


@role_required(*EMPLOYEE_MANAGERS)
@require_http_methods(["GET", "POST"])
def employee_edit(request: HttpRequest, employee_id: int) -> HttpResponse:
    employee = selectors.access_employee(employee_id)
    form = EmployeeEditForm(request.POST if request.method == "POST" else None, employee=employee)
    if request.method == "POST" and form.is_valid():
        changes = dict(form.cleaned_data)
        if not changes.get("mobile"):
            changes.pop("mobile")  # blank keeps the number on record
        try:
            employees.employee_update(employee=employee, actor=request.user, **changes)
        except IntegrityError:
            form.add_error("code", EmployeeForm.code_taken_message)
        else:
            messages.success(request, _("%(name)s was saved.") % {"name": employee.full_name})
            return _detail(employee.pk)
    return render(request, "tenant/employees/edit.html", {"form": form, "employee": employee})


@role_required(*EMPLOYEE_MANAGERS)
@require_POST
def employee_deactivate(request: HttpRequest, employee_id: int) -> HttpResponse:
    employee = selectors.access_employee(employee_id)
    if employees.employee_set_active(employee=employee, active=False, actor=request.user):
        messages.success(
            request,
            _("%(name)s was deactivated: kept on record, left out of the numbers.")
            % {"name": employee.full_name},
        )
    return _detail(employee.pk)


@role_required(*EMPLOYEE_MANAGERS)
@require_POST
def employee_reactivate(request: HttpRequest, employee_id: int) -> HttpResponse:
    employee = selectors.access_employee(employee_id)
    if employees.employee_set_active(employee=employee, active=True, actor=request.user):
        messages.success(request, _("%(name)s is active again.") % {"name": employee.full_name})
    return _detail(employee.pk)


@role_required(*EMPLOYEE_MANAGERS)
@require_POST
def employee_invite_one(request: HttpRequest, employee_id: int) -> HttpResponse:
    employee = selectors.access_employee(employee_id)
    if not employee.is_active:
        messages.warning(
            request, _("No invitation sent: %(name)s is inactive.") % {"name": employee.full_name}
        )
        return _detail(employee.pk)
    invitations.invitation_create(employee=employee, actor=request.user)
    messages.success(request, _("Invitation sent to %(name)s.") % {"name": employee.full_name})
    return _detail(employee.pk)


@role_required(*EMPLOYEE_MANAGERS)
@require_POST
def employee_remind(request: HttpRequest, employee_id: int) -> HttpResponse:
    """Re-send the employee's live invitation as a reminder (the reminder rules apply: not
    answered yet, at most one e-mail a day)."""
    employee = selectors.access_employee(employee_id)
    invitation = reminders.invitations_to_remind(manual=True).filter(employee=employee).first()
    if invitation is None:
        messages.warning(
            request,
            _(
                "No reminder sent: %(name)s has no open invitation, has answered, or was e-mailed "
                "in the last 24 hours."
            )
            % {"name": employee.full_name},
        )
        return _detail(employee.pk)
    invitation_id, actor_id = invitation.pk, request.user.pk
    transaction.on_commit(lambda: reminders_send_task.delay([invitation_id], True, actor_id))
    messages.success(request, _("A reminder is on its way to %(name)s.") % {"name": employee.full_name})
    return _detail(employee.pk)


# --- reviews of verifications through a number the employee entered ------------------------

#: How the name sent to CoWIN compares with the name on file (verification.names.Reason).
NAME_MATCH_LABELS = {
    Reason.SAME: gettext_lazy("the same name"),
    Reason.HONORIFIC: gettext_lazy("the same name with a title"),
    Reason.WORD_ORDER: gettext_lazy("the same words in another order"),
    Reason.SPELLING: gettext_lazy("another spelling of the name"),
    Reason.INITIALS: gettext_lazy("initials for part of the name"),
    Reason.MIDDLE_NAME: gettext_lazy("one name missing or added"),
}


@role_required(*EMPLOYEE_MANAGERS)
@require_GET
def employee_review_list(request: HttpRequest) -> HttpResponse:
    """Statuses verified through a number the employee entered instead of the one on file:
    they count only once approved here."""
    rows = [
        {
            "attempt": attempt,
            "employee": attempt.employee,
            "mobile_last4": (attempt.mobile or "")[-4:],
            "name_match": NAME_MATCH_LABELS.get(
                names_match(attempt.employee.full_name, attempt.full_name).reason, ""
            ),
        }
        for attempt in selectors.reviews_pending()
    ]
    return render(request, "tenant/employees/reviews.html", {"rows": rows})


@role_required(*EMPLOYEE_MANAGERS)
@require_POST
def employee_review_approve(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = selectors.access_review_attempt(attempt_id)
    if reviews.verification_review_approve(attempt=attempt, actor=request.user):
        messages.success(
            request, _("Approved: the status of %(name)s now counts.") % {"name": attempt.employee.full_name}
        )
    return redirect("verification:employee_review_list")


@role_required(*EMPLOYEE_MANAGERS)
@require_POST
def employee_review_reject(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = selectors.access_review_attempt(attempt_id)
    if reviews.verification_review_reject(attempt=attempt, actor=request.user):
        messages.success(
            request,
            _("Rejected: the status of %(name)s and its evidence were erased; they have been told by e-mail.")
            % {"name": attempt.employee.full_name},
        )
    return redirect("verification:employee_review_list")
