"""Retention: erase status evidence and mobile numbers N days after an employee leaves (is
deactivated) or withdraws consent, N set per organization.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from tenants.duework import Kind as DueKind
from tenants.duework import due_work_mark
from tenants.selectors import organization_current
from verification import events
from verification.models import Consent, Employee, Progress
from verification.privacy.erase import personal_data_erase

# What retention erases: an employee still holding any of it is waiting.
_HOLDS_DATA = Q(mobile__isnull=False) | Q(status_records__isnull=False) | Q(vaccination_status__isnull=False)


def retention_next_due() -> datetime | None:
    """When ``retention_erase`` next has someone to erase here (None: nobody is waiting)."""
    organization = organization_current()
    if organization is None:
        return None
    holding = Employee.objects.filter(_HOLDS_DATA)
    withdrawn = Consent.objects.filter(
        withdrawn_at__isnull=False,
        employee__in=holding.filter(progress=Progress.WITHDRAWN).values("pk"),
    ).aggregate(first=Min("withdrawn_at"))["first"]
    left = holding.filter(is_active=False, deactivated_at__isnull=False).aggregate(
        first=Min("deactivated_at")
    )["first"]
    first = min((time for time in (withdrawn, left) if time is not None), default=None)
    return first + timedelta(days=organization.retention_days) if first is not None else None


def retention_mark(*, since: datetime) -> None:
    """Someone left or withdrew at ``since``: their data is due for erasure after the
    organization's retention (call it in the transaction that records it)."""
    organization = organization_current()
    if organization is not None:
        due_work_mark(kind=DueKind.RETENTION, at=since + timedelta(days=organization.retention_days))


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
        .filter(_HOLDS_DATA)
        .distinct()
    )
    touched = 0
    for employee in candidates:
        with transaction.atomic():
            records = personal_data_erase(employee=employee, mobile=True)
            events.retention_erased(employee, status_records=records, days=organization.retention_days)
        touched += 1
    return touched
