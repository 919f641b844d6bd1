"""The employee form refuses names with control characters (line breaks, escapes, bidi marks)."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from portal.testing import signed_in
from verification.models import Employee

MESSAGE = "Remove line breaks, tabs and other control characters."


@pytest.mark.django_db
def test_the_employee_form_refuses_control_characters(org_a):
    response = signed_in(org_a).post(
        "/employees/new/",
        {
            "code": "C\x07-1",
            "full_name": "Ravi\r\nKumar",
            "email": "ravi@alpha.example",
            "department": "Ops\x1b[31m",
            "location": "Pu\u2028ne",
        },
    )
    assert response.status_code == 200
    assert response.content.decode().count(MESSAGE) == 4
    with schema_context(org_a.schema_name):
        assert not Employee.objects.filter(email="ravi@alpha.example").exists()
