"""What every employee page shares: the link's lookup, the per-address limit, no-store headers,
the page context and the way back to where the employee stands.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from portal.proxies import client_ip
from tenants.selectors import organization_current
from verification import events, ratelimit
from verification.attempts.selectors import methods_offered
from verification.consent.access import link_use_record
from verification.errors import ErrorCode
from verification.invitations.selectors import access_invitation
from verification.models import Invitation, Method


def user_agent(request: HttpRequest) -> str:
    return request.headers.get("User-Agent", "")[:400]


def private(response: HttpResponse) -> HttpResponse:
    # The token is in the URL: never cache these pages, never leak the URL to other sites.
    # (Not "no-referrer": browsers then send "Origin: null" with forms, which CSRF refuses.)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def employee_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Per-IP limit, invitation lookup (404 page if not found), no-store headers."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponse:
        if not ratelimit.employee_request_allowed(client_ip(request) or ""):
            response = render(
                request,
                "consent/message.html",
                {"title": ErrorCode.TOO_MANY_REQUESTS.label, "organization": organization_current()},
                status=429,
            )
            response["Retry-After"] = "60"
            return private(response)
        try:
            invitation = access_invitation(token)
        except Http404:
            return private(render(request, "consent/invalid.html", status=404))
        if invitation.opened_at is None:
            Invitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(
                opened_at=timezone.now()
            )
            events.invitation_opened(invitation, ip=client_ip(request))
        return private(view(request, invitation, *args, **kwargs))

    return wrapper


def page_url(name: str, invitation: Invitation) -> str:
    return reverse(f"consent:{name}", kwargs={"token": invitation.token})


def verify_page(invitation: Invitation) -> str:
    """The page where this employee verifies: the choice of the ways this organization offers,
    or the only one (certificate, or the name and number for an OTP)."""
    methods = methods_offered(organization_current())
    if len(methods) > 1:
        return "choose"
    return "certificate" if methods == [Method.CERTIFICATE] else "details"


def go_to(where: str, invitation: Invitation) -> HttpResponse:
    """Send the employee to the page for where they stand (consent.selectors.journey_step)."""
    if where == "verify":
        return redirect(page_url(verify_page(invitation), invitation))
    return redirect(page_url(where if where in ("otp", "done") else "landing", invitation))


def view_days() -> int:
    organization = organization_current()
    return organization.link_view_days if organization is not None else 30


def anonymous(request: HttpRequest) -> bool:
    # A staff member signed in in the same browser keeps their session's own limits.
    return not request.user.is_authenticated


def link_used(invitation: Invitation) -> None:
    """The employee took a step through the link: that is a use of it."""
    link_use_record(invitation=invitation)


def page_context(invitation: Invitation, **extra: Any) -> dict[str, Any]:
    return {
        "organization": organization_current(),
        "invitation": invitation,
        "employee": invitation.employee,
        "token": invitation.token,
        "notice_version": settings.CONSENT_NOTICE_VERSION,
        **extra,
    }
