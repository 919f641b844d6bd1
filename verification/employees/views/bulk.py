"""The directory's bulk actions: invite, remind or deactivate the ticked employees, or all
that the filters match; HR confirms first when it is more than one person (always for a
deactivation), and lands back on the directory with the same filters."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from verification.account.permissions import EMPLOYEE_MANAGERS, role_required
from verification.employees.bulk import BulkAction, bulk_apply, bulk_chosen, bulk_targets
from verification.employees.forms import BulkActionForm, EmployeeFilterForm

#: The directory's query string: what the bulk form carries to come back to the same view.
DIRECTORY_PARAMS = (
    "q",
    "status",
    "progress",
    "department",
    "location",
    "active",
    "bucket",
    "method",
    "sort",
    "page",
)


def directory_url(data: QueryDict) -> str:
    """The directory with the filters, sort and page found in ``data`` (and nothing else)."""
    query = QueryDict(mutable=True)
    for key in DIRECTORY_PARAMS:
        value = data.get(key, "")
        if value:
            query[key] = value
    encoded = query.urlencode()
    return reverse("employees:list") + (f"?{encoded}" if encoded else "")


def _done_message(action: BulkAction, count: int) -> str:
    if action == BulkAction.INVITE:
        text = ngettext("%(count)d invitation sent.", "%(count)d invitations sent.", count)
    elif action == BulkAction.REMIND:
        text = ngettext(
            "A reminder is on its way to %(count)d employee.",
            "Reminders are on their way to %(count)d employees.",
            count,
        )
    else:
        text = ngettext(
            "%(count)d employee was deactivated: kept on record, left out of the numbers.",
            "%(count)d employees were deactivated: kept on record, left out of the numbers.",
            count,
        )
    return text % {"count": count}


def _nothing_message(action: BulkAction, chosen: int) -> str:
    if not chosen:
        return _("Nothing was done: none of the employees you chose was found.")
    if action == BulkAction.INVITE:
        text = ngettext(
            "No invitations sent: the %(count)d employee you chose is inactive or has been invited already.",
            "No invitations sent: none of the %(count)d employees you chose can be invited (inactive, "
            "or invited already).",
            chosen,
        )
    elif action == BulkAction.REMIND:
        text = ngettext(
            "No reminders sent: the %(count)d employee you chose has no open invitation, has "
            "answered, or was e-mailed in the last 24 hours.",
            "No reminders sent: none of the %(count)d employees you chose has an open invitation that "
            "can be reminded now (answered, e-mailed in the last 24 hours, or no open link).",
            chosen,
        )
    else:
        text = ngettext(
            "Nobody was deactivated: the %(count)d employee you chose is inactive already.",
            "Nobody was deactivated: the %(count)d employees you chose are inactive already.",
            chosen,
        )
    return text % {"count": chosen}


@role_required(*EMPLOYEE_MANAGERS)
@require_POST
def employee_bulk(request: HttpRequest) -> HttpResponse:
    back = directory_url(request.POST)
    form = BulkActionForm(request.POST)
    if not form.is_valid():
        for error in form.non_field_errors():
            messages.error(request, str(error))
        return redirect(back)
    action = form.bulk_action
    matching = form.cleaned_data["scope"] == BulkActionForm.MATCHING
    filters = EmployeeFilterForm(request.POST).filters()
    chosen = bulk_chosen(filters=filters) if matching else bulk_chosen(ids=form.cleaned_data["employee_ids"])
    count = bulk_targets(action, chosen).count()
    chosen_count = chosen.count()
    if not count:
        messages.warning(request, _nothing_message(action, chosen_count))
        return redirect(back)
    # More than one person, or any deactivation: say exactly what will happen and ask first.
    if not form.cleaned_data["confirmed"] and (count > 1 or action == BulkAction.DEACTIVATE):
        context = {
            "action": action,
            "count": count,
            "chosen_count": chosen_count,
            "left_out": chosen_count - count,
            "matching": matching,
            "filters": filters,
            "employee_ids": [] if matching else form.cleaned_data["employee_ids"],
            "directory_params": [(key, request.POST.get(key, "")) for key in DIRECTORY_PARAMS],
            "back": back,
        }
        return render(request, "employees/bulk_confirm.html", context)
    done = bulk_apply(action=action, chosen=chosen, actor=request.user)
    if done:
        messages.success(request, _done_message(action, done))
    else:  # someone else got there between the confirmation and the click
        messages.warning(request, _nothing_message(action, chosen_count))
    return redirect(back)
