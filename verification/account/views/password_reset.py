"""Password reset by e-mail on the organization's own site."""

from __future__ import annotations

import hashlib

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseRedirect

from portal.proxies import client_ip
from verification import events, ratelimit
from verification.account.services import staff_password_reset_send

THROTTLE_NOTED_S = 3600


class StaffPasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        email = form.cleaned_data["email"]
        ip = client_ip(self.request)
        refused = ratelimit.password_reset_refused(email=email, ip=ip or "")
        if refused is None:
            users = staff_password_reset_send(email=email)
            if users:
                events.password_reset_requested(ip=ip, users=users)
        else:
            key = ip if refused == "ip" else hashlib.sha256(email.strip().lower().encode()).hexdigest()
            if cache.add(f"password-reset-throttled:{refused}:{key}", 1, timeout=THROTTLE_NOTED_S):
                events.password_reset_throttled(ip=ip, limit=refused)
        return HttpResponseRedirect(self.get_success_url())
