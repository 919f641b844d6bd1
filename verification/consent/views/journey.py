"""The employee's journey pages: the notice with consent or decline, the choice of a way to
verify, and withdrawal.
"""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.proxies import client_ip
from verification.consent.forms import AgreeForm
from verification.consent.pages import (
    employee_page,
    go_to,
    link_used,
    page_context,
    page_url,
    user_agent,
)
from verification.consent.selectors import consent_active, journey_step
from verification.consent.services import ConsentNotAllowed, consent_decline, consent_give, consent_withdraw
from verification.errors import ErrorCode, message_for
from verification.models import Invitation


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
        # 200 with the form kept: the page opens at the box (autofocus), the error beside it.
        return render(request, "consent/notice.html", page_context(invitation, form=form))
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
    return go_to("verify", invitation)


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
def withdraw(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    consent = consent_active(invitation)
    if consent is None:
        return redirect(page_url("landing", invitation))
    if request.method == "POST":
        consent_withdraw(consent=consent, ip=client_ip(request), user_agent=user_agent(request))
        return redirect(page_url("landing", invitation))
    return render(request, "consent/withdraw.html", page_context(invitation, consent=consent))
