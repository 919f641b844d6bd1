"""The employee's steps of a verification (from the web): start with a number, ask for a new OTP,
submit the OTP. Each locks the attempt, checks the state and the limits, and hands the
provider call to a worker after commit.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from verification import events, ratelimit
from verification.attempts.selectors import attempt_current
from verification.attempts.transitions import State, attempt_expire
from verification.errors import ErrorCode
from verification.models import (
    Consent,
    Employee,
    Invitation,
    Progress,
    VerificationAttempt,
)
from verification.names import names_match
from verification.phones import normalize_indian_mobile
from verification.queue import Task, enqueue


class StepRefused(Exception):
    """The employee asked for something the attempt's state or the limits do not allow."""

    def __init__(self, code: ErrorCode, retry_after_s: int | None = None) -> None:
        self.code = code
        self.retry_after_s = retry_after_s
        super().__init__(code.value)


def check_not_locked(invitation: Invitation) -> None:
    if invitation.otp_locked_at is not None:
        raise StepRefused(ErrorCode.TOO_MANY_WRONG_OTPS)


def attempt_start(
    *, consent: Consent, full_name: str, ip: str | None, mobile: str | None = None
) -> VerificationAttempt:
    """Start verifying: CoWIN is asked (by a worker) to send an OTP to a mobile number, with
    ``full_name`` as the name registered there.

    The number is the one on file when ``mobile`` is None or the same number. Any other number
    is recorded on the attempt as changed by the employee, never on the employee's record,
    and is allowed only if ``full_name`` matches the name on file (verification.names); a
    status verified through it awaits HR's review before it counts. Nothing on the employee's
    record changes either way.

    Raises StepRefused: NAME_MISMATCH (another number, another name: nothing is sent),
    NO_MOBILE_ON_FILE (``mobile`` None and none on file), TOO_MANY_WRONG_OTPS (the link is
    locked), SEND_LIMIT, FAILED (consent no longer active).
    """
    name = " ".join(full_name.split())
    on_file = Employee.objects.get(pk=consent.employee_id)
    e164 = normalize_indian_mobile(mobile) if mobile else on_file.mobile
    if not e164:
        raise StepRefused(ErrorCode.NO_MOBILE_ON_FILE)
    mobile_changed = e164 != on_file.mobile
    verdict = ""
    if mobile_changed:
        match = names_match(on_file.full_name, name)
        verdict = match.reason.value
        if not match:
            events.details_refused(on_file, ip=ip, reason=f"name_mismatch:{verdict}")
            raise StepRefused(ErrorCode.NAME_MISMATCH)
    with transaction.atomic():
        consent = (
            Consent.objects.select_for_update(of=("self",))
            .select_related("employee", "invitation")
            .get(pk=consent.pk)
        )
        if not consent.is_active:
            raise StepRefused(ErrorCode.FAILED)
        current = attempt_current(consent)
        if current is not None and not current.is_terminal:
            return current  # a double submit: keep the attempt under way
        employee = consent.employee
        if employee.mobile != on_file.mobile or employee.full_name != on_file.full_name:
            raise StepRefused(ErrorCode.FAILED)  # HR changed the record meanwhile: start again
        check_not_locked(consent.invitation)
        if not ratelimit.otp_send_allowed(consent.employee_id):
            raise StepRefused(ErrorCode.SEND_LIMIT)
        Employee.objects.filter(pk=employee.pk).update(progress=Progress.CONSENTED)
        attempt = VerificationAttempt.objects.create(
            employee=employee,
            consent=consent,
            mobile=e164,
            full_name=name,
            mobile_changed=mobile_changed,
            next_action_at=timezone.now(),
        )
        events.details_confirmed(attempt, ip=ip, name_match=verdict)
        events.otp_requested(attempt, ip=ip)
        enqueue(Task.ATTEMPT_SEND_OTP, attempt.pk)
    return attempt


def attempt_resend(*, attempt: VerificationAttempt, ip: str | None) -> VerificationAttempt:
    """Ask for a new OTP (after the cooldown, within the hourly limit). Refused with StepRefused,
    whose code is also left on the attempt for its page to show."""
    try:
        with transaction.atomic():
            # Only the attempt's row is locked (as before); the invitation is read for its lock.
            attempt = (
                VerificationAttempt.objects.select_for_update(of=("self",))
                .select_related("consent__invitation")
                .get(pk=attempt.pk)
            )
            if attempt.state not in (State.OTP_SENT, State.EXPIRED):
                raise StepRefused(ErrorCode.FAILED)
            check_not_locked(attempt.consent.invitation)
            now = timezone.now()
            if attempt.retry_after and attempt.retry_after > now:
                raise StepRefused(
                    ErrorCode.RESEND_TOO_SOON,
                    retry_after_s=int((attempt.retry_after - now).total_seconds()) + 1,
                )
            if not ratelimit.otp_send_allowed(attempt.employee_id):
                raise StepRefused(ErrorCode.SEND_LIMIT)
            attempt.state = State.CREATED
            attempt.txn_id = ""
            attempt.otp = None
            attempt.confirm_started_at = None
            attempt.error_code = ""
            attempt.retries = 0
            attempt.next_action_at = now
            attempt.save()
            events.otp_requested(attempt, ip=ip)
            enqueue(Task.ATTEMPT_SEND_OTP, attempt.pk)
    except StepRefused as refused:
        # The OTP page shows the attempt's error code: it says why nothing was sent.
        VerificationAttempt.objects.filter(pk=attempt.pk).update(error_code=refused.code)
        raise
    return attempt


def attempt_submit_otp(
    *, attempt: VerificationAttempt, otp: str, ip: str | None, submitter: str = ""
) -> VerificationAttempt:
    """Hand the OTP the employee typed to a worker (kept encrypted until it is confirmed).

    ``submitter`` (a digest the submitting browser session can prove, see
    services.employee_access) is recorded: if this OTP verifies, that session may see the
    result. The attempt returned holds the columns this step read and wrote (refresh it to
    read others).
    """
    otp = otp.strip()
    with transaction.atomic():
        # Only the attempt's row is locked (as before); the invitation is read for its lock.
        # Only the columns this step reads (and the sweep's, which saving compares): the
        # mobile and the link's token are not decrypted for nothing.
        attempt = (
            VerificationAttempt.objects.select_for_update(of=("self",))
            .select_related("consent__invitation")
            .only(
                "employee_id",
                "consent",
                "consent__invitation",
                "consent__invitation__otp_locked_at",
                "state",
                "next_action_at",
                "otp_expires_at",
                "confirm_started_at",
                "token",
            )
            .get(pk=attempt.pk)
        )
        if attempt.state != State.OTP_SENT:
            raise StepRefused(ErrorCode.OTP_EXPIRED if attempt.state == State.EXPIRED else ErrorCode.FAILED)
        check_not_locked(attempt.consent.invitation)
        now = timezone.now()
        if attempt.otp_expires_at and attempt.otp_expires_at <= now:
            attempt_expire(attempt, reason="otp_expired")
            raise StepRefused(ErrorCode.OTP_EXPIRED)
        attempt.otp = otp
        attempt.otp_submitter = submitter
        attempt.otp_submitted_at = now
        attempt.state = State.OTP_SUBMITTED
        attempt.confirm_started_at = None
        attempt.error_code = ""
        attempt.retries = 0
        attempt.next_action_at = now
        # Only what changed (the encrypted mobile is not written again).
        attempt.save(
            update_fields=[
                "otp",
                "otp_submitter",
                "otp_submitted_at",
                "state",
                "confirm_started_at",
                "error_code",
                "retries",
                "next_action_at",
                "updated_at",
            ]
        )
        events.otp_submitted(attempt, ip=ip)
        enqueue(Task.ATTEMPT_CONFIRM_OTP, attempt.pk)
    return attempt
