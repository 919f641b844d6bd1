"""Verifying with the employee's CoWIN vaccination certificate: checked offline, at once, in the
request (verification.providers.certificate), then stored the way every verification is.

The certificate's name is compared with the name on file (verification.names: case, spacing,
initials, word order, honorifics, common transliteration variants): a match records the status;
another name, or a doubt the verifier raised, leaves the status waiting for HR's review, where
HR sees both names side by side and nothing else from the certificate. One certificate verifies
at most one employee of the organization (a keyed digest of its id, unique).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from verification import events, ratelimit
from verification.attempts.records import attempt_verified
from verification.attempts.selectors import attempt_current
from verification.attempts.steps import StepRefused, check_not_locked
from verification.attempts.transitions import State
from verification.crypto import lookup_digest
from verification.errors import ErrorCode
from verification.models import Consent, Employee, Progress, StatusRecord, VerificationAttempt
from verification.names import names_match
from verification.providers import certificate
from verification.providers.base import Method

ReviewReason = VerificationAttempt.ReviewReason


class CertificateNotAccepted(Exception):
    """The file holds no certificate Tika can accept; ``message`` (and ``hint``) say why and what
    to do, for the employee. Nothing was stored."""

    def __init__(self, code: str, message: object, hint: object = "") -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.hint = hint


def certificate_digest(certificate_id: str) -> str:
    """What is stored of a certificate's id: a keyed digest (never the id)."""
    return lookup_digest(f"cowin-certificate:{certificate_id}")


def review_reason_for(*, on_file: str, result: certificate.CertificateResult) -> str:
    """Why a verified certificate must wait for HR ("" when it can count at once)."""
    if not names_match(on_file, result.name):
        return ReviewReason.NAME_MISMATCH
    if result.needs_review:
        return ReviewReason.CERTIFICATE_DOUBT
    return ""


def attempt_certificate_verify(
    *, consent: Consent, data: bytes, submitter: str, ip: str | None
) -> VerificationAttempt:
    """Verify the certificate in ``data`` (a PDF, a photo or screenshot of its QR code, or the QR
    code's bytes) for the employee of ``consent`` and store its status: an attempt of method
    "certificate", verified (or awaiting HR's review), with the signed credential as evidence,
    encrypted. ``submitter`` binds the browser that uploaded it (it may see the result).

    Raises CertificateNotAccepted (unreadable, refused, or another employee's certificate: the
    reason is audited, nothing else is stored) or StepRefused (consent not active, link locked,
    too many uploads).
    """
    if not ratelimit.certificate_upload_allowed(consent.employee_id):
        raise StepRefused(ErrorCode.CERTIFICATE_LIMIT)
    employee = Employee.objects.get(pk=consent.employee_id)
    try:
        result = certificate.verify_upload(data)
    except certificate.CertificateError as exc:
        events.certificate_refused(employee, reason=exc.code, ip=ip)
        raise CertificateNotAccepted(exc.code, exc.message, getattr(exc, "hint", "")) from None
    digest = certificate_digest(result.certificate_id)
    in_use = CertificateNotAccepted(ErrorCode.CERTIFICATE_IN_USE, ErrorCode.CERTIFICATE_IN_USE.label)
    try:
        with transaction.atomic():
            consent = (
                Consent.objects.select_for_update(of=("self",))
                .select_related("invitation")
                .get(pk=consent.pk)
            )
            if not consent.is_active:
                raise StepRefused(ErrorCode.FAILED)
            check_not_locked(consent.invitation)
            if (
                StatusRecord.objects.filter(certificate_digest=digest)
                .exclude(employee_id=employee.pk)
                .exists()
            ):
                events.certificate_refused(employee, reason=ErrorCode.CERTIFICATE_IN_USE, ip=ip)
                raise in_use
            current = attempt_current(consent)
            if current is not None and not current.is_terminal:
                # An OTP under way: the employee chose the certificate instead.
                VerificationAttempt.objects.filter(pk=current.pk).update(
                    state=State.CANCELLED,
                    finished_at=timezone.now(),
                    next_action_at=None,
                    otp=None,
                    token=None,
                )
            Employee.objects.filter(pk=employee.pk).update(progress=Progress.CONSENTED)
            attempt = VerificationAttempt.objects.create(
                employee=employee,
                consent=consent,
                method=Method.CERTIFICATE,
                state=State.OTP_SUBMITTED,  # verified below, in this transaction
                full_name=result.name[:150],
                otp_submitter=submitter,
            )
            attempt_verified(
                attempt=attempt,
                record={
                    "status": int(result.status),
                    "method": Method.CERTIFICATE,
                    "evidence": result.evidence.decode(),
                    "key_id": result.key_id,
                    "dose": result.dose,
                    "total_doses": result.total_doses,
                    "vaccine": result.vaccine,
                    "last_dose_on": result.date,
                    "certificate_digest": digest,
                },
                review_reason=review_reason_for(on_file=employee.full_name, result=result),
            )
    except (CertificateNotAccepted, IntegrityError) as exc:
        # Another employee's certificate (found, or their upload won the race for its digest).
        # Audited here, after the rollback of everything else.
        events.certificate_refused(employee, reason=ErrorCode.CERTIFICATE_IN_USE, ip=ip)
        raise in_use from (None if isinstance(exc, CertificateNotAccepted) else exc)
    return attempt
