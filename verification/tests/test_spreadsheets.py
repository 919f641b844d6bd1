"""Cells that a spreadsheet would read as formulas are neutralised, in Python and in SQL alike."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from verification.models import Employee
from verification.spreadsheets import Neutralised, neutralise

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+91 cmd", "'+91 cmd"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Asha = Rao", "Asha = Rao"),
        ("'quoted", "'quoted"),
        ("", ""),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+x", "'+x"),
        ("-x", "'-x"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=b", "a=b"),
    ],
)
def test_sql_neutralised_follows_the_same_rule(org_a, value, expected):
    with schema_context(org_a.schema_name):
        Employee.objects.create(code="X1", full_name=value, email="x@example.com")
        assert Employee.objects.annotate(safe=Neutralised("full_name")).get().safe == expected
        assert neutralise(value) == expected
