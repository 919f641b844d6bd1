"""Reads inside an organization's schema."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from verification.models import Employee, Invitation, Progress
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
