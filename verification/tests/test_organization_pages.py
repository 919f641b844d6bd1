"""Owner pages: organization settings, the audit log and its export; retention."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_tenants.utils import schema_context

from conftest import signed_in
from tenants.members import Role, member_create
from tenants.models import Organization
from verification.employees.services import employee_create
from verification.invitations.services import invitation_create
from verification.models import AuditEvent, Consent, Employee, Progress, StatusRecord, VerificationAttempt
from verification.privacy.retention import retention_erase

pytestmark = pytest.mark.django_db


def _hr(org):  # type: ignore[no-untyped-def]
    with schema_context(org.schema_name):
        member_create(
            email=f"hr@{org.slug}.example", full_name="HR", password="x-long-pass-9", role=Role.HR_ADMIN
        )
    return signed_in(org, f"hr@{org.slug}.example")


def test_owner_changes_settings_hr_admin_cannot(org_a, org_b):
    owner = signed_in(org_a)
    page = owner.get("/account/settings/")
    assert page.status_code == 200 and 'value="3, 7"' in page.content.decode()
    response = owner.post(
        "/account/settings/",
        {
            "name": "Alpha Ltd",
            "grievance_contact_name": "Privacy Desk",
            "grievance_contact_email": "privacy@alpha.example",
            "invitation_expiry_days": 10,
            "reminder_days": "2; 5",
            "dashboard_min_group_size": 3,
            "retention_days": 15,
            "link_view_days": 45,
        },
    )
    assert response.status_code == 302
    alpha = Organization.objects.get(slug="alpha")
    assert (alpha.name, alpha.reminder_days, alpha.retention_days) == ("Alpha Ltd", [2, 5], 15)
    assert alpha.link_view_days == 45
    assert Organization.objects.get(slug="bravo").name == "Bravo"
    bad = owner.post(
        "/account/settings/",
        {
            "name": "A",
            "invitation_expiry_days": 0,
            "reminder_days": "x",
            "dashboard_min_group_size": 5,
            "retention_days": 1,
            "link_view_days": 30,
        },
    )
    assert bad.status_code == 200 and "whole numbers" in bad.content.decode()
    assert _hr(org_a).get("/account/settings/").status_code == 403
    with schema_context(org_a.schema_name):
        assert AuditEvent.objects.filter(action="organization.settings_changed").exists()


def test_link_view_days_is_an_owner_setting_with_limits_and_help(org_a):
    owner = signed_in(org_a)
    page = owner.get("/account/settings/").content.decode()
    assert 'name="link_view_days"' in page and 'value="30"' in page
    assert "shows their status and data only after a one-time code" in page
    valid = {
        "name": "Alpha",
        "invitation_expiry_days": 14,
        "reminder_days": "3, 7",
        "dashboard_min_group_size": 5,
        "retention_days": 30,
    }
    for days in (0, 366):
        refused = owner.post("/account/settings/", {**valid, "link_view_days": days})
        assert refused.status_code == 200
        assert refused.context["form"].errors["link_view_days"] == ["Between 1 and 365."]
    assert Organization.objects.get(slug="alpha").link_view_days == 30
    assert owner.post("/account/settings/", {**valid, "link_view_days": 7}).status_code == 302
    assert Organization.objects.get(slug="alpha").link_view_days == 7
    with schema_context(org_a.schema_name):
        changed = AuditEvent.objects.filter(action="organization.settings_changed").latest("at")
        assert "link_view_days" in changed.data["fields"]


def test_audit_log_filters_and_export(org_a, org_b):
    with schema_context(org_a.schema_name):
        employee = employee_create(code="AUD-1", full_name="A B", email="a@b.example")
    with schema_context(org_b.schema_name):
        employee_create(code="AUD-B", full_name="C D", email="c@d.example")
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
    assert _hr(org_a).get("/account/audit/").status_code == 403


def test_retention_erases_after_the_set_days_and_leaves_a_record(org_a):
    with schema_context(org_a.schema_name):
        employee = employee_create(code="RET-1", full_name="A B", email="a@b.example", mobile="9000000001")
        invitation = invitation_create(employee=employee)
        consent = Consent.objects.create(
            employee=employee, invitation=invitation, decision="given", notice_version="x", language="en"
        )
        attempt = VerificationAttempt.objects.create(
            employee=employee, consent=consent, full_name="A B", mobile="+919000000001", state="verified"
        )
        StatusRecord.objects.create(
            employee=employee,
            attempt=attempt,
            consent=consent,
            status=2,
            verified_at=timezone.now(),
            evidence="x.y.z",
            key_id="k",
        )
        Consent.objects.filter(pk=consent.pk).update(withdrawn_at=timezone.now())
        Employee.objects.filter(pk=employee.pk).update(progress=Progress.WITHDRAWN)
        with time_machine.travel(timezone.now() + timedelta(days=29)):
            assert retention_erase() == 0
        with time_machine.travel(timezone.now() + timedelta(days=31)):
            assert retention_erase() == 1
            assert retention_erase() == 0  # nothing left to erase
        row = Employee.objects.get(pk=employee.pk)
        assert (row.mobile, row.mobile_last4) == (None, "")
        assert not StatusRecord.objects.filter(employee=employee).exists()
        assert VerificationAttempt.objects.get(pk=attempt.pk).mobile is None
        assert (
            AuditEvent.objects.get(action="retention.erased", employee_id=employee.pk).data[
                "status_records_erased"
            ]
            == 1
        )


def test_owner_navigation_links_only_for_owners(org_a):
    nav = signed_in(org_a).get("/").content.decode()
    for path in ("/account/team/", "/account/settings/", "/account/audit/"):
        assert f'href="{path}"' in nav
    hr_nav = _hr(org_a).get("/").content.decode()
    assert 'href="/account/team/"' not in hr_nav and 'href="/employees/"' in hr_nav
