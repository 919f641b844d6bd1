"""Staff two-factor sign-in: enrol an authenticator app, verify each session, backup codes."""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from verification import twofactor

SESSION_FRESH_CODES = "tika_backup_codes"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return "/"
    return target


def _signed_in_with_second_factor(request: HttpRequest, device) -> None:  # type: ignore[no-untyped-def]
    otp_login(request, device)
    request.session.cycle_key()  # a new session key once the second factor is in


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]


@login_required
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    if twofactor.has_authenticator(user) and not request.user.is_verified():  # type: ignore[arg-type,union-attr]
        return redirect(f"/account/2fa/verify/?next={_next(request)}")
    device = twofactor.totp_device_for_enrolment(user)  # type: ignore[arg-type]
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if twofactor.totp_confirm(device=device, token=form.cleaned_data["code"]):
            _signed_in_with_second_factor(request, device)
            request.session[SESSION_FRESH_CODES] = twofactor.backup_codes_generate(user)  # type: ignore[arg-type]
            return redirect(f"/account/2fa/backup-codes/?next={_next(request)}")
        form.add_error(
            "code", _("That code is not right. Check the time on your phone and try the newest code.")
        )
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "tenant/account/setup.html",
        {
            "form": form,
            "qr_svg": mark_safe(_qr_svg(device.config_url)),  # noqa: S308 - SVG we just generated
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "next": _next(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not twofactor.has_authenticator(user):  # type: ignore[arg-type]
        return redirect(f"/account/2fa/setup/?next={_next(request)}")
    if request.user.is_verified():  # type: ignore[union-attr]
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    locked = twofactor.second_factor_locked(user)  # type: ignore[arg-type]
    if request.method == "POST" and locked:
        twofactor.second_factor_refused_while_locked(user)  # type: ignore[arg-type]
    if request.method == "POST" and form.is_valid() and not locked:
        device = twofactor.second_factor_check(user=user, token=form.cleaned_data["code"])  # type: ignore[arg-type]
        if device is not None:
            _signed_in_with_second_factor(request, device)
            return redirect(_next(request))
        form.add_error("code", _("That code is not right."))
    status = 429 if locked else 200
    return render(
        request,
        "tenant/account/verify.html",
        {"form": form, "locked": locked, "next": _next(request)},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def backup_codes(request: HttpRequest) -> HttpResponse:
    if not request.user.is_verified():  # type: ignore[union-attr]
        return redirect(f"/account/2fa/verify/?next={request.path}")
    if request.method == "POST":
        request.session[SESSION_FRESH_CODES] = twofactor.backup_codes_generate(request.user)  # type: ignore[arg-type]
        return redirect(request.path)
    codes = request.session.pop(SESSION_FRESH_CODES, None)  # shown once
    response = render(
        request,
        "tenant/account/backup_codes.html",
        {"codes": codes, "left": twofactor.backup_codes_left(request.user), "next": _next(request)},  # type: ignore[arg-type]
    )
    response["Cache-Control"] = "no-store"
    return response
