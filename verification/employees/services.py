"""Employee records: add, change, deactivate and reactivate."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from tenants.duework import Kind as DueKind
from tenants.duework import due_work_mark
from verification import events
from verification.events import Actor
from verification.models import Employee, Invitation, Progress
from verification.phones import StoredMobile, normalize_indian_mobile
from verification.privacy.retention import retention_mark
from verification.snapshots import snapshot_soon


def _set_mobile(employee: Employee, mobile: str | None) -> None:
    stored = StoredMobile.of(normalize_indian_mobile(mobile) if mobile else None)
    for field, value in stored.fields().items():
        setattr(employee, field, value)


def employee_create(
    *,
    code: str,
    full_name: str,
    email: str,
    mobile: str | None = None,
    department: str = "",
    location: str = "",
    actor: Actor = None,
) -> Employee:
    """Create an employee; the mobile number is validated, stored encrypted and masked."""
    employee = Employee(
        code=code.strip(),
        full_name=" ".join(full_name.split()),
        email=email.strip().lower(),
        department=department.strip(),
        location=location.strip(),
    )
    _set_mobile(employee, mobile)
    with transaction.atomic():
        employee.save()
        events.employee_created(employee, actor=actor)
        snapshot_soon()
    return employee


def employee_update(*, employee: Employee, actor: Actor = None, **changes: Any) -> Employee:
    """Change the given fields (code, full_name, email, mobile, department, location, is_active)."""
    changed = []
    for field, value in changes.items():
        if field == "mobile":
            before = employee.mobile_digest
            _set_mobile(employee, value)
            if employee.mobile_digest != before:
                changed.append("mobile")
            continue
        if field not in {"code", "full_name", "email", "department", "location", "is_active"}:
            raise TypeError(f"employee_update() cannot change {field!r}")
        if field == "email":
            value = value.strip().lower()
        if getattr(employee, field) != value:
            setattr(employee, field, value)
            changed.append(field)
    if changed:
        with transaction.atomic():
            employee.save()
            events.employee_updated(employee, actor=actor, fields=changed)
    return employee


def _has_open_link(employee: Employee) -> bool:
    return Invitation.objects.filter(
        employee=employee, revoked_at__isnull=True, used_at__isnull=True, expires_at__gt=timezone.now()
    ).exists()


def employee_set_active(*, employee: Employee, active: bool, actor: Actor = None) -> bool:
    """Deactivate or reactivate an employee; returns False if they already were.

    An inactive employee stays on record (and in the directory) but out of the numbers, and
    gets no reminders. Deactivating also revokes their unused invitation link; a link already
    used stays valid, so they can still withdraw their consent. Reactivating someone whose link
    was revoked that way puts them back to "not invited" (no link of theirs works any more).
    """
    with transaction.atomic():
        employee = Employee.objects.select_for_update().get(pk=employee.pk)
        if employee.is_active == active:
            return False
        employee.is_active = active
        employee.deactivated_at = None if active else timezone.now()
        fields = ["is_active", "deactivated_at", "updated_at"]
        if active and employee.progress == Progress.INVITED and not _has_open_link(employee):
            # Deactivating revoked their unused link: "invited" would promise a link that no
            # longer works. They are back to "not invited", and HR's "Invite" sends a new one.
            employee.progress = Progress.NOT_INVITED
            fields.append("progress")
        employee.save(update_fields=fields)
        if active:
            # An invitation still waiting may be due for a reminder again.
            due_work_mark(kind=DueKind.REMINDERS, at=timezone.now())
            events.employee_reactivated(employee, actor=actor)
        else:
            retention_mark(since=employee.deactivated_at or timezone.now())
            revoked = Invitation.objects.filter(
                employee=employee, revoked_at__isnull=True, used_at__isnull=True
            ).update(revoked_at=timezone.now())
            events.employee_deactivated(employee, actor=actor, invitations_revoked=revoked)
    return True
