"""The employee tally the database keeps: its counts are the employees', whatever wrote them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Count
from django_tenants.utils import schema_context

from verification.employees.selectors import employee_counts
from verification.employees.services import employee_set_active
from verification.employees.tally import FOLD_AT, employee_tally, employee_tally_fold
from verification.models import Employee, EmployeeTally, Progress
from verification.tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db


def _counted() -> dict[tuple[bool, str], int]:
    """The groups counted the slow way, from the employees themselves."""
    rows = Employee.objects.order_by().values_list("is_active", "progress").annotate(n=Count("*"))
    return {(active, progress): n for active, progress, n in rows}


def test_the_tally_follows_every_kind_of_write(org_a):
    people = [EmployeeFactory.create(org=org_a, code=f"T{i}") for i in range(6)]
    with schema_context(org_a.schema_name):
        assert employee_tally() == _counted() == {(True, Progress.NOT_INVITED): 6}
        # One statement moving rows between groups, one touching no group.
        Employee.objects.filter(code__in=["T0", "T1", "T2"]).update(progress=Progress.INVITED)
        Employee.objects.filter(code="T3").update(department="Sales")
        employee_set_active(employee=people[4], active=False, actor=None)
        Employee.objects.filter(code="T5").delete()
        Employee.objects.bulk_create([Employee(code=f"B{i}", full_name=f"Bulk {i}") for i in range(3)])
        expected = {
            (True, Progress.INVITED): 3,
            (True, Progress.NOT_INVITED): 4,
            (False, Progress.NOT_INVITED): 1,
        }
        assert _counted() == expected
        assert employee_tally() == expected
        counts = employee_counts()
        assert (counts.total, counts.inactive, counts.of(Progress.INVITED)) == (8, 1, 3)


def test_a_write_naming_the_table_from_elsewhere_counts_in_its_own_organization(org_a, org_b):
    """The triggers name the tally by the written table's schema, not the search path: rows
    COPYed or inserted into one organization's table count there, and only there."""
    EmployeeFactory.create(org=org_b, code="B1")
    with schema_context(org_b.schema_name):
        before_b = employee_tally()
    table = f"{connection.ops.quote_name(org_a.schema_name)}.verification_employee"
    with schema_context(org_b.schema_name), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (code, full_name, email, mobile_last4, mobile_digest, department, "  # noqa: S608
            "location, is_active, progress, status_method, status_vaccine, created_at, updated_at) "
            "VALUES ('X1', 'Elsewhere', '', '', '', '', '', true, 'invited', '', '', now(), now())"
        )
        assert employee_tally() == before_b == {(True, Progress.NOT_INVITED): 1}
    with schema_context(org_a.schema_name):
        assert employee_tally() == _counted() == {(True, Progress.INVITED): 1}


def test_folding_keeps_every_sum_in_one_row_per_group(org_a):
    for i in range(4):
        EmployeeFactory.create(org=org_a, code=f"F{i}")
    with schema_context(org_a.schema_name):
        Employee.objects.filter(code="F0").update(progress=Progress.INVITED)
        Employee.objects.filter(code="F0").update(progress=Progress.DECLINED)
        assert EmployeeTally.objects.count() > 2
        before = employee_tally()
        employee_tally_fold()
        assert EmployeeTally.objects.count() == 2  # the emptied "invited" group leaves no row
        assert employee_tally() == before == _counted()


def test_a_read_folds_a_long_tally(org_a):
    EmployeeFactory.create(org=org_a, code="L0")
    with schema_context(org_a.schema_name):
        for i in range(FOLD_AT // 2 + 1):  # each move adds two rows
            Employee.objects.filter(code="L0").update(
                progress=Progress.INVITED if i % 2 == 0 else Progress.NOT_INVITED
            )
        assert EmployeeTally.objects.count() > FOLD_AT
        counted = employee_tally()
        assert counted == _counted()
        assert EmployeeTally.objects.count() == 1
        assert employee_tally() == counted
