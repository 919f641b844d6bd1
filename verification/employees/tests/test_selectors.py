"""Reads of the employee directory: its search can use the trigram indexes."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from verification.employees.selectors import EmployeeFilters, employee_directory
from verification.models import Employee

pytestmark = pytest.mark.django_db


def test_search_can_use_the_trigram_indexes(org_a):
    """The indexes' expression must be the one icontains writes (UPPER(col::text) LIKE ...),
    or PostgreSQL cannot use them. With every other way of reading the table switched off,
    the plan of the directory's search shows whether it can."""
    with schema_context(org_a.schema_name), connection.cursor() as cursor:
        search = employee_directory(EmployeeFilters(search="Asha"), queryset=Employee.objects.all())
        sql, params = search.order_by().query.sql_with_params()
        for setting in ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Disabled" not in plan and "Seq Scan" not in plan, plan
    for index in ("employee_full_name_trgm", "employee_code_trgm", "employee_email_trgm"):
        assert index in plan, plan
