"""Choosing a way to verify, and verifying with the vaccination certificate (uploaded, or its QR
code scanned by the phone's camera in the browser)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from portal.proxies import client_ip
from tenants.selectors import organization_current
from verification.attempts.certificate import CertificateNotAccepted, attempt_certificate_verify
from verification.attempts.selectors import methods_offered
from verification.attempts.steps import StepRefused
from verification.consent.access import session_submitter
from verification.consent.forms import CertificateForm
from verification.consent.pages import (
    anonymous,
    employee_page,
    go_to,
    link_used,
    page_context,
    page_url,
    view_days,
)
from verification.consent.selectors import journey_step
from verification.errors import ErrorCode, message_for
from verification.models import Invitation, Method


@require_GET
@employee_page
def choose(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    """How to verify: each way this organization offers (with only one, straight to it)."""
    where, _consent, attempt = journey_step(invitation)
    methods = methods_offered(organization_current())
    if where != "verify" or len(methods) < 2:
        return go_to(where, invitation)
    if attempt is not None and attempt.method == Method.KYCVS and attempt.error_code == ErrorCode.NOT_FOUND:
        # CoWIN refused the name: the details page says so, keeps the number, offers the certificate.
        return redirect(page_url("details", invitation))
    return render(request, "consent/choose.html", page_context(invitation, methods=methods, Method=Method))


@require_http_methods(["GET", "POST"])
@employee_page
def certificate(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    where, consent, _attempt = journey_step(invitation)
    methods = methods_offered(organization_current())
    if where != "verify" or consent is None or Method.CERTIFICATE not in methods:
        return go_to(where, invitation)
    form = CertificateForm(request.POST, request.FILES) if request.method == "POST" else CertificateForm()
    error, hint = "", ""
    if request.method == "POST" and form.is_valid():
        submitter = session_submitter(
            request.session, invitation, days=view_days(), keep_cookie=anonymous(request)
        )
        try:
            attempt_certificate_verify(
                consent=consent, data=form.certificate_bytes(), submitter=submitter, ip=client_ip(request)
            )
        except CertificateNotAccepted as refused:
            error, hint = str(refused.message), str(refused.hint or "")
        except StepRefused as refused:
            error = message_for(refused.code)
        else:
            link_used(invitation)
            return redirect(page_url("done", invitation))
    return render(
        request,
        "consent/certificate.html",
        page_context(invitation, form=form, error=error, hint=hint, other_ways=len(methods) > 1),
    )
