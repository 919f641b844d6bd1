"""Reads for the dashboard and the daily snapshots: aggregates only, never a name.

Every number is a count of *active* employees, taken from ``Employee.progress`` and
``Employee.vaccination_status`` (kept current by the services), so the whole dashboard is one
scan of the employee table however many employees there are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from verification.buckets import (
    ANSWERED_KEYS,
    BUCKET_FILTERS,
    BUCKET_KEYS,
    BUCKET_SQL,
    BUCKETS,
    CONSENTED,
    NO_STATUS_KEYS,
    VERIFIED_KEYS,
)
from verification.models import DailySnapshot, Employee, Method

TREND_DAYS = 90


def _pct(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


@dataclass(frozen=True)
class Bucket:
    key: str
    label: str
    count: int
    share: float  # percent of the active employees of the group


@dataclass(frozen=True)
class StatusCounts:
    """Active employees per bucket (every bucket present, zeros included)."""

    counts: dict[str, int]
    # "pending" mixes "invited" (no answer yet) and "consented" (answered, verifying); the
    # split is kept so that the response rate counts a consent as an answer.
    consented_only: int = 0

    @property
    def active(self) -> int:
        return sum(self.counts.values())

    @property
    def invited(self) -> int:
        return self.active - self.counts["not_invited"]

    @property
    def answered(self) -> int:
        """Gave or declined consent (consented-but-verifying counts as answered too)."""
        return sum(self.counts[key] for key in ANSWERED_KEYS) + self.consented_only

    @property
    def unanswered(self) -> int:
        """Invited and not answered yet (whom a reminder is for)."""
        return self.counts["pending"] - self.consented_only

    @property
    def vaccinated_share(self) -> float:
        return _pct(self.vaccinated, self.active)

    @property
    def response_rate(self) -> float:
        return _pct(self.answered, self.invited)

    @property
    def vaccinated(self) -> int:
        return self.counts["fully"] + self.counts["partially"]

    @cached_property
    def buckets(self) -> list[Bucket]:
        return [
            Bucket(
                key=key, label=str(label), count=self.counts[key], share=_pct(self.counts[key], self.active)
            )
            for key, label in ((bucket.key, bucket.label) for bucket in BUCKETS)
        ]

    def share(self, key: str) -> float:
        return _pct(self.counts[key], self.active)

    @cached_property
    def shares(self) -> dict[str, float]:
        """Percent of the group per bucket, plus "no_status": declined, withdrawn, failed or
        not invited (no status on record and none on the way)."""
        shares = {key: self.share(key) for key in BUCKET_KEYS}
        no_status = sum(self.counts[k] for k in NO_STATUS_KEYS)
        shares["no_status"] = _pct(no_status, self.active)
        return shares

    def as_snapshot(self) -> dict[str, int]:
        return {**self.counts, "consented": self.consented_only, "active": self.active}


def status_counts() -> StatusCounts:
    """Active employees per bucket, in one query (for the snapshot; the dashboard reads the
    same numbers from ``dashboard_stats``)."""
    active = Q(is_active=True)
    numbers = Employee.objects.aggregate(
        consented=Count("pk", filter=active & CONSENTED.q()),
        **{key: Count("pk", filter=active & q) for key, q in BUCKET_FILTERS.items()},
    )
    consented = numbers.pop("consented")
    return StatusCounts(counts={key: numbers[key] for key in BUCKET_KEYS}, consented_only=consented)


@dataclass(frozen=True)
class Group:
    name: str  # "" for "not set"; OTHER for the merged small groups
    counts: StatusCounts
    is_other: bool = False
    is_unset: bool = False


@dataclass(frozen=True)
class Breakdown:
    """Coverage per group, safe to show: every group shown has at least ``min_size`` people.

    ``hidden`` is True when the groups could not be shown without singling someone out (all of
    them together are fewer than ``min_size``, or there would be only one group, which says
    nothing the totals do not).
    """

    groups: list[Group] = field(default_factory=list)
    min_size: int = 1
    merged: int = 0  # how many small groups went into "Other"

    @property
    def hidden(self) -> bool:
        return len(self.groups) < 2

    @property
    def single_group(self) -> bool:
        """Hidden because everyone is in one real group (nothing to compare), not for size."""
        return len(self.groups) == 1 and not self.groups[0].is_other


def _add(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    return {key: a.get(key, 0) + b.get(key, 0) for key in {*a, *b}}


def merge_small_groups(groups: dict[str, tuple[dict[str, int], int]], *, min_size: int) -> Breakdown:
    """Groups of fewer than ``min_size`` active employees merge into "Other".

    If "Other" itself is then smaller than ``min_size`` (but not empty), the smallest remaining
    group joins it, and so on, until "Other" is big enough: a small "Other" would single its
    people out, and hiding it alone would not help, since it is the total minus the groups
    shown. Groups are sorted by size, largest first; "Other" comes last.

    ``groups`` maps a group's name to (bucket counts, consented-only count).
    """
    min_size = max(1, min_size)
    ordered = sorted(
        ((name, counts, consented) for name, (counts, consented) in groups.items() if sum(counts.values())),
        key=lambda item: (-sum(item[1].values()), item[0]),
    )
    shown = [item for item in ordered if sum(item[1].values()) >= min_size]
    small = [item for item in ordered if sum(item[1].values()) < min_size]
    other: dict[str, int] = {}
    other_consented = 0
    for _name, counts, consented in small:
        other, other_consented = _add(other, counts), other_consented + consented
    merged = len(small)
    while other and sum(other.values()) < min_size and shown:
        _name, counts, consented = shown.pop()  # the smallest group still shown
        other, other_consented = _add(other, counts), other_consented + consented
        merged += 1
    result = [
        Group(name=name, counts=StatusCounts(counts=counts, consented_only=consented), is_unset=name == "")
        for name, counts, consented in shown
    ]
    if other and sum(other.values()) >= min_size:
        result.append(
            Group(
                name=str(_("Other")),
                counts=StatusCounts(
                    counts={k: other.get(k, 0) for k in BUCKET_KEYS}, consented_only=other_consented
                ),
                is_other=True,
            )
        )
    elif other:
        # Fewer than min_size people in the whole organization: nothing can be shown per group.
        result = []
    return Breakdown(groups=result, min_size=min_size, merged=merged)


@dataclass(frozen=True)
class DashboardStats:
    totals: StatusCounts
    by_department: Breakdown
    by_location: Breakdown
    #: Verified employees per way to verify: {method: {"fully": n, "partially": n, ...}}.
    by_method: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def methods(self) -> list[tuple[str, str, dict[str, int]]]:
        """(method, label, counts of the verified buckets) for each way that verified anyone."""
        return [
            (method, str(Method(method).label), counts)
            for method, counts in sorted(self.by_method.items())
            if method and sum(counts.get(key, 0) for key in VERIFIED_KEYS)
        ]


_COLUMNS = tuple(BUCKET_SQL)


# One scan of the table for the totals, every department, every location and every way to
# verify: GROUPING SETS,
# which the ORM cannot express. Only constants are interpolated (no input from anyone).
_COUNTS_SQL = ", ".join(f"count(*) FILTER (WHERE {condition})" for condition in BUCKET_SQL.values())


_GROUPS_SQL = "GROUP BY GROUPING SETS ((), (department), (location), (status_method))"


DASHBOARD_SQL = " ".join(
    (
        "SELECT GROUPING(department), GROUPING(location), GROUPING(status_method),",
        "department, location, status_method,",
        _COUNTS_SQL,
        f"FROM {Employee._meta.db_table} WHERE is_active",
        _GROUPS_SQL,
    )
)


def dashboard_stats(*, min_group_size: int) -> DashboardStats:
    """The dashboard's numbers: totals, and coverage by department and by location with the
    small groups merged (``merge_small_groups``). One query, whatever the size."""
    totals: dict[str, int] = dict.fromkeys(BUCKET_KEYS, 0)
    totals_consented = 0
    departments: dict[str, tuple[dict[str, int], int]] = {}
    locations: dict[str, tuple[dict[str, int], int]] = {}
    methods: dict[str, dict[str, int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(DASHBOARD_SQL)
        rows = cursor.fetchall()
    for g_department, g_location, g_method, department, location, method, *numbers in rows:
        values = dict(zip(_COLUMNS, numbers, strict=True))
        consented = values.pop("consented")
        if not g_method:
            methods[method or ""] = values
        elif g_department and g_location:
            totals, totals_consented = values, consented
        elif not g_department:
            departments[(department or "").strip()] = _merge_same(departments, department, values, consented)
        else:
            locations[(location or "").strip()] = _merge_same(locations, location, values, consented)
    return DashboardStats(
        totals=StatusCounts(counts=totals, consented_only=totals_consented),
        by_department=merge_small_groups(departments, min_size=min_group_size),
        by_location=merge_small_groups(locations, min_size=min_group_size),
        by_method=methods,
    )


def _merge_same(
    groups: dict[str, tuple[dict[str, int], int]], name: str | None, values: dict[str, int], consented: int
) -> tuple[dict[str, int], int]:
    # NULL and "" (and names differing only in surrounding spaces) are one group.
    before, before_consented = groups.get((name or "").strip(), ({}, 0))
    return _add(before, values), before_consented + consented


@dataclass(frozen=True)
class TrendPoint:
    date: date
    counts: dict[str, int]


def snapshot_trend(*, days: int = TREND_DAYS, today: date | None = None) -> list[TrendPoint]:
    """The daily snapshots of the last ``days`` days (today included), oldest first."""
    today = today or timezone.localdate()
    since = today - timedelta(days=days - 1)
    rows = DailySnapshot.objects.filter(date__gte=since, date__lte=today).order_by("date")
    return [
        TrendPoint(
            date=row.date, counts={key: int(row.counts.get(key, 0)) for key in (*BUCKET_KEYS, "active")}
        )
        for row in rows.only("date", "counts")
    ]
