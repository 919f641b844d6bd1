"""Consent: given, declined, withdrawn. Withdrawal erases the status and its evidence
(privacy.erase).
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from verification import events
from verification.models import Consent, Employee, Invitation, Progress
from verification.privacy.erase import personal_data_erase
from verification.privacy.retention import retention_mark
from verification.queue import Task, enqueue


class ConsentNotAllowed(Exception):
    """The invitation can no longer be used to give or decline consent."""


def _check_usable(invitation: Invitation) -> None:
    if invitation.used_at or invitation.revoked_at or invitation.is_expired:
        raise ConsentNotAllowed
    if invitation.consents.filter(withdrawn_at__isnull=True).exists():
        raise ConsentNotAllowed


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
        enqueue(Task.RECEIPT_SEND, invitation.pk, "declined")
    return consent


def consent_withdraw(*, consent: Consent, ip: str | None, user_agent: str) -> int:
    """Withdraw consent: erase every status record and its evidence, stop any verification
    in flight, clear the employee's status (``personal_data_erase``). The receipt goes to the
    e-mail address on file. Returns how many status records were erased."""
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
        erased = personal_data_erase(employee=employee, progress=Progress.WITHDRAWN)
        retention_mark(since=now)
        invitation = consent.invitation
        if invitation.used_at is None:
            invitation.used_at = now
            invitation.save(update_fields=["used_at"])
        events.consent_withdrawn(consent, ip=ip, records_erased=erased)
        enqueue(Task.RECEIPT_SEND, invitation.pk, "withdrawn")
    return erased
