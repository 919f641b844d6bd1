"""The export's CSV stream: a download cut short leaves the connection usable, on its schema."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from verification.employees.exports import csv_stream, export_sql
from verification.employees.selectors import EmployeeFilters
from verification.models import Employee

pytestmark = pytest.mark.django_db


def test_a_csv_download_cut_short_leaves_the_connection_usable(org_a, org_b):
    """The server closes the stream of a client that went away: psycopg cancels the COPY,
    its savepoint rolls back, and the connection is back on the schema it was on."""
    with schema_context(org_a.schema_name):
        Employee.objects.bulk_create(
            Employee(code=f"C{i:05}", full_name=f"Person {i:05} " + "x" * 60, email=f"p{i}@example.com")
            for i in range(1500)
        )
        stream = csv_stream(export_sql(EmployeeFilters()), organization=org_a.get())
    with schema_context(org_b.schema_name):
        next(stream), next(stream)  # the header, then the first rows: the COPY is under way

        stream.close()

        assert connection.schema_name == org_b.schema_name  # type: ignore[attr-defined]
        assert Employee.objects.count() == 0
    with schema_context(org_a.schema_name):
        assert Employee.objects.count() == 1500
