"""Until an Owner or HR Admin has passed the second factor, every staff page redirects to it."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from verification import twofactor
from verification.permissions import request_role

# Pages that must work before the second factor: signing in and out, the second factor
# itself, the employees' consent pages (no staff login there), language switch, static files.
EXEMPT_PREFIXES = ("/account/2fa/", "/accounts/login/", "/accounts/logout/", "/c/", "/i18n/", "/static/")


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = getattr(request, "tenant", None)
        user = getattr(request, "user", None)
        if (
            tenant is not None
            and tenant.is_customer
            and user is not None
            and user.is_authenticated
            and not request.path.startswith(EXEMPT_PREFIXES)
            and not user.is_verified()  # type: ignore[union-attr]
            and twofactor.two_factor_required(request_role(request))
        ):
            step = "verify" if twofactor.has_authenticator(user) else "setup"  # type: ignore[arg-type]
            return HttpResponseRedirect(f"/account/2fa/{step}/?next={quote(request.get_full_path())}")
        return self.get_response(request)
