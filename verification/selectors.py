"""Reads inside an organization's schema."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from verification.models import AuditEvent, Employee, Invitation, Progress
from verification.roles import Role


def staff_user_role(user: User) -> Role | None:
    """The user's role in this organization, or None for a user with none."""
    names = {g.name for g in user.groups.all()}
    for role in Role:
        if f"role:{role.value}" in names:
            return role
    return None


# --- employees -----------------------------------------------------------------------------


def employee_list() -> QuerySet[Employee]:
    """Every employee (active or not) by name, each annotated from their newest invitation:
    ``last_invited_at`` (created) and ``last_invitation_sent_at`` (e-mailed; None while the
    e-mail is still queued). Both are None for someone never invited. One query for any number
    of rows.
    """
    newest = Invitation.objects.filter(employee=OuterRef("pk")).order_by("-created_at", "-pk")
    return Employee.objects.annotate(
        last_invited_at=Subquery(newest.values("created_at")[:1]),
        last_invitation_sent_at=Subquery(newest.values("sent_at")[:1]),
    ).order_by("full_name", "code")


@dataclass(frozen=True)
class ProgressCount:
    progress: Progress
    count: int

    @property
    def label(self) -> str:
        return str(self.progress.label)


@dataclass(frozen=True)
class EmployeeCounts:
    """How many employees there are, and where the active ones stand."""

    total: int
    inactive: int
    by_progress: list[ProgressCount]

    def of(self, progress: Progress) -> int:
        return next(c.count for c in self.by_progress if c.progress == progress)


def employee_counts() -> EmployeeCounts:
    """Active employees per progress (every progress listed, zeros included), in one query."""
    active = Q(is_active=True)
    numbers = Employee.objects.aggregate(
        total=Count("pk"),
        inactive=Count("pk", filter=~active),
        **{p.value: Count("pk", filter=active & Q(progress=p)) for p in Progress},
    )
    return EmployeeCounts(
        total=numbers["total"],
        inactive=numbers["inactive"],
        by_progress=[ProgressCount(progress=p, count=numbers[p.value]) for p in Progress],
    )


def employee_code_exists(code: str) -> bool:
    return Employee.objects.filter(code=code.strip()).exists()


def employees_for_ids(ids: Iterable[int]) -> QuerySet[Employee]:
    """The employees of this organization among ``ids``, by name.

    Ids that name no employee here are left out without a word, whether the row is missing or
    belongs to another organization (whose schema this query cannot see): the caller cannot
    tell the two apart.
    """
    return Employee.objects.filter(pk__in=list(ids)).order_by("full_name", "code")


def employees_not_invited() -> QuerySet[Employee]:
    """Active employees who have never been invited, by name."""
    return Employee.objects.filter(is_active=True, progress=Progress.NOT_INVITED).order_by(
        "full_name", "code"
    )


# --- the employee directory ----------------------------------------------------------------

#: Status filter value for "no vaccination status on record".
STATUS_NONE = "none"

#: Sort keys of the directory (and of exports), each a stable ORDER BY: ties fall back to the
#: name, then the code (unique), so a page never repeats or skips a row.
DIRECTORY_SORTS: dict[str, tuple[Any, ...]] = {
    "name": (F("full_name").asc(), F("code").asc()),
    "-name": (F("full_name").desc(), F("code").desc()),
    "code": (F("code").asc(),),
    "-code": (F("code").desc(),),
    "department": (F("department").asc(), F("full_name").asc(), F("code").asc()),
    "-department": (F("department").desc(), F("full_name").asc(), F("code").asc()),
    "status": (F("vaccination_status").desc(nulls_last=True), F("full_name").asc(), F("code").asc()),
    "-status": (F("vaccination_status").asc(nulls_first=True), F("full_name").asc(), F("code").asc()),
    "verified": (F("status_verified_at").desc(nulls_last=True), F("full_name").asc(), F("code").asc()),
    "-verified": (F("status_verified_at").asc(nulls_first=True), F("full_name").asc(), F("code").asc()),
}
DEFAULT_SORT = "name"


@dataclass(frozen=True)
class EmployeeFilters:
    """What HR narrowed the directory (or an export) to; empty fields filter nothing."""

    search: str = ""
    status: str = ""  # "0", "1", "2" or STATUS_NONE
    progress: str = ""  # a Progress value
    department: str = ""
    location: str = ""
    active: bool | None = None
    sort: str = DEFAULT_SORT

    def as_dict(self) -> dict[str, Any]:
        """The filters in use, for the audit trail (the search text included: HR typed it)."""
        used = {
            "search": self.search,
            "status": self.status,
            "progress": self.progress,
            "department": self.department,
            "location": self.location,
            "active": self.active,
        }
        return {"sort": self.sort, **{k: v for k, v in used.items() if v not in ("", None)}}


def employee_directory(
    filters: EmployeeFilters, queryset: QuerySet[Employee] | None = None
) -> QuerySet[Employee]:
    """Employees matching ``filters``, in the chosen stable order (the directory and exports).

    The search matches name, code or e-mail, case-insensitively, anywhere in the text.
    """
    qs = employee_list() if queryset is None else queryset
    if filters.search:
        term = filters.search.strip()
        qs = qs.filter(Q(full_name__icontains=term) | Q(code__icontains=term) | Q(email__icontains=term))
    if filters.status == STATUS_NONE:
        qs = qs.filter(vaccination_status__isnull=True)
    elif filters.status:
        qs = qs.filter(vaccination_status=int(filters.status))
    if filters.progress:
        qs = qs.filter(progress=filters.progress)
    if filters.department:
        qs = qs.filter(department=filters.department)
    if filters.location:
        qs = qs.filter(location=filters.location)
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    return qs.order_by(*DIRECTORY_SORTS.get(filters.sort, DIRECTORY_SORTS[DEFAULT_SORT]))


def employee_departments() -> list[str]:
    """Every department named on an employee, sorted (for the directory's filter)."""
    return list(
        Employee.objects.exclude(department="")
        .values_list("department", flat=True)
        .distinct()
        .order_by("department")
    )


def employee_locations() -> list[str]:
    """Every location named on an employee, sorted (for the directory's filter)."""
    return list(
        Employee.objects.exclude(location="")
        .values_list("location", flat=True)
        .distinct()
        .order_by("location")
    )


def access_employee(employee_id: int | str) -> Employee:
    """The employee with this id in the current organization, or Http404.

    A missing id, a malformed one and another organization's id (whose schema this query
    cannot see) all give the same "not found".
    """
    try:
        pk = int(employee_id)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < pk < 2**63:
        raise Http404
    employee = Employee.objects.filter(pk=pk).first()
    if employee is None:
        raise Http404
    return employee


def employee_history(employee: Employee, *, limit: int = 200) -> list[AuditEvent]:
    """The audit trail of one employee (invitations, consents, verifications, HR's changes),
    newest first, at most ``limit`` rows. Views of the record are left out here (they are in
    the audit log and in the employee's own summary)."""
    return list(
        AuditEvent.objects.filter(employee_id=employee.pk)
        .exclude(action="employee.viewed")
        .order_by("-at", "-id")[:limit]
    )


def employee_invitations(employee: Employee) -> list[Invitation]:
    """The employee's invitations, newest first."""
    return list(Invitation.objects.filter(employee=employee).order_by("-created_at", "-pk"))


# --- what the organization holds about one employee (their own summary) ----------------------


@dataclass(frozen=True)
class DataSummary:
    employee: Employee
    consents: list[Any]
    attempts: list[Any]
    status_records: list[Any]
    staff_access: list[AuditEvent]  # who viewed or changed the record
    exports: list[AuditEvent]  # exports of the directory since the record existed


def employee_data_summary(employee: Employee) -> DataSummary:
    """Everything the organization holds about ``employee``, and who looked at or exported it."""
    return DataSummary(
        employee=employee,
        consents=list(employee.consents.order_by("decided_at")),
        attempts=list(employee.attempts.order_by("created_at")),
        status_records=list(employee.status_records.all()),
        staff_access=list(
            AuditEvent.objects.filter(
                employee_id=employee.pk, actor_kind=AuditEvent.ActorKind.STAFF
            ).order_by("-at")[:200]
        ),
        exports=list(
            AuditEvent.objects.filter(action="export.downloaded", at__gte=employee.created_at).order_by(
                "-at"
            )[:200]
        ),
    )
