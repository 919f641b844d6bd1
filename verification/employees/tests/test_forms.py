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


NEED_ONE = "Give an e-mail or a mobile number: the invitation needs one of them."


@pytest.mark.django_db
def test_an_employee_needs_an_e_mail_or_a_mobile_not_both(org_a):
    client = signed_in(org_a)
    refused = client.post("/employees/new/", {"code": "N-1", "full_name": "No Way"})
    assert refused.status_code == 200 and NEED_ONE in refused.content.decode()
    added = client.post(
        "/employees/new/", {"code": "N-2", "full_name": "Ramesh Yadav", "mobile": "90000 00001"}
    )
    assert added.status_code == 302
    with schema_context(org_a.schema_name):
        employee = Employee.objects.get(code="N-2")
        assert (employee.email, employee.mobile_last4) == ("", "0001")
    # Editing: the mobile on record counts, so the e-mail may stay empty.
    edit = client.post(f"/employees/{employee.pk}/edit/", {"code": "N-2", "full_name": "Ramesh Kumar Yadav"})
    assert edit.status_code == 302
    page = client.get("/employees/").content.decode()
    assert "Ramesh Kumar Yadav" in page
