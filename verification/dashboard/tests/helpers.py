"""What the dashboard's tests share (not a test file): employees seeded straight into the table,
in the states the dashboard counts."""

from __future__ import annotations

from django_tenants.utils import schema_context

from portal.testing import OrgFixture
from verification.models import Employee, Progress


def seed(
    org: OrgFixture, spec: list[tuple[int, str, str, Progress, int | None]], *, prefix: str = "E"
) -> None:
    """``spec``: (how many, department, location, progress, vaccination status)."""
    rows: list[Employee] = []
    with schema_context(org.schema_name):
        start = Employee.objects.count()
        for how_many, department, location, progress, status in spec:
            for _ in range(how_many):
                n = start + len(rows)
                rows.append(
                    Employee(
                        code=f"{prefix}{n}",
                        full_name=f"Person {prefix}{n} Zebediah",
                        email=f"{prefix.lower()}{n}@staff.example",
                        department=department,
                        location=location,
                        progress=progress,
                        vaccination_status=status,
                    )
                )
        Employee.objects.bulk_create(rows)


def employee_row(code: str, **fields) -> Employee:  # type: ignore[no-untyped-def]
    return Employee.objects.create(code=code, full_name=code, email=f"{code}@staff.example", **fields)
