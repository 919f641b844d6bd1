"""An employee's own summary: what the organization holds, who viewed or exported it (by name
and role), shown only to a browser allowed to see it (see test_employee_access.py)."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from conftest import host_client, signed_in
from verification.models import AuditEvent
from verification.tests.employee_flow import verify_through_the_pages

pytestmark = pytest.mark.django_db


def test_summary_shows_the_record_and_who_viewed_or_exported_it(org_a, org_b):
    browser = host_client(org_a.host)
    v = verify_through_the_pages(org_a, browser, name="Ravi Kumar", mobile="9000000001")
    owner = signed_in(org_a)
    assert owner.get(f"/employees/{v.employee.pk}/").status_code == 200
    assert owner.get("/employees/export.csv").status_code == 200

    page = browser.get(f"/c/{v.token}/my-data/")
    body = page.content.decode()
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert "Ravi Kumar" in body and "ending in 0001" in body and "9000000001" not in body
    assert "Alpha Owner (Owner) looked at your record" in body
    assert org_a.owner_email not in body
    assert "csv" in body  # the export
    with schema_context(org_a.schema_name):
        assert AuditEvent.objects.filter(
            action="employee.data_summary_viewed", employee_id=v.employee.pk
        ).exists()
    # Another browser with the same link is asked for a code instead.
    stranger = host_client(org_a.host).get(f"/c/{v.token}/my-data/").content.decode()
    assert "Ravi Kumar" not in stranger and "Your data is protected" in stranger
    # The same link on another organization's site finds nothing.
    assert host_client(org_b.host).get(f"/c/{v.token}/my-data/").status_code == 404
