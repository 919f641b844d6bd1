"""Reads of employees: the directory (filters, sorts, pages), counts, one employee's record."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, cast

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import BooleanField, Count, F, Q, QuerySet, Window
from django.db.models.expressions import RawSQL
from django.http import Http404

from portal.sql import column, table
from verification.audit import AuditAction
from verification.buckets import SET_FILTERS
from verification.employees.tally import employee_tally
from verification.models import (
    AuditEvent,
    Employee,
    Invitation,
    Progress,
    StatusRecord,
    VerificationAttempt,
)


def _with_mobile_changed(queryset: QuerySet[Employee]) -> QuerySet[Employee]:
    """``queryset`` annotated with ``status_via_changed_mobile``: the status on record (or
    awaiting review) came through a number the employee entered, not the one on file."""
    changed = RawSQL(_mobile_changed_sql(), [], output_field=BooleanField())  # noqa: S611 - no request data
    return queryset.annotate(status_via_changed_mobile=changed)


@functools.cache
def _mobile_changed_sql() -> str:
    """The flag as SQL, written once: built through the ORM (``Exists`` of an ``OuterRef``), the
    subquery cost more to compile than to run, on every directory page (0.36 ms of 0.73)."""
    # Identifiers from the models, quoted; nothing here comes from a request.
    return (
        f"EXISTS (SELECT 1 FROM {table(StatusRecord)} JOIN {table(VerificationAttempt)}"  # noqa: S608
        f" ON {column(VerificationAttempt, 'id')} = {column(StatusRecord, 'attempt')}"
        f" WHERE {column(StatusRecord, 'employee')} = {column(Employee, 'id')}"
        f" AND {column(VerificationAttempt, 'mobile_changed')})"
    )


#: What a directory row shows of an employee (``views/rows.py`` and the components it renders
#: read these and nothing else): a page's rows load only them. The mobile number, encrypted,
#: stays in the database (a row shows its last four digits).
ROW_FIELDS = (
    "code",
    "full_name",
    "email",
    "mobile_last4",
    "department",
    "location",
    "is_active",
    "progress",
    "vaccination_status",
    "status_verified_at",
    "status_method",
    "status_dose",
    "status_total_doses",
    "status_vaccine",
    "status_last_dose_on",
    "last_invited_at",
    "last_invitation_channel",
    "last_invitation_sent_at",
)


def employee_list() -> QuerySet[Employee]:
    """Every employee (active or not) by name. Their newest invitation's creation, channel
    and sending are on their row (``last_invited_at``, ``last_invitation_channel``,
    ``last_invitation_sent_at``)."""
    return Employee.objects.order_by("full_name", "code")


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
    #: Employees per (is_active, progress), the groups with nobody left out.
    groups: dict[tuple[bool, str], int] = field(default_factory=dict, repr=False)

    def of(self, progress: Progress) -> int:
        return next(c.count for c in self.by_progress if c.progress == progress)

    def matching(self, filters: EmployeeFilters) -> int | None:
        """How many employees ``filters`` match, when these counts tell (filters on activity
        and progress alone, or none), else None."""
        if filters.search or filters.status or filters.department or filters.location:
            return None
        if filters.bucket or filters.method:
            return None
        return sum(
            count
            for (active, progress), count in self.groups.items()
            if filters.active in (None, active) and filters.progress in ("", progress)
        )


def employee_counts() -> EmployeeCounts:
    """Every employee, the inactive ones, and the active ones per progress (every progress
    listed, zeros included), exact, in one query.

    Read from the tally the database keeps per (is_active, progress) (``tally``): counting
    the employees themselves, even from the (is_active, progress) index alone, read all of
    them on every directory page (12-25 ms at 100,000).
    """
    groups = employee_tally()
    return EmployeeCounts(
        total=sum(groups.values()),
        inactive=sum(count for (active, _progress), count in groups.items() if not active),
        by_progress=[ProgressCount(progress=p, count=groups.get((True, p.value), 0)) for p in Progress],
        groups=groups,
    )


def employee_code_exists(code: str) -> bool:
    return Employee.objects.filter(code=code.strip()).exists()


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
    #: A set of employees the dashboard counts (a key of ``verification.buckets.SET_FILTERS``),
    #: so that a figure's link lists exactly the people it counts.
    bucket: str = ""
    method: str = ""  # how the status on record was verified (a Method value)

    def as_dict(self) -> dict[str, Any]:
        """The filters in use, for the audit trail (the search text included: HR typed it)."""
        used = {
            "search": self.search,
            "status": self.status,
            "progress": self.progress,
            "department": self.department,
            "location": self.location,
            "active": self.active,
            "bucket": self.bucket,
            "method": self.method,
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
    if filters.bucket in SET_FILTERS:
        qs = qs.filter(SET_FILTERS[filters.bucket])
    if filters.method:
        qs = qs.filter(status_method=filters.method)
    return qs.order_by(*DIRECTORY_SORTS.get(filters.sort, DIRECTORY_SORTS[DEFAULT_SORT]))


def employee_directory_count(filters: EmployeeFilters) -> int:
    """How many employees ``filters`` match (what an export of them holds)."""
    return employee_directory(filters, queryset=Employee.objects.all()).count()


# Paginator is generic in django-stubs only (not subscriptable at run time).
class _DirectoryPaginator(Paginator):  # type: ignore[type-arg]
    """A paginator that takes the number of rows when the caller knows it already, and whose
    pages pick their rows (ids only, in the directory's order) before looking up anything
    else about them.

    When nobody knows the number yet (a search, a department), the page's ids come with it,
    in one query (``COUNT(*) OVER ()`` counts every match before the page is cut out): a
    search no longer runs twice, once to count and once for the page. Only a page that comes
    back empty (past the end, or nobody matches) and a number below 1 take the count on its
    own, to find the last page.
    """

    def __init__(self, matching: QuerySet[Employee], per_page: int, *, count: int | None) -> None:
        super().__init__(matching, per_page)
        self._matching = matching
        if count is not None:
            self.__dict__["count"] = count  # the cached_property's value

    @cached_property
    def count(self) -> int:
        return self._matching.count()

    def get_page(self, number: Any) -> Page[Employee]:
        if "count" not in self.__dict__:
            wanted = _page_number(number)
            if wanted is not None:
                bottom = (wanted - 1) * self.per_page
                counted = self._matching.annotate(matching=Window(Count("pk"))).values_list("pk", "matching")
                found = list(counted[bottom : bottom + self.per_page])
                if found:
                    self.__dict__["count"] = found[0][1]
                    return Page(self._rows(Q(pk__in=[pk for pk, _n in found])), wanted, self)
        return super().get_page(number)

    def page(self, number: int | str) -> Page[Employee]:
        page = super().page(number)
        # ``page.object_list`` is the page's slice (LIMIT/OFFSET) of the ordered directory.
        # Run as it is, PostgreSQL would also run the changed-mobile subquery for every row
        # it skips (45,000 of them on page 900) and read each of those rows; here the slice
        # only picks ids, from an index in the page's order where there is one, and only its
        # rows are read after.
        page.object_list = self._rows(Q(pk__in=cast("QuerySet[Employee]", page.object_list)))
        return page

    def _rows(self, chosen: Q) -> QuerySet[Employee]:
        """The rows of the ``chosen`` employees, in the directory's order, with what a row shows."""
        rows = Employee.objects.filter(chosen).only(*ROW_FIELDS).order_by(*self._matching.query.order_by)
        return _with_mobile_changed(rows)


def _page_number(number: Any) -> int | None:
    """The page ``Paginator.get_page`` shows for ``number`` when there are enough pages: the
    first for no number or anything not a whole number, else that number; None for zero or
    less (the last page, which only the count tells)."""
    try:
        wanted = int(number)
    except (TypeError, ValueError):
        return 1
    return wanted if wanted >= 1 else None


def employee_directory_page(
    filters: EmployeeFilters,
    *,
    number: int | str | None,
    per_page: int,
    counts: EmployeeCounts | None = None,
) -> Page[Employee]:
    """Page ``number`` of the directory under ``filters`` (the nearest page when out of
    range), its rows annotated with ``status_via_changed_mobile``.

    Two queries (the page's ids with how many match, then the page's rows) whatever the page
    or the size of the organization; one (the rows, their ids picked in a subquery) when
    ``counts`` already tells how many match (no filter, or only activity and progress).
    """
    matching = employee_directory(filters, queryset=Employee.objects.all())
    known = counts.matching(filters) if counts is not None else None
    return _DirectoryPaginator(matching, per_page, count=known).get_page(number)


@dataclass(frozen=True)
class FilterOptions:
    """The names the directory's filters offer: every department and every location on record."""

    departments: list[str]
    locations: list[str]


def _walk(column: str) -> str:
    """SQL of the distinct non-empty values of the employee table's ``column``.

    A plain DISTINCT reads every row (30-50 ms at 100,000 employees). This walks the index
    that leads with ``column`` instead, one lookup per value ("loose index scan", which
    PostgreSQL does not do by itself): under a millisecond for a few dozen values.
    ``> ''`` leaves out exactly the empty string, which sorts first in any deterministic
    collation (every one a column gets by default).
    """
    table, name = connection.ops.quote_name(Employee._meta.db_table), connection.ops.quote_name(column)
    # Identifiers from the model, quoted; nothing here comes from the request.
    return f"""
        {column}_walk(value) AS (
            (SELECT {name} FROM {table} WHERE {name} > '' ORDER BY {name} LIMIT 1)
            UNION ALL
            SELECT (SELECT {name} FROM {table} WHERE {name} > {column}_walk.value ORDER BY {name} LIMIT 1)
            FROM {column}_walk WHERE {column}_walk.value IS NOT NULL
        )"""  # noqa: S608


def employee_filter_options() -> FilterOptions:
    """Every department and every location named on an employee, each sorted (for the
    directory's filters), in one query."""
    sql = f"""
        WITH RECURSIVE {_walk("department")}, {_walk("location")}
        SELECT 'department', value FROM department_walk WHERE value IS NOT NULL
        UNION ALL
        SELECT 'location', value FROM location_walk WHERE value IS NOT NULL
        ORDER BY 1, 2
    """  # noqa: S608
    found: dict[str, list[str]] = {"department": [], "location": []}
    with connection.cursor() as cursor:
        cursor.execute(sql)
        for column, value in cursor.fetchall():
            found[column].append(value)
    return FilterOptions(departments=found["department"], locations=found["location"])


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
        .exclude(action=AuditAction.EMPLOYEE_VIEWED)
        .order_by("-at", "-id")[:limit]
    )


def employee_invitations(employee: Employee) -> list[Invitation]:
    """The employee's invitations, newest first."""
    return list(Invitation.objects.filter(employee=employee).order_by("-created_at", "-pk"))


def employee_attempt_latest(employee: Employee) -> VerificationAttempt | None:
    """The employee's newest verification attempt (what HR is told about: a number changed by
    the employee, a review, why it failed)."""
    return (
        VerificationAttempt.objects.filter(employee=employee)
        .select_related("reviewed_by")
        .order_by("-created_at", "-pk")
        .first()
    )
