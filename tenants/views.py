"""Public site: landing page, organization sign-up, "find your organization", unknown-organization
page."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.proxies import client_ip
from tenants.forms import FindOrganizationForm, SignupForm
from tenants.limits import organization_links_refused
from tenants.models import Organization
from tenants.services import (
    login_client_digest,
    login_handoff_issue,
    organization_create,
    organization_links_send,
)
from tenants.subdomains import subdomain_free_variant, subdomain_from_name, subdomain_suggest
from tenants.validators import normalize_subdomain


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
            # Signed in on the new site without typing the password again: a one-time ticket
            # for this browser, used by the organization's own site at once.
            token = login_handoff_issue(
                organization=organization, email=data["email"], client=_client_digest(request)
            )
            welcome = reverse("account:welcome", args=[token], urlconf=settings.ROOT_URLCONF)
            return HttpResponseRedirect(organization_url(request, organization, welcome))
    return _signup_page(request, form)


def _client_digest(request: HttpRequest) -> str:
    return login_client_digest(ip=client_ip(request), user_agent=request.headers.get("User-Agent", ""))


@require_GET
def subdomain_suggestion(request: HttpRequest) -> JsonResponse:
    """For the sign-up page's live hint: the subdomain spelled from ``name`` and a free one
    (``subdomain``, when given, is checked instead: the person typed it)."""
    typed = normalize_subdomain(request.GET.get("subdomain", ""))[:80]
    name = request.GET.get("name", "")[:120]
    if typed:
        free = subdomain_free_variant(typed)
        return JsonResponse({"subdomain": typed, "free": free, "taken": free != typed})
    spelled = subdomain_from_name(name)
    free = subdomain_suggest(name) if spelled else None
    return JsonResponse({"subdomain": spelled, "free": free, "taken": bool(spelled) and free != spelled})


@require_http_methods(["GET", "POST"])
def find_organization(request: HttpRequest) -> HttpResponse:
    """Sign in from the public site: the person's e-mail gets the links of their organizations.

    The answer is the same page whether the address belongs to no organization, to several,
    or was held back by a limit, so nobody learns which addresses exist from it.
    """
    form = FindOrganizationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if organization_links_refused(email=email, ip=client_ip(request)) is None:
            organization_links_send(email=email)
        return redirect("find_organization_sent")
    return render(request, "public/find_organization.html", {"form": form})


def find_organization_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "public/find_organization_sent.html")


def organization_not_found(request: HttpRequest) -> HttpResponse:
    """Served for a host that belongs to no organization (django-tenants' not-found hook)."""
    context = {"host": request.get_host().split(":")[0], "base_domain": settings.BASE_DOMAIN}
    return render(request, "errors/organization_not_found.html", context, status=404)
