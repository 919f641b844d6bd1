"""An employee's own summary: what the organization holds, who viewed or exported it (by name
and role, never by e-mail), shown only to a browser allowed to see it (see
verification/consent/tests/test_access.py)."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from portal.testing import host_client, signed_in
from tenants.members import Role
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
    assert "CSV" in body  # the export
    with schema_context(org_a.schema_name):
        assert AuditEvent.objects.filter(
            action="employee.data_summary_viewed", employee_id=v.employee.pk
        ).exists()
    # Another browser with the same link is asked for a code instead.
    stranger = host_client(org_a.host).get(f"/c/{v.token}/my-data/").content.decode()
    assert "Ravi Kumar" not in stranger and "Your data is protected" in stranger
    # The same link on another organization's site finds nothing.
    assert host_client(org_b.host).get(f"/c/{v.token}/my-data/").status_code == 404


@pytest.mark.usefixtures("mailoutbox", "fresh_limits")
def test_my_data_names_staff_by_name_and_role_never_by_email(org_a):
    browser = host_client(org_a.host)
    v = verify_through_the_pages(org_a, browser)
    owner = signed_in(org_a)
    assert owner.get(f"/employees/{v.employee.pk}/").status_code == 200
    assert owner.get("/employees/export.csv").status_code == 200
    body = browser.get(f"/c/{v.token}/my-data/").content.decode()
    assert "Alpha Owner (Owner) looked at your record" in body
    assert "Alpha Owner (Owner) — CSV; 1 row" in body  # the export, in words
    assert org_a.owner_email not in body and "@alpha.example" not in body
    assert "employee.viewed" not in body  # in words, not the audit code


@pytest.mark.usefixtures("mailoutbox", "fresh_limits")
def test_my_data_names_a_teammate_without_a_name_or_no_longer_on_the_team_without_their_email(org_a):
    from django.contrib.auth.models import User

    from tenants.tests.factories import StaffUserFactory

    browser = host_client(org_a.host)
    v = verify_through_the_pages(org_a, browser)
    with schema_context(org_a.schema_name):
        for email, name in (("nameless@alpha.example", ""), ("leaver@alpha.example", "Lee Leaver")):
            StaffUserFactory.create(
                email=email, full_name=name, password="irrelevant-pass-42", role=Role.HR_ADMIN
            )
    for email in ("nameless@alpha.example", "leaver@alpha.example"):
        assert signed_in(org_a, email).get(f"/employees/{v.employee.pk}/").status_code == 200
    with schema_context(org_a.schema_name):
        User.objects.filter(username="leaver@alpha.example").delete()
    body = browser.get(f"/c/{v.token}/my-data/").content.decode()
    assert "a member of staff (HR Admin) looked at your record" in body
    assert "a former member of staff looked at your record" in body
    assert "Lee Leaver" not in body and "@alpha.example" not in body
