"""The sandbox's CoWIN API (the calls a KYC-VS client makes, and its JWKS) answered without the
rest of the middleware stack.

Those calls are machine to machine: no session, no signed-in person, no CSRF token (the views
are exempt), no organization, no page. Through the whole stack each one still paid for what
only pages need: the organization's lookup by host (a database query), the session, CSRF,
authentication, two-factor, messages, lockouts. Placed after the proxy and security
middleware (those still apply), this answers a request for the public site
(``BASE_DOMAIN``) whose path the public URLconf routes to one of ``API_VIEWS`` by calling the
view directly; every other request goes on through the stack as before. The views are the
same either way, so the HTTP contract is too; with the sandbox switched off it does nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.urls import Resolver404, resolve

#: URL names (namespace ``sandbox``) of what a KYC-VS client calls.
API_VIEWS = frozenset({"generate_otp", "confirm_otp", "status", "jwks"})


class SandboxApiMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.KYCVS_SANDBOX_ENABLED and _on_public_site(request):
            try:
                match = resolve(request.path_info, urlconf=settings.PUBLIC_SCHEMA_URLCONF)
            except Resolver404:
                match = None
            if match is not None and match.namespace == "sandbox" and match.url_name in API_VIEWS:
                response: HttpResponse = match.func(request, *match.args, **match.kwargs)
                return response
        return self.get_response(request)


def _on_public_site(request: HttpRequest) -> bool:
    try:
        host = request.get_host()
    except DisallowedHost:
        return False  # the stack answers it, as for any other path
    return split_domain_port(host)[0] == settings.BASE_DOMAIN
