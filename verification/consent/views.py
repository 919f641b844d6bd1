"""The employee's pages: notice and consent, details, OTP, result, withdrawal, the view code.

No login: the invitation link's token is the key. Every view looks the invitation up in the
current organization's schema (a token of another organization, or a tampered one, is simply
"not found"), then works out from the database where the employee stands.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from portal.proxies import client_ip
from verification import events
from verification.attempts.steps import StepRefused, attempt_resend, attempt_start, attempt_submit_otp
from verification.consent.access import (
    ViewAccess,
    link_view_expired,
    session_grant,
    session_submitter,
    view_access,
    view_code_check,
    view_code_request,
)
from verification.consent.forms import AgreeForm, DetailsForm, OtpForm, ViewCodeForm
from verification.consent.pages import (
    anonymous,
    employee_page,
    go_to,
    link_used,
    page_context,
    page_url,
    user_agent,
    view_days,
)
from verification.consent.selectors import TRANSITIONAL, Review, State, consent_active, journey_step
from verification.consent.services import ConsentNotAllowed, consent_decline, consent_give, consent_withdraw
from verification.errors import ErrorCode, message_for
from verification.models import Invitation, VaccinationStatus, VerificationAttempt
from verification.privacy.summary import employee_data_summary, staff_acts_shown

# Pages a right view code may lead back to.
CODE_NEXT = ("done", "my_data", "landing")


@require_GET
@employee_page
def landing(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    where, consent, _ = journey_step(invitation)
    if where == "notice":
        return render(request, "consent/notice.html", page_context(invitation, form=AgreeForm()))
    if where == "expired":
        return render(request, "consent/expired.html", page_context(invitation, consent=consent), status=410)
    if where == "declined":
        return render(request, "consent/declined.html", page_context(invitation, consent=consent))
    if where == "withdrawn":
        return render(request, "consent/withdrawn.html", page_context(invitation, consent=consent))
    if where == "locked":
        return render(
            request,
            "consent/locked.html",
            page_context(invitation, consent=consent, error=message_for(ErrorCode.TOO_MANY_WRONG_OTPS)),
            status=403,
        )
    return go_to(where, invitation)


@require_POST
@employee_page
def agree(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    where, _, _ = journey_step(invitation)
    if where != "notice":
        return go_to(where, invitation)
    form = AgreeForm(request.POST)
    if not form.is_valid():
        return render(request, "consent/notice.html", page_context(invitation, form=form), status=400)
    try:
        consent_give(
            invitation=invitation,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            ip=client_ip(request),
            user_agent=user_agent(request),
        )
    except ConsentNotAllowed:
        return redirect(page_url("landing", invitation))
    link_used(invitation)
    return redirect(page_url("details", invitation))


@require_POST
@employee_page
def decline(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    where, _, _ = journey_step(invitation)
    if where != "notice":
        return go_to(where, invitation)
    with contextlib.suppress(ConsentNotAllowed):  # answered meanwhile
        consent_decline(
            invitation=invitation,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            ip=client_ip(request),
            user_agent=user_agent(request),
        )
        link_used(invitation)
    return redirect(page_url("landing", invitation))


@require_http_methods(["GET", "POST"])
@employee_page
def details(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    where, consent, attempt = journey_step(invitation)
    if where != "details" or consent is None:
        return go_to(where, invitation)
    employee = invitation.employee
    error = ""
    if attempt is not None and attempt.state == State.FAILED:
        error = message_for(attempt.error_code)
    elif attempt is not None and attempt.review == Review.REJECTED:
        error = message_for(ErrorCode.REVIEW_REJECTED)
    last4 = employee.mobile_last4 if employee.mobile else ""
    if request.method == "POST":
        form = DetailsForm(request.POST, mobile_last4=last4)
        if form.is_valid():
            try:
                attempt_start(
                    consent=consent,
                    mobile=form.chosen_mobile(),
                    full_name=form.cleaned_data["full_name"],
                    ip=client_ip(request),
                )
            except StepRefused as refused:
                error = message_for(refused.code)
            else:
                link_used(invitation)
                return redirect(page_url("otp", invitation))
    else:
        form = DetailsForm(initial={"full_name": employee.full_name}, mobile_last4=last4)
    return render(request, "consent/details.html", page_context(invitation, form=form, error=error))


def _panel_context(
    invitation: Invitation, attempt: VerificationAttempt, form: OtpForm | None = None
) -> dict[str, Any]:
    now = timezone.now()
    resend_in = (
        int((attempt.retry_after - now).total_seconds()) + 1
        if attempt.retry_after and attempt.retry_after > now
        else 0
    )
    details: dict[str, object] = {}
    if attempt.error_code == ErrorCode.WRONG_OTP:
        details["tries_left"] = attempt.tries_left or 0
    if attempt.error_code == ErrorCode.RESEND_TOO_SOON:
        details["seconds"] = resend_in
    return page_context(
        invitation,
        attempt=attempt,
        form=form or OtpForm(),
        error=message_for(attempt.error_code, **details),
        resend_in=resend_in,
        polling=attempt.state in TRANSITIONAL,
        mobile_last4=(attempt.mobile or "")[-4:],
        State=State,
    )


@require_http_methods(["GET", "POST"])
@employee_page
def otp(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    where, _, attempt = journey_step(invitation)
    if where != "otp" or attempt is None:
        return go_to(where, invitation)
    form = None
    if request.method == "POST":
        form = OtpForm(request.POST)
        if form.is_valid():
            # This browser holds the OTP: if it verifies, this session may see the result.
            request.session.cycle_key()  # a new session id for a session that may see more
            submitter = session_submitter(
                request.session, invitation, days=view_days(), keep_cookie=anonymous(request)
            )
            # If refused (it expired meanwhile), the page shows the attempt's state and message.
            with contextlib.suppress(StepRefused):
                attempt_submit_otp(
                    attempt=attempt, otp=form.cleaned_data["otp"], ip=client_ip(request), submitter=submitter
                )
                link_used(invitation)
            return redirect(page_url("otp", invitation))
        attempt.refresh_from_db()
    return render(request, "consent/otp.html", _panel_context(invitation, attempt, form))


@require_GET
@employee_page
def otp_state(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    """The OTP panel alone, polled by the page (htmx) while a worker is busy."""
    where, _, attempt = journey_step(invitation)
    if where != "otp" or attempt is None:
        return HttpResponseClientRedirect(go_to(where, invitation)["Location"])
    return render(request, "consent/_otp_panel.html", _panel_context(invitation, attempt))


@require_POST
@employee_page
def resend(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    where, _, attempt = journey_step(invitation)
    if where == "otp" and attempt is not None:
        try:
            attempt_resend(attempt=attempt, ip=client_ip(request))
        except StepRefused:
            pass  # the OTP page shows why (the attempt keeps the refusal's code)
        else:
            link_used(invitation)
    return redirect(page_url("otp", invitation))


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


@require_http_methods(["GET", "POST"])
@employee_page
def withdraw(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    consent = consent_active(invitation)
    if consent is None:
        return redirect(page_url("landing", invitation))
    if request.method == "POST":
        consent_withdraw(consent=consent, ip=client_ip(request), user_agent=user_agent(request))
        return redirect(page_url("landing", invitation))
    return render(request, "consent/withdraw.html", page_context(invitation, consent=consent))


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
            staff_access=staff_acts_shown(summary.staff_access),
            exports=staff_acts_shown(summary.exports),
            statuses=dict(VaccinationStatus.choices),
        ),
    )
