"""Retention: erase status evidence and mobile numbers N days after an employee leaves
(is deactivated) or withdraws consent, N set per organization."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tenants.selectors import organization_current
from verification import events
from verification.models import AuditEvent, Consent, Employee, Progress, StatusRecord, VerificationAttempt


def retention_erase() -> int:
    """Erase what is past its retention in the current organization; return employees touched.

    Leaves an audit record for each: the erasure itself is part of the trail.
    """
    organization = organization_current()
    if organization is None:
        return 0
    cutoff = timezone.now() - timedelta(days=organization.retention_days)
    withdrawn = Consent.objects.filter(withdrawn_at__lte=cutoff).values("employee_id")
    deactivated = AuditEvent.objects.filter(action="employee.deactivated", at__lte=cutoff).values(
        "employee_id"
    )
    candidates = (
        Employee.objects.filter(
            Q(pk__in=withdrawn, progress=Progress.WITHDRAWN) | Q(pk__in=deactivated, is_active=False)
        )
        .filter(
            Q(mobile__isnull=False) | Q(status_records__isnull=False) | Q(vaccination_status__isnull=False)
        )
        .distinct()
    )
    touched = 0
    for employee in candidates:
        with transaction.atomic():
            records, _ = StatusRecord.objects.filter(employee=employee).delete()
            VerificationAttempt.objects.filter(employee=employee).update(mobile=None, otp=None, token=None)
            Employee.objects.filter(pk=employee.pk).update(
                mobile=None,
                mobile_last4="",
                mobile_digest="",
                vaccination_status=None,
                status_verified_at=None,
            )
            events.retention_erased(employee, status_records=records, days=organization.retention_days)
        touched += 1
    return touched
