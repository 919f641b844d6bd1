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
    assert page.count('data-action="employee.created"') == 1 and "AUD-B" not in page
    # B's employee code means nothing in A's log
    assert (
        owner.get("/account/audit/", {"employee": "AUD-B"})
        .content.decode()
        .count('data-action="employee.created"')
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


def test_the_log_reads_in_words_with_names_and_where_staff_acted_from(org_a):
    owner = signed_in(org_a)
    with schema_context(org_a.schema_name):
        employee = EmployeeFactory.create(code="AUD-W", full_name="Meera Nair", email="meera@staff.example")
    # Staff actions through pages: the address is recorded without the view passing it.
    assert owner.get(f"/employees/{employee.pk}/", REMOTE_ADDR="203.0.113.7").status_code == 200
    owner.post(f"/employees/{employee.pk}/invite/", REMOTE_ADDR="203.0.113.7")
    page = owner.get("/account/audit/", {"employee": "AUD-W"}).content.decode()
    viewed = page[page.index('data-action="employee.viewed"') :].split("</tr>")[0]
    assert "Record viewed" in viewed and "203.0.113.7" in viewed
    assert f'href="/employees/{employee.pk}/">Meera Nair</a>' in viewed  # a name, not #id
    invited = page[page.index('data-action="invitation.created"') :].split("</tr>")[0]
    assert "Invited" in invited and "the link works until" in invited and "203.0.113.7" in invited
    for raw in ("employee.viewed<", "invitation.created<", "{&#x27;", "invitation_id", f">#{employee.pk}<"):
        assert raw not in page
    with schema_context(org_a.schema_name):
        assert (
            AuditEvent.objects.filter(action="employee.viewed", employee_id=employee.pk)
            .latest("at")
            .ip_address
            == "203.0.113.7"
        )


def test_every_action_has_words_in_english_and_hindi():
    from django.utils import translation

    from verification.audit import AuditAction, action_label, reason_words

    for language in ("en", "hi"):
        with translation.override(language):
            for action in AuditAction:
                label = action_label(action.value)
                assert label and label != action.value and "." not in label.replace("...", "")
    with translation.override("en"):
        assert (
            reason_words("send_otp:rate_limited:gave_up")
            == "while asking CoWIN for an OTP, CoWIN's rate limit, gave up"
        )
        assert reason_words("not_found") == "the name does not match CoWIN's record for the number"


def test_details_are_words_never_the_stored_dict():
    from django.utils import translation

    from verification.audit import event_details

    with translation.override("en"):
        assert (
            event_details("employee.updated", {"fields": ["full_name", "mobile"]})
            == "changed: name, mobile number"
        )
        assert (
            event_details(
                "employees.imported",
                {
                    "import_job_id": 3,
                    "filename": "staff.xlsx",
                    "created": 4,
                    "updated": 1,
                    "unchanged": 0,
                    "skipped": 2,
                },
            )
            == "file “staff.xlsx”; 4 added; 1 updated; 0 unchanged; 2 skipped"
        )
        assert event_details("invitation.sent", {"invitation_id": 1}) == ""
        assert (
            event_details("consent.given", {"consent_id": 9, "notice_version": "2026-11", "language": "hi"})
            == "notice version 2026-11, in Hindi"
        )
        assert (
            event_details("staff.invited", {"email": "x@y.example", "role": "viewer", "invitation_id": 2})
            == "x@y.example; Viewer"
        )
    with translation.override("hi"):
        hindi = event_details(
            "consent.given", {"consent_id": 9, "notice_version": "2026-11", "language": "hi"}
        )
        assert "2026-11" in hindi and ", hi" not in hindi and "notice" not in hindi
