"""Staff two-factor sign-in: enrol an authenticator app, verify each session, backup codes."""

from __future__ import annotations

import base64
import io
import time
from urllib.parse import quote

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

from verification.account.forms import CodeForm, CurrentCodeForm
from verification.account.twofactor import (
    backup_codes_generate,
    backup_codes_left,
    has_authenticator,
    second_factor_check,
    second_factor_locked,
    second_factor_refused_while_locked,
    totp_confirm,
    totp_device_for_enrolment,
)

SESSION_FRESH_CODES = "tika_backup_codes"


# When this session last entered a correct code (sign-in, enrolment or "confirm it is you").
SESSION_CODE_AT = "tika_2fa_code_at"


FRESH_CODE_S = 10 * 60


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
    request.session[SESSION_CODE_AT] = time.time()


def _code_is_fresh(request: HttpRequest) -> bool:
    entered_at = request.session.get(SESSION_CODE_AT)
    return isinstance(entered_at, int | float) and 0 <= time.time() - entered_at <= FRESH_CODE_S


def _confirm_current_code(request: HttpRequest) -> tuple[CurrentCodeForm, bool]:
    """The "confirm it is you" form of this request, and whether it just confirmed a current
    code (then the session counts as fresh). Throttled and audited like the sign-in's step."""
    user = request.user
    form = CurrentCodeForm(request.POST if "current_code" in request.POST else None)
    if not form.is_bound:
        return form, False
    if second_factor_locked(user):  # type: ignore[arg-type]
        second_factor_refused_while_locked(user, step="reauth")  # type: ignore[arg-type]
        form.add_error(
            "current_code",
            forms.ValidationError(
                _("Too many wrong codes. Wait a minute before trying again."), code="locked"
            ),
        )
        return form, False
    if form.is_valid():
        code = form.cleaned_data["current_code"]
        if second_factor_check(user=user, token=code, step="reauth") is not None:  # type: ignore[arg-type]
            request.session[SESSION_CODE_AT] = time.time()
            return form, True
        form.add_error("current_code", _("That code is not right."))
    return form, False


def _status(form: forms.Form) -> int:
    # The page again, with the error; 429 while wrong codes are throttled.
    locked = any(e.code == "locked" for e in form.errors.as_data().get("current_code", []))
    return 429 if locked else 200


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
    if has_authenticator(user) and not request.user.is_verified():  # type: ignore[arg-type,union-attr]
        return redirect(f"/account/2fa/verify/?next={_next(request)}")
    if has_authenticator(user) and not _code_is_fresh(request):  # type: ignore[arg-type]
        # Replacing the authenticator of a signed-in session: a current code first.
        current, confirmed = _confirm_current_code(request)
        if confirmed:
            return redirect(f"{request.path}?next={quote(_next(request))}")
        return render(
            request,
            "account/setup.html",
            {"current_form": current, "next": _next(request)},
            status=_status(current),
        )
    device = totp_device_for_enrolment(user)  # type: ignore[arg-type]
    form = CodeForm(request.POST or None, numeric=True)
    if request.method == "POST" and form.is_valid():
        if totp_confirm(device=device, token=form.cleaned_data["code"]):
            _signed_in_with_second_factor(request, device)
            request.session[SESSION_FRESH_CODES] = backup_codes_generate(user)  # type: ignore[arg-type]
            return redirect(f"/account/2fa/backup-codes/?next={_next(request)}")
        form.add_error(
            "code", _("That code is not right. Check the time on your phone and try the newest code.")
        )
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "account/setup.html",
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
    if not has_authenticator(user):  # type: ignore[arg-type]
        return redirect(f"/account/2fa/setup/?next={_next(request)}")
    if request.user.is_verified():  # type: ignore[union-attr]
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    locked = second_factor_locked(user)  # type: ignore[arg-type]
    if request.method == "POST" and locked:
        second_factor_refused_while_locked(user)  # type: ignore[arg-type]
    if request.method == "POST" and form.is_valid() and not locked:
        device = second_factor_check(user=user, token=form.cleaned_data["code"])  # type: ignore[arg-type]
        if device is not None:
            _signed_in_with_second_factor(request, device)
            return redirect(_next(request))
        form.add_error("code", _("That code is not right."))
    status = 429 if locked else 200
    return render(
        request,
        "account/verify.html",
        {"form": form, "locked": locked, "next": _next(request)},
        status=status,
    )


def codes_file_url(codes: list[str], *, organization: object) -> str:
    """A data: URL of a text file with the backup codes, one a line, and what they are for."""
    name = getattr(organization, "name", "Tika")
    lines = [
        str(
            _("Tika backup codes for %(org)s: each works once, when your phone is not at hand.")
            % {"org": name}
        ),
        "",
        *codes,
        "",
    ]
    return "data:text/plain;charset=utf-8," + quote("\r\n".join(lines))


@login_required
@require_http_methods(["GET", "POST"])
def backup_codes(request: HttpRequest) -> HttpResponse:
    if not request.user.is_verified():  # type: ignore[union-attr]
        return redirect(f"/account/2fa/verify/?next={request.path}")
    current, confirmed = _confirm_current_code(request)
    if request.method == "POST" and (confirmed or _code_is_fresh(request)):
        request.session[SESSION_FRESH_CODES] = backup_codes_generate(request.user)  # type: ignore[arg-type]
        return redirect(request.path)
    codes = request.session.pop(SESSION_FRESH_CODES, None)  # shown once
    response = render(
        request,
        "account/backup_codes.html",
        {
            "codes": codes,
            # The same codes as a .txt file to keep (a data: URL: nothing stored to serve it later).
            "codes_file": codes_file_url(codes, organization=getattr(request, "tenant", None))
            if codes
            else "",
            "left": backup_codes_left(request.user),  # type: ignore[arg-type]
            "next": _next(request),
            # Making new codes needs a current one unless one was entered a moment ago.
            "current_form": None if _code_is_fresh(request) else current,
        },
        status=_status(current) if request.method == "POST" else 200,
    )
    response["Cache-Control"] = "no-store"
    return response
