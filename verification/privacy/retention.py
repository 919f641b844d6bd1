"""Retention: erase status evidence and mobile numbers N days after an employee leaves (is
deactivated) or withdraws consent, N set per organization.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tenants.selectors import organization_current
from verification import events
from verification.models import Consent, Employee, Progress
from verification.privacy.erase import personal_data_erase


def retention_erase() -> int:
    """Erase what is past its retention in the current organization; return employees touched.

    Leaves an audit record for each: the erasure itself is part of the trail.
    """
    organization = organization_current()
    if organization is None:
        return 0
    cutoff = timezone.now() - timedelta(days=organization.retention_days)
    withdrawn = Consent.objects.filter(withdrawn_at__lte=cutoff).values("employee_id")
    candidates = (
        Employee.objects.filter(
            Q(pk__in=withdrawn, progress=Progress.WITHDRAWN) | Q(is_active=False, deactivated_at__lte=cutoff)
        )
        .filter(
            Q(mobile__isnull=False) | Q(status_records__isnull=False) | Q(vaccination_status__isnull=False)
        )
        .distinct()
    )
    touched = 0
    for employee in candidates:
        with transaction.atomic():
            records = personal_data_erase(employee=employee, mobile=True)
            events.retention_erased(employee, status_records=records, days=organization.retention_days)
        touched += 1
    return touched
