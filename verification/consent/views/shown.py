"""What the link shows, and to whom: the result, the employee's own data, and the one-time code
another browser needs to see them (consent.access).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.proxies import client_ip
from verification import events
from verification.consent.access import (
    ViewAccess,
    link_view_expired,
    session_grant,
    view_access,
    view_code_check,
    view_code_request,
)
from verification.consent.forms import ViewCodeForm
from verification.consent.pages import (
    anonymous,
    employee_page,
    go_to,
    page_context,
    page_url,
    view_days,
)
from verification.consent.selectors import Review, consent_active, journey_step
from verification.errors import ErrorCode, message_for
from verification.models import Invitation, Method, VaccinationStatus
from verification.privacy.summary import employee_data_summary, staff_acts_shown

# Pages a right view code may lead back to.
CODE_NEXT = ("done", "my_data", "landing")


def _protected(
    request: HttpRequest,
    invitation: Invitation,
    access: ViewAccess,
    *,
    next_page: str,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """Instead of the status or the data: why they are not shown to this browser, and the two
    ways on (a code by e-mail to see them; withdrawing consent, for which the link suffices)."""
    return render(
        request,
        "consent/protected.html",
        page_context(
            invitation,
            access=access.value,
            next_page=next_page,
            consent=consent_active(invitation),
            view_days=view_days(),
            error=error,
        ),
        status=status,
    )


@require_GET
@employee_page
def done(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    where, consent, attempt = journey_step(invitation)
    if where != "done" or attempt is None:
        return go_to(where, invitation)
    access = view_access(request.session, invitation, days=view_days(), keep_cookie=anonymous(request))
    if access != ViewAccess.ALLOWED:
        return _protected(request, invitation, access, next_page="done")
    record = getattr(attempt, "status_record", None)
    return render(
        request,
        "consent/done.html",
        page_context(
            invitation,
            consent=consent,
            record=record,
            status_label=VaccinationStatus(record.status).label if record else "",
            awaiting_review=attempt.review == Review.PENDING,
            review_reason=attempt.review_reason,
            by_certificate=attempt.method == Method.CERTIFICATE,
        ),
    )


def _next_page(value: str | None) -> str:
    return value if value in CODE_NEXT else "landing"


@require_POST
@employee_page
def code_send(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    """E-mail a one-time code to the address on file, to see the status and data here."""
    next_page = _next_page(request.POST.get("next"))
    refused = view_code_request(invitation=invitation, ip=client_ip(request))
    if refused is not None:
        days = view_days()
        access = (
            ViewAccess.VIEW_EXPIRED if link_view_expired(invitation, days=days) else ViewAccess.NEEDS_CODE
        )
        return _protected(
            request, invitation, access, next_page=next_page, error=message_for(refused), status=429
        )
    return redirect(f"{page_url('code', invitation)}?next={next_page}")


@require_http_methods(["GET", "POST"])
@employee_page
def code(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    """Enter the code from the e-mail; a right one lets this browser see the status and data
    for a while."""
    next_page = _next_page(request.POST.get("next") or request.GET.get("next"))
    error = ""
    if request.method == "POST":
        form = ViewCodeForm(request.POST)
        if form.is_valid():
            result = view_code_check(
                invitation=invitation, code=form.cleaned_data["code"], ip=client_ip(request)
            )
            if result.ok:
                request.session.cycle_key()  # a new session id now that it may see more
                session_grant(request.session, invitation)
                return redirect(page_url(next_page, invitation))
            error = message_for(result.error or ErrorCode.VIEW_CODE_EXPIRED, tries_left=result.tries_left)
    else:
        form = ViewCodeForm()
    return render(
        request,
        "consent/code.html",
        page_context(
            invitation,
            form=form,
            error=error,
            next_page=next_page,
            minutes=settings.VIEW_CODE_TTL_S // 60,
        ),
        status=400 if error else 200,
    )


@require_GET
@employee_page
def my_data(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    """What the organization holds about the employee, and who viewed or exported it: shown
    only to a browser allowed to see it (employee_access)."""
    access = view_access(request.session, invitation, days=view_days(), keep_cookie=anonymous(request))
    if access != ViewAccess.ALLOWED:
        return _protected(request, invitation, access, next_page="my_data")
    employee = invitation.employee
    events.data_summary_viewed(employee, ip=client_ip(request))
    summary = employee_data_summary(employee)
    return render(
        request,
        "consent/my_data.html",
        page_context(
            invitation,
            summary=summary,
            # Not "staff_access": that name is the staff pages' context processor's.
            staff_acts=staff_acts_shown(summary.staff_access),
            exports=staff_acts_shown(summary.exports),
            statuses=dict(VaccinationStatus.choices),
        ),
    )
