"""The employee's pages: notice and consent, details, OTP, result, withdrawal.

No login: the invitation link's token is the key. Every view looks the invitation up in the
current organization's schema (a token of another organization, or a tampered one, is simply
"not found"), then works out from the database where the employee stands.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from portal.proxies import client_ip
from tenants.selectors import organization_current
from verification import events, ratelimit
from verification.consent_forms import AgreeForm, DetailsForm, OtpForm, ViewCodeForm
from verification.errors import ErrorCode, message_for
from verification.models import Consent, Invitation, VaccinationStatus, VerificationAttempt
from verification.selectors import StaffAct, employee_data_summary
from verification.services import attempts as attempt_services
from verification.services import consent as consent_services
from verification.services import employee_access
from verification.services.employee_access import ViewAccess
from verification.services.invitations import access_invitation

State = VerificationAttempt.State
Review = VerificationAttempt.Review
IN_PROGRESS = (State.CREATED, State.OTP_SENT, State.OTP_SUBMITTED, State.EXPIRED)
TRANSITIONAL = (State.CREATED, State.OTP_SUBMITTED)
# Pages a right view code may lead back to.
CODE_NEXT = ("done", "my_data", "landing")


def _user_agent(request: HttpRequest) -> str:
    return request.headers.get("User-Agent", "")[:400]


def _private(response: HttpResponse) -> HttpResponse:
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
            return _private(response)
        try:
            invitation = access_invitation(token)
        except Http404:
            return _private(render(request, "consent/invalid.html", status=404))
        if invitation.opened_at is None:
            Invitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(
                opened_at=timezone.now()
            )
            events.invitation_opened(invitation, ip=client_ip(request))
        return _private(view(request, invitation, *args, **kwargs))

    return wrapper


def _where(invitation: Invitation) -> tuple[str, Consent | None, VerificationAttempt | None]:
    """Which page the employee belongs on, from the database."""
    consent = consent_services.consent_latest(invitation)
    if consent is not None and consent.withdrawn_at:
        return "withdrawn", consent, None
    if consent is not None and consent.decision == Consent.Decision.DECLINED:
        return "declined", consent, None
    if consent is not None and consent.is_active:
        attempt = attempt_services.attempt_current(consent)
        if attempt is not None and attempt.state == State.VERIFIED and attempt.review != Review.REJECTED:
            return "done", consent, attempt
        if invitation.otp_locked_at:
            return "locked", consent, attempt
        if invitation.revoked_at or invitation.is_expired:
            return "expired", consent, attempt
        if attempt is not None and attempt.state in IN_PROGRESS:
            return "otp", consent, attempt
        return "details", consent, attempt
    if invitation.revoked_at or invitation.is_expired or invitation.used_at:
        return "expired", None, None
    return "notice", None, None


def _url(name: str, invitation: Invitation) -> str:
    return reverse(f"consent:{name}", kwargs={"token": invitation.token})


def _go(where: str, invitation: Invitation) -> HttpResponse:
    """Send the employee to the page for where they stand."""
    return redirect(_url(where if where in ("details", "otp", "done") else "landing", invitation))


def _view_days() -> int:
    organization = organization_current()
    return organization.link_view_days if organization is not None else 30


def _anonymous(request: HttpRequest) -> bool:
    # A staff member signed in in the same browser keeps their session's own limits.
    return not request.user.is_authenticated


def _used(invitation: Invitation) -> None:
    """The employee took a step through the link: that is a use of it."""
    employee_access.link_use_record(invitation=invitation)


def _context(invitation: Invitation, **extra: Any) -> dict[str, Any]:
    return {
        "organization": organization_current(),
        "invitation": invitation,
        "employee": invitation.employee,
        "token": invitation.token,
        "notice_version": settings.CONSENT_NOTICE_VERSION,
        **extra,
    }


# --- pages --------------------------------------------------------------------------------


@require_GET
@employee_page
def landing(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    where, consent, _ = _where(invitation)
    if where == "notice":
        return render(request, "consent/notice.html", _context(invitation, form=AgreeForm()))
    if where == "expired":
        return render(request, "consent/expired.html", _context(invitation, consent=consent), status=410)
    if where == "declined":
        return render(request, "consent/declined.html", _context(invitation, consent=consent))
    if where == "withdrawn":
        return render(request, "consent/withdrawn.html", _context(invitation, consent=consent))
    if where == "locked":
        return render(
            request,
            "consent/locked.html",
            _context(invitation, consent=consent, error=message_for(ErrorCode.TOO_MANY_WRONG_OTPS)),
            status=403,
        )
    return _go(where, invitation)


@require_POST
@employee_page
def agree(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    where, _, _ = _where(invitation)
    if where != "notice":
        return _go(where, invitation)
    form = AgreeForm(request.POST)
    if not form.is_valid():
        return render(request, "consent/notice.html", _context(invitation, form=form), status=400)
    try:
        consent_services.consent_give(
            invitation=invitation,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            ip=client_ip(request),
            user_agent=_user_agent(request),
        )
    except consent_services.ConsentNotAllowed:
        return redirect(_url("landing", invitation))
    _used(invitation)
    return redirect(_url("details", invitation))


@require_POST
@employee_page
def decline(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    where, _, _ = _where(invitation)
    if where != "notice":
        return _go(where, invitation)
    with contextlib.suppress(consent_services.ConsentNotAllowed):  # answered meanwhile
        consent_services.consent_decline(
            invitation=invitation,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            ip=client_ip(request),
            user_agent=_user_agent(request),
        )
        _used(invitation)
    return redirect(_url("landing", invitation))


@require_http_methods(["GET", "POST"])
@employee_page
def details(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    where, consent, attempt = _where(invitation)
    if where != "details" or consent is None:
        return _go(where, invitation)
    employee = invitation.employee
    error = ""
    if attempt is not None and attempt.state == State.FAILED:
        error = message_for(attempt.error_code)
    elif attempt is not None and attempt.review == Review.REJECTED:
        error = message_for(ErrorCode.REVIEW_REJECTED)
    last4 = employee.mobile_last4 if employee.mobile else ""
    if request.method == "POST":
        form = DetailsForm(request.POST, mobile_last4=last4)
        if form.is_valid():
            try:
                attempt_services.attempt_start(
                    consent=consent,
                    mobile=form.chosen_mobile(),
                    full_name=form.cleaned_data["full_name"],
                    ip=client_ip(request),
                )
            except attempt_services.StepRefused as refused:
                error = message_for(refused.code)
            else:
                _used(invitation)
                return redirect(_url("otp", invitation))
    else:
        form = DetailsForm(initial={"full_name": employee.full_name}, mobile_last4=last4)
    return render(request, "consent/details.html", _context(invitation, form=form, error=error))


def _panel_context(
    invitation: Invitation, attempt: VerificationAttempt, form: OtpForm | None = None
) -> dict[str, Any]:
    now = timezone.now()
    resend_in = (
        int((attempt.retry_after - now).total_seconds()) + 1
        if attempt.retry_after and attempt.retry_after > now
        else 0
    )
    details: dict[str, object] = {}
    if attempt.error_code == ErrorCode.WRONG_OTP:
        details["tries_left"] = attempt.tries_left or 0
    if attempt.error_code == ErrorCode.RESEND_TOO_SOON:
        details["seconds"] = resend_in
    return _context(
        invitation,
        attempt=attempt,
        form=form or OtpForm(),
        error=message_for(attempt.error_code, **details),
        resend_in=resend_in,
        polling=attempt.state in TRANSITIONAL,
        mobile_last4=(attempt.mobile or "")[-4:],
        State=State,
    )


@require_http_methods(["GET", "POST"])
@employee_page
def otp(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    where, _, attempt = _where(invitation)
    if where != "otp" or attempt is None:
        return _go(where, invitation)
    form = None
    if request.method == "POST":
        form = OtpForm(request.POST)
        if form.is_valid():
            # This browser holds the OTP: if it verifies, this session may see the result.
            request.session.cycle_key()  # a new session id for a session that may see more
            submitter = employee_access.session_submitter(
                request.session, invitation, days=_view_days(), keep_cookie=_anonymous(request)
            )
            # If refused (it expired meanwhile), the page shows the attempt's state and message.
            with contextlib.suppress(attempt_services.StepRefused):
                attempt_services.attempt_submit_otp(
                    attempt=attempt, otp=form.cleaned_data["otp"], ip=client_ip(request), submitter=submitter
                )
                _used(invitation)
            return redirect(_url("otp", invitation))
        attempt.refresh_from_db()
    return render(request, "consent/otp.html", _panel_context(invitation, attempt, form))


@require_GET
@employee_page
def otp_state(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    """The OTP panel alone, polled by the page (htmx) while a worker is busy."""
    where, _, attempt = _where(invitation)
    if where != "otp" or attempt is None:
        return HttpResponseClientRedirect(_go(where, invitation)["Location"])
    return render(request, "consent/_otp_panel.html", _panel_context(invitation, attempt))


@require_POST
@employee_page
def resend(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    where, _, attempt = _where(invitation)
    if where == "otp" and attempt is not None:
        try:
            attempt_services.attempt_resend(attempt=attempt, ip=client_ip(request))
        except attempt_services.StepRefused as refused:
            attempt.error_code = refused.code
            VerificationAttempt.objects.filter(pk=attempt.pk).update(error_code=refused.code)
        else:
            _used(invitation)
    return redirect(_url("otp", invitation))


def _protected(
    request: HttpRequest,
    invitation: Invitation,
    access: ViewAccess,
    *,
    next_page: str,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """Instead of the status or the data: why they are not shown to this browser, and the two
    ways on (a code by e-mail to see them; withdrawing consent, for which the link suffices)."""
    return render(
        request,
        "consent/protected.html",
        _context(
            invitation,
            access=access.value,
            next_page=next_page,
            consent=consent_services.consent_active(invitation),
            view_days=_view_days(),
            error=error,
        ),
        status=status,
    )


@require_GET
@employee_page
def done(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    where, consent, attempt = _where(invitation)
    if where != "done" or attempt is None:
        return _go(where, invitation)
    access = employee_access.view_access(
        request.session, invitation, days=_view_days(), keep_cookie=_anonymous(request)
    )
    if access != ViewAccess.ALLOWED:
        return _protected(request, invitation, access, next_page="done")
    record = getattr(attempt, "status_record", None)
    return render(
        request,
        "consent/done.html",
        _context(
            invitation,
            consent=consent,
            record=record,
            status_label=VaccinationStatus(record.status).label if record else "",
            awaiting_review=attempt.review == Review.PENDING,
        ),
    )


def _next_page(value: str | None) -> str:
    return value if value in CODE_NEXT else "landing"


@require_POST
@employee_page
def code_send(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    """E-mail a one-time code to the address on file, to see the status and data here."""
    next_page = _next_page(request.POST.get("next"))
    refused = employee_access.view_code_request(invitation=invitation, ip=client_ip(request))
    if refused is not None:
        days = _view_days()
        access = (
            ViewAccess.VIEW_EXPIRED
            if employee_access.link_view_expired(invitation, days=days)
            else ViewAccess.NEEDS_CODE
        )
        return _protected(
            request, invitation, access, next_page=next_page, error=message_for(refused), status=429
        )
    return redirect(f"{_url('code', invitation)}?next={next_page}")


@require_http_methods(["GET", "POST"])
@employee_page
def code(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    """Enter the code from the e-mail; a right one lets this browser see the status and data
    for a while."""
    next_page = _next_page(request.POST.get("next") or request.GET.get("next"))
    error = ""
    if request.method == "POST":
        form = ViewCodeForm(request.POST)
        if form.is_valid():
            result = employee_access.view_code_check(
                invitation=invitation, code=form.cleaned_data["code"], ip=client_ip(request)
            )
            if result.ok:
                request.session.cycle_key()  # a new session id now that it may see more
                employee_access.session_grant(request.session, invitation)
                return redirect(_url(next_page, invitation))
            error = message_for(result.error or ErrorCode.VIEW_CODE_EXPIRED, tries_left=result.tries_left)
    else:
        form = ViewCodeForm()
    return render(
        request,
        "consent/code.html",
        _context(
            invitation,
            form=form,
            error=error,
            next_page=next_page,
            minutes=settings.VIEW_CODE_TTL_S // 60,
        ),
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
@employee_page
def withdraw(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    consent = consent_services.consent_active(invitation)
    if consent is None:
        return redirect(_url("landing", invitation))
    if request.method == "POST":
        consent_services.consent_withdraw(
            consent=consent, ip=client_ip(request), user_agent=_user_agent(request)
        )
        return redirect(_url("landing", invitation))
    return render(request, "consent/withdraw.html", _context(invitation, consent=consent))


#: What a staff member did with the record, as the employee reads it.
STAFF_ACTIONS = {
    "employee.created": _("added your record"),
    "employee.viewed": _("looked at your record"),
    "employee.updated": _("changed your details"),
    "employee.deactivated": _("marked your record inactive"),
    "employee.reactivated": _("marked your record active again"),
    "invitation.created": _("sent you an invitation"),
    "invitation.reminded": _("sent you a reminder"),
    "review.approved": _("approved your verification through another number"),
    "review.rejected": _("rejected your verification through another number"),
    "export.downloaded": _("downloaded the employee list"),
}


def _who(act: StaffAct) -> str:
    if act.name is None:
        return str(_("a former member of staff"))
    return act.name or str(_("a member of staff"))


def _acts(acts: list[StaffAct]) -> list[dict[str, Any]]:
    return [
        {
            "at": act.event.at,
            "what": STAFF_ACTIONS.get(act.event.action, _("worked with your record")),
            "who": _who(act),
            "role": act.role.label if act.role else "",
            "data": act.event.data,
        }
        for act in acts
    ]


@require_GET
@employee_page
def my_data(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    """What the organization holds about the employee, and who viewed or exported it: shown
    only to a browser allowed to see it (employee_access)."""
    access = employee_access.view_access(
        request.session, invitation, days=_view_days(), keep_cookie=_anonymous(request)
    )
    if access != ViewAccess.ALLOWED:
        return _protected(request, invitation, access, next_page="my_data")
    employee = invitation.employee
    events.data_summary_viewed(employee, ip=client_ip(request))
    summary = employee_data_summary(employee)
    return render(
        request,
        "consent/my_data.html",
        _context(
            invitation,
            summary=summary,
            staff_access=_acts(summary.staff_access),
            exports=_acts(summary.exports),
            statuses=dict(VaccinationStatus.choices),
        ),
    )
