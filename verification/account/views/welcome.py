"""The new Owner's first step on their organization's own site, straight from sign-up."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_GET

from portal.proxies import client_ip
from tenants.members import member_by_id
from tenants.selectors import organization_current
from tenants.services import login_client_digest, login_handoff_redeem
from verification import events


@require_GET
def welcome(request: HttpRequest, token: str) -> HttpResponse:
    """Sign in with the public site's one-time ticket (``tenants.services.login_handoff_*``),
    then on to the second factor's set-up like any sign-in. A ticket that cannot be used
    (expired, used, another browser or organization) leads to the sign-in page instead."""
    organization = organization_current()
    ip = client_ip(request)
    user_id = (
        login_handoff_redeem(
            token=token,
            organization=organization,
            client=login_client_digest(ip=ip, user_agent=request.headers.get("User-Agent", "")),
        )
        if organization is not None
        else None
    )
    user = member_by_id(user_id)
    if user is None or not user.is_active:
        return HttpResponseRedirect(f"{settings.LOGIN_URL_PATH}?welcome=1")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    events.staff_signed_in_after_signup(user, ip=ip)
    return HttpResponseRedirect("/")
