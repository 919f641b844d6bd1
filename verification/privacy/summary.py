"""What the organization holds about one employee, and who looked at or exported it (the
employee's own summary).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from tenants.members import Role, member_role
from verification.audit import EMPLOYEE_READS, EMPLOYEE_READS_OTHERWISE, AuditAction, event_details
from verification.models import (
    AuditEvent,
    Employee,
)


@dataclass(frozen=True)
class StaffAct:
    """Something a staff member did with the record, as the employee is shown it: who by name
    and role, never their e-mail address."""

    event: AuditEvent
    name: str | None  # None for someone no longer on the team ("" for no name on record)
    role: Role | None


@dataclass(frozen=True)
class DataSummary:
    employee: Employee
    consents: list[Any]
    attempts: list[Any]
    status_records: list[Any]
    staff_access: list[StaffAct]  # who viewed or changed the record
    exports: list[StaffAct]  # exports of the directory since the record existed


def _staff_acts(events: list[AuditEvent]) -> list[StaffAct]:
    """``events`` with each staff member's name and role: two queries however many events."""
    ids = {event.actor_user_id for event in events if event.actor_user_id is not None}
    users = {user.pk: user for user in User.objects.filter(pk__in=ids).prefetch_related("groups")}
    acts = []
    for event in events:
        user = users.get(event.actor_user_id) if event.actor_user_id is not None else None
        role = member_role(user) if user is not None else None
        acts.append(StaffAct(event=event, name=user.first_name if user is not None else None, role=role))
    return acts


def employee_data_summary(employee: Employee) -> DataSummary:
    """Everything the organization holds about ``employee``, and who looked at or exported it
    (staff by name and role)."""
    access = list(
        AuditEvent.objects.filter(employee_id=employee.pk, actor_kind=AuditEvent.ActorKind.STAFF).order_by(
            "-at"
        )[:200]
    )
    exports = list(
        AuditEvent.objects.filter(action=AuditAction.EXPORT_DOWNLOADED, at__gte=employee.created_at).order_by(
            "-at"
        )[:200]
    )
    acts = _staff_acts(access + exports)
    return DataSummary(
        employee=employee,
        consents=list(employee.consents.order_by("decided_at")),
        attempts=list(employee.attempts.order_by("created_at")),
        status_records=list(employee.status_records.select_related("attempt")),
        staff_access=acts[: len(access)],
        exports=acts[len(access) :],
    )


def staff_member_shown(act: StaffAct) -> str:
    if act.name is None:
        return str(_("a former member of staff"))
    return act.name or str(_("a member of staff"))


def staff_acts_shown(acts: list[StaffAct]) -> list[dict[str, Any]]:
    return [
        {
            "at": act.event.at,
            "what": EMPLOYEE_READS.get(AuditAction(act.event.action), EMPLOYEE_READS_OTHERWISE),
            "who": staff_member_shown(act),
            "role": act.role.label if act.role else "",
            "details": event_details(act.event.action, act.event.data),
        }
        for act in acts
    ]
