"""Public site: landing page, organization sign-up, unknown-organization page."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal.proxies import client_ip
from tenants.forms import SignupForm
from tenants.models import Organization
from tenants.services import organization_create


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "public/landing.html")


def organization_url(request: HttpRequest, organization: Organization, path: str) -> str:
    """Absolute URL of ``path`` on the organization's own domain, same scheme and port."""
    domain = organization.get_primary_domain()
    port = request.get_port()
    default_port = "443" if request.is_secure() else "80"
    host = domain.domain if port == default_port else f"{domain.domain}:{port}"
    return f"{request.scheme}://{host}{path}"


def signup_rate_key(request: HttpRequest) -> str:
    return f"signup-rate:{client_ip(request) or ''}"


def _signup_allowed(request: HttpRequest) -> bool:
    """Each sign-up provisions a schema: cap them per client address."""
    key = signup_rate_key(request)
    cache.add(key, 0, timeout=3600)
    return cache.incr(key) <= settings.SIGNUPS_PER_HOUR_PER_IP


def organization_origins(request: HttpRequest) -> str:
    """CSP source matching every organization's site: same scheme and port as this request."""
    port = request.get_port()
    default_port = "443" if request.is_secure() else "80"
    return f"{request.scheme}://*.{settings.BASE_DOMAIN}" + ("" if port == default_port else f":{port}")


def _signup_page(request: HttpRequest, form: SignupForm, status: int = 200) -> HttpResponse:
    response = render(request, "public/signup.html", {"form": form}, status=status)
    # The form's answer is a redirect to the new organization's own subdomain, and browsers
    # check a form's redirects against form-action too: without this, Chromium blocks it
    # (the organization is created, the person stays on this page).
    response._csp_update = {"form-action": [organization_origins(request)]}  # type: ignore[attr-defined]
    return response


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if not _signup_allowed(request):
            form.add_error(None, _("Too many sign-ups from your network. Try again in an hour."))
            return _signup_page(request, form, status=429)
        data = form.cleaned_data
        try:
            organization = organization_create(
                name=data["organization_name"],
                slug=data["subdomain"],
                owner_name=data["owner_name"],
                owner_email=data["email"],
                owner_password=data["password"],
            )
        except IntegrityError:
            # Someone took the subdomain between validation and creation.
            form.add_error("subdomain", _("This subdomain is already taken."))
        else:
            login_url = organization_url(
                request, organization, reverse("login", urlconf=settings.ROOT_URLCONF)
            )
            return HttpResponseRedirect(f"{login_url}?welcome=1")
    return _signup_page(request, form)


def organization_not_found(request: HttpRequest) -> HttpResponse:
    """Served for a host that belongs to no organization (django-tenants' not-found hook)."""
    context = {"host": request.get_host().split(":")[0], "base_domain": settings.BASE_DOMAIN}
    return render(request, "errors/organization_not_found.html", context, status=404)
