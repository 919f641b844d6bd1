"""The audit log (Owners only): filters, two organizations, the CSV export and its own event."""

from __future__ import annotations

import csv
import io

import pytest
from django_tenants.utils import schema_context

from portal.testing import signed_in
from verification.account.tests.helpers import hr_admin_client
from verification.models import AuditEvent
from verification.tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db


def test_audit_log_filters_and_export(org_a, org_b):
    with schema_context(org_a.schema_name):
        employee = EmployeeFactory.create(code="AUD-1", full_name="A B", email="a@b.example")
    with schema_context(org_b.schema_name):
        EmployeeFactory.create(code="AUD-B", full_name="C D", email="c@d.example")
    owner = signed_in(org_a)
    page = owner.get("/account/audit/", {"employee": "AUD-1"}).content.decode()
    assert page.count("<td>employee.created</td>") == 1 and "AUD-B" not in page
    # B's employee code means nothing in A's log
    assert (
        owner.get("/account/audit/", {"employee": "AUD-B"})
        .content.decode()
        .count("<td>employee.created</td>")
        == 0
    )
    export = owner.get("/account/audit/export.csv", {"action": "employee.created"})
    assert {"no-store", "private"} <= {d.strip() for d in export["Cache-Control"].split(",")}
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))  # type: ignore[attr-defined]
    assert rows[0][:2] == ["time", "action"] and all(r[1] == "employee.created" for r in rows[1:])
    assert str(employee.pk) in [r[4] for r in rows[1:]]
    with schema_context(org_a.schema_name):
        assert AuditEvent.objects.get(action="audit.exported").data["rows"] == len(rows) - 1
    assert hr_admin_client(org_a).get("/account/audit/").status_code == 403
