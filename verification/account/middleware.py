"""Staff session rules: the second factor before any page (Owners, HR Admins), session time
limits, and no caching of anything a signed-in request gets.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import quote

from django.apps import apps
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.db import connection
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.cache import add_never_cache_headers
from django_otp.middleware import OTPMiddleware as BaseOTPMiddleware
from django_otp.models import Device

from tenants.duework import Kind as DueKind
from tenants.duework import due_work_mark
from verification.account.permissions import request_role
from verification.account.twofactor import has_authenticator, two_factor_required

# Pages that must work before the second factor: signing in and out, the second factor
# itself, the employees' consent pages (no staff login there), language switch, static files.
EXEMPT_PREFIXES = (
    "/account/2fa/",
    "/account/join/",
    "/accounts/",
    "/c/",
    "/i18n/",
    "/static/",
)


class OTPMiddleware(BaseOTPMiddleware):
    """django-otp's middleware (which device passed the second factor: the user's own and
    confirmed, else none, as django-otp decides), with the session's device read in one raw
    query by its id: through the ORM, building that query cost twice running it (0.76 ms a
    request against 0.3). Should django-otp rename the method, its own lookup runs instead."""

    def _device_from_persistent_id(self, persistent_id: str) -> Device | None:
        persistent_id = self._normalize_persistent_id(persistent_id)
        try:
            model_label, device_id = persistent_id.rsplit("/", 1)
            model = apps.get_model(model_label)
            pk = int(device_id)
        except (ValueError, LookupError):
            return None
        if not issubclass(model, Device):
            return None
        # The table from the model, quoted; the id is a parameter.
        sql = f"SELECT * FROM {connection.ops.quote_name(model._meta.db_table)} WHERE id = %s"  # noqa: S608
        found = list(model._default_manager.raw(sql, [pk]))
        return found[0] if found else None


class NoStoreForStaffMiddleware:
    """Every response to a signed-in request (pages, redirects, htmx fragments, downloads)
    says ``Cache-Control: no-store, private``: staff pages carry names, health data and secrets
    (a QR code, backup codes), which no browser cache or proxy may keep.

    A request counts if the user was signed in when it arrived or is when it leaves (the
    sign-in itself, a session that ended on the way). Static files never get here: WhiteNoise
    answers them earlier in MIDDLEWARE, with their own caching.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        signed_in = request.user.is_authenticated
        response = self.get_response(request)
        if signed_in or request.user.is_authenticated:
            add_never_cache_headers(response)
        return response


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
            and two_factor_required(request_role(request))
        ):
            step = "verify" if has_authenticator(user) else "setup"  # type: ignore[arg-type]
            return HttpResponseRedirect(f"/account/2fa/{step}/?next={quote(request.get_full_path())}")
        return self.get_response(request)


class SessionLimitsMiddleware:
    """Staff sessions end after 30 minutes without activity and 12 hours after sign-in.

    Requests that only poll for fresh numbers (header X-Tika-Poll) do not count as activity,
    so a dashboard left open still times out.
    """

    LOGIN_AT = "tika_login_at"
    SEEN_AT = "tika_seen_at"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            session = request.session
            login_at = session.setdefault(self.LOGIN_AT, now)
            seen_at = session.get(self.SEEN_AT, login_at)
            if now - login_at > settings.SESSION_ABSOLUTE_AGE or now - seen_at > settings.SESSION_IDLE_AGE:
                logout(request)
                return HttpResponseRedirect(
                    f"{settings.LOGIN_URL_PATH}?expired=1&next={quote(request.get_full_path())}"
                )
            # Recorded at most once a minute, so most requests do not write the session.
            if "X-Tika-Poll" not in request.headers and now - seen_at >= 60:
                session[self.SEEN_AT] = now
        return self.get_response(request)


@receiver(user_logged_in)
def _session_started(sender: object, request: HttpRequest | None, user: object, **kwargs: object) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SessionLimitsMiddleware.LOGIN_AT] = time.time()
        request.session[SessionLimitsMiddleware.SEEN_AT] = time.time()
        # Its expired row is deleted by the sessions job, which visits only when one is due.
        due_work_mark(kind=DueKind.SESSIONS, at=request.session.get_expiry_date())


class AuditAddressMiddleware:
    """What staff do in this request is audited with the address it came from (the audit
    log's "From"), without each view passing it on (verification.events.request_ip)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from portal.proxies import client_ip
        from verification.events import request_ip

        token = request_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            request_ip.reset(token)
