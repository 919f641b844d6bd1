"""Verifying by an OTP from CoWIN: the name and number, the OTP page (polled while a worker is
busy), a new OTP.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from portal.proxies import client_ip
from tenants.selectors import organization_current
from verification.attempts.selectors import methods_offered
from verification.attempts.steps import StepRefused, attempt_resend, attempt_start, attempt_submit_otp
from verification.consent.access import (
    session_submitter,
)
from verification.consent.forms import DetailsForm, OtpForm
from verification.consent.pages import (
    anonymous,
    employee_page,
    go_to,
    link_used,
    page_context,
    page_url,
    view_days,
)
from verification.consent.selectors import TRANSITIONAL, Review, State, journey_step
from verification.errors import ErrorCode, message_for
from verification.models import Invitation, Method, VerificationAttempt
from verification.phones import national


@require_http_methods(["GET", "POST"])
@employee_page
def details(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    where, consent, attempt = journey_step(invitation)
    if where != "verify" or consent is None or Method.KYCVS not in methods_offered(organization_current()):
        return go_to(where, invitation)
    employee = invitation.employee
    error = ""
    name_mismatch = False
    if attempt is not None and attempt.state == State.FAILED:
        error = message_for(attempt.error_code)
        name_mismatch = attempt.error_code == ErrorCode.NOT_FOUND
    elif attempt is not None and attempt.review == Review.REJECTED:
        error = message_for(ErrorCode.REVIEW_REJECTED)
    last4 = employee.mobile_last4 if employee.mobile else ""
    typed_key = f"details_typed_by:{invitation.pk}"
    if request.method == "POST":
        form = DetailsForm(request.POST, mobile_last4=last4)
        if form.is_valid():
            try:
                started = attempt_start(
                    consent=consent,
                    mobile=form.chosen_mobile(),
                    full_name=form.cleaned_data["full_name"],
                    ip=client_ip(request),
                )
            except StepRefused as refused:
                error = message_for(refused.code)
            else:
                link_used(invitation)
                # This browser typed the attempt's number: if CoWIN refuses the name, the number
                # is offered again here only (read from the attempt, where it is kept encrypted;
                # the session holds the attempt's id, never the number).
                request.session[typed_key] = started.pk
                return redirect(page_url("otp", invitation))
    else:
        initial: dict[str, str] = {"full_name": employee.full_name}
        if name_mismatch and attempt is not None:
            # Only the name was wrong: keep what was sent, to be corrected, and the number.
            initial["full_name"] = attempt.full_name
            if attempt.mobile_changed and attempt.mobile and request.session.get(typed_key) == attempt.pk:
                initial.update(number=DetailsForm.OTHER, mobile=national(attempt.mobile))
        form = DetailsForm(initial=initial, mobile_last4=last4)
        if name_mismatch:
            form.fields["full_name"].widget.attrs["autofocus"] = True
    context = page_context(
        invitation,
        form=form,
        error=error,
        name_mismatch=name_mismatch,
        certificate_offered=Method.CERTIFICATE in methods_offered(organization_current()),
    )
    return render(request, "consent/details.html", context)


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
    # "Too soon" is said once, by the countdown beside the resend button (or, while the worker
    # waits out CoWIN's rule, by the waiting message): never as a second, red, message.
    error = (
        "" if attempt.error_code == ErrorCode.RESEND_TOO_SOON else message_for(attempt.error_code, **details)
    )
    waiting_for_cowin = attempt.state == State.CREATED and attempt.error_code == ErrorCode.RESEND_TOO_SOON
    return page_context(
        invitation,
        attempt=attempt,
        form=form or OtpForm(),
        error=error,
        resend_in=resend_in,
        countdown=countdown_html(resend_in),
        waiting_for_cowin=waiting_for_cowin,
        polling=attempt.state in TRANSITIONAL,
        mobile_last4=(attempt.mobile or "")[-4:],
        State=State,
    )


def countdown_html(seconds: int) -> str:
    """``seconds`` as m:ss in an element static/js/countdown.js counts down live."""
    return format_html(
        '<span class="countdown" data-countdown="{}">{}</span>',
        seconds,
        f"{seconds // 60}:{seconds % 60:02d}",
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
