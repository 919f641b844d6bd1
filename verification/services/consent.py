"""Consent: given, declined, withdrawn. Withdrawal erases the status and its evidence."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from verification import events
from verification.models import Consent, Employee, Invitation, Progress, VerificationAttempt


class ConsentNotAllowed(Exception):
    """The invitation can no longer be used to give or decline consent."""


def _check_usable(invitation: Invitation) -> None:
    if invitation.used_at or invitation.revoked_at or invitation.is_expired:
        raise ConsentNotAllowed
    if invitation.consents.filter(withdrawn_at__isnull=True).exists():
        raise ConsentNotAllowed


def consent_active(invitation: Invitation) -> Consent | None:
    """The consent given through this invitation and not withdrawn, if any."""
    return invitation.consents.filter(decision=Consent.Decision.GIVEN, withdrawn_at__isnull=True).first()


def consent_latest(invitation: Invitation) -> Consent | None:
    return invitation.consents.order_by("-decided_at", "-pk").first()


def _decision_record(
    *, invitation: Invitation, decision: str, language: str, ip: str | None, user_agent: str
) -> tuple[Invitation, Consent]:
    """Lock the invitation, check it can still be answered, and record the decision."""
    invitation = Invitation.objects.select_for_update().select_related("employee").get(pk=invitation.pk)
    _check_usable(invitation)
    consent = Consent.objects.create(
        employee=invitation.employee,
        invitation=invitation,
        decision=decision,
        notice_version=settings.CONSENT_NOTICE_VERSION,
        language=language,
        ip_address=ip,
        user_agent=user_agent[:400],
    )
    return invitation, consent


def consent_give(*, invitation: Invitation, language: str, ip: str | None, user_agent: str) -> Consent:
    """Record the employee's consent to the current notice, through their invitation."""
    with transaction.atomic():
        invitation, consent = _decision_record(
            invitation=invitation,
            decision=Consent.Decision.GIVEN,
            language=language,
            ip=ip,
            user_agent=user_agent,
        )
        Employee.objects.filter(pk=invitation.employee_id).update(progress=Progress.CONSENTED)
        events.consent_given(consent, ip=ip)
    return consent


def consent_decline(*, invitation: Invitation, language: str, ip: str | None, user_agent: str) -> Consent:
    """Record the employee's refusal; the link then stops working for consent."""
    from verification.tasks import receipt_send_task

    with transaction.atomic():
        invitation, consent = _decision_record(
            invitation=invitation,
            decision=Consent.Decision.DECLINED,
            language=language,
            ip=ip,
            user_agent=user_agent,
        )
        invitation.used_at = timezone.now()
        invitation.save(update_fields=["used_at"])
        Employee.objects.filter(pk=invitation.employee_id).update(progress=Progress.DECLINED)
        events.consent_declined(consent, ip=ip)
        transaction.on_commit(lambda: receipt_send_task.delay(invitation.pk, "declined"))
    return consent


def status_erase(
    *, employee: Employee, progress: Progress, attempt: VerificationAttempt | None = None
) -> int:
    """Erase vaccination status evidence, the one way both withdrawal and HR's rejection do.

    Every status record of ``employee`` (or only the one of ``attempt``) is deleted with its
    signed evidence; the attempts concerned stop if still in flight and lose whatever they
    still hold of the person (mobile, OTP, token); the employee's row keeps no status and
    moves to ``progress``. Run inside the caller's transaction. Returns how many status records
    were erased.
    """
    now = timezone.now()
    attempts = VerificationAttempt.objects.filter(employee=employee)
    records = employee.status_records.all()
    if attempt is not None:
        attempts = attempts.filter(pk=attempt.pk)
        records = records.filter(attempt=attempt)
    erased, _ = records.delete()
    attempts.exclude(state__in=VerificationAttempt.TERMINAL).update(
        state=VerificationAttempt.State.CANCELLED, finished_at=now, next_action_at=None
    )
    attempts.update(mobile=None, otp=None, token=None)
    Employee.objects.filter(pk=employee.pk).update(
        progress=progress, vaccination_status=None, status_verified_at=None
    )
    return erased


def consent_withdraw(*, consent: Consent, ip: str | None, user_agent: str) -> int:
    """Withdraw consent: erase every status record and its evidence, stop any verification
    in flight, clear the employee's status (``status_erase``). The receipt goes to the
    e-mail address on file. Returns how many status records were erased."""
    from verification.tasks import receipt_send_task

    with transaction.atomic():
        consent = Consent.objects.select_for_update().get(pk=consent.pk)
        if not consent.is_active:
            return 0
        now = timezone.now()
        consent.withdrawn_at = now
        consent.withdrawn_ip_address = ip
        consent.withdrawn_user_agent = user_agent[:400]
        consent.save(update_fields=["withdrawn_at", "withdrawn_ip_address", "withdrawn_user_agent"])
        employee = consent.employee
        erased = status_erase(employee=employee, progress=Progress.WITHDRAWN)
        invitation = consent.invitation
        if invitation.used_at is None:
            invitation.used_at = now
            invitation.save(update_fields=["used_at"])
        events.consent_withdrawn(consent, ip=ip, records_erased=erased)
        transaction.on_commit(lambda: receipt_send_task.delay(invitation.pk, "withdrawn"))
    return erased
