"""HR's review list: statuses that count only once a person approved them (verified through
another number, or a certificate whose name is not clearly the name on file)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from verification.account.permissions import EMPLOYEE_MANAGERS, role_required
from verification.models import Method
from verification.names import Reason, names_match
from verification.phones import last4
from verification.review.selectors import access_review_attempt, reviews_pending
from verification.review.services import verification_review_approve, verification_review_reject

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
def review_list(request: HttpRequest) -> HttpResponse:
    """Statuses awaiting a person's look: each with the two names side by side (and, for another
    number, the two numbers' last digits), nothing else from the certificate or CoWIN."""
    rows = [
        {
            "attempt": attempt,
            "employee": attempt.employee,
            "mobile_last4": last4(attempt.mobile),
            "by_certificate": attempt.method == Method.CERTIFICATE,
            "reason": attempt.get_review_reason_display(),
            "name_match": NAME_MATCH_LABELS.get(
                names_match(attempt.employee.full_name, attempt.full_name).reason, ""
            ),
        }
        for attempt in reviews_pending()
    ]
    return render(request, "review/list.html", {"rows": rows})


@role_required(*EMPLOYEE_MANAGERS)
@require_POST
def review_approve(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = access_review_attempt(attempt_id)
    if verification_review_approve(attempt=attempt, actor=request.user):
        messages.success(
            request, _("Approved: the status of %(name)s now counts.") % {"name": attempt.employee.full_name}
        )
    return redirect("review:list")


@role_required(*EMPLOYEE_MANAGERS)
@require_POST
def review_reject(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = access_review_attempt(attempt_id)
    if verification_review_reject(attempt=attempt, actor=request.user):
        messages.success(
            request,
            _("Rejected: the status of %(name)s and its evidence were erased; they have been told by e-mail.")
            % {"name": attempt.employee.full_name},
        )
    return redirect("review:list")
