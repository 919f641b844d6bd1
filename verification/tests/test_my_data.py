"""An employee's own summary: what the organization holds, who viewed or exported it."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from conftest import host_client, signed_in
from verification.models import AuditEvent
from verification.services.employees import employee_create
from verification.services.invitations import invitation_create

pytestmark = pytest.mark.django_db


def test_summary_shows_the_record_and_who_viewed_or_exported_it(org_a, org_b):
    with schema_context(org_a.schema_name):
        employee = employee_create(
            code="MD-1", full_name="Ravi Kumar", email="ravi@a.example", mobile="9000000001"
        )
        invitation = invitation_create(employee=employee)
    owner = signed_in(org_a)
    assert owner.get(f"/employees/{employee.pk}/").status_code == 200
    assert owner.get("/employees/export.csv").status_code == 200

    page = host_client(org_a.host).get(f"/c/{invitation.token}/my-data/")
    body = page.content.decode()
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert "Ravi Kumar" in body and "ending in 0001" in body and "9000000001" not in body
    assert f"{org_a.owner_email} — employee.viewed" in body
    assert "csv" in body  # the export
    with schema_context(org_a.schema_name):
        assert AuditEvent.objects.filter(
            action="employee.data_summary_viewed", employee_id=employee.pk
        ).exists()
    # The same link on another organization's site finds nothing.
    assert host_client(org_b.host).get(f"/c/{invitation.token}/my-data/").status_code == 404
