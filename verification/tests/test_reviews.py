"""A status verified through a number the employee entered: it waits for HR's review, counts
once approved, and is erased (as on withdrawal) if rejected. Everywhere a progress is listed."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from conftest import host_client, signed_in
from tenants.members import Role, member_create
from verification.dashboard.selectors import dashboard_stats
from verification.dashboard.services import snapshot_take
from verification.models import AuditEvent, Employee, Progress, StatusRecord, VerificationAttempt
from verification.review.services import verification_review_approve
from verification.tests.employee_flow import Verified, invited, verify_through_the_pages

pytestmark = pytest.mark.django_db
Review = VerificationAttempt.Review

REVIEWS = "/employees/review/"


def _changed(org, client=None, **kwargs) -> Verified:  # type: ignore[no-untyped-def]
    """Ravi Kumar, 9000000099 on file, verified through 9000000001 typed in instead."""
    defaults = {"name": "Ravi Kumar", "mobile": "9000000099", "other_mobile": "9000000001"}
    return verify_through_the_pages(org, client or host_client(org.host), **{**defaults, **kwargs})


def _row(org, v: Verified) -> Employee:  # type: ignore[no-untyped-def]
    with schema_context(org.schema_name):
        return Employee.objects.get(pk=v.employee.pk)


def _staff(org, role: Role):  # type: ignore[no-untyped-def]
    email = f"{role.value}-review@{org.slug}.example"
    with schema_context(org.schema_name):
        member_create(email=email, full_name=f"Review {role.label}", password="irrelevant-pass-42", role=role)
    return signed_in(org, email)


def test_a_changed_number_is_recorded_on_the_attempt_and_the_number_on_file_is_kept(org_a):
    v = _changed(org_a, given_name="R. Kumar")
    row = _row(org_a, v)
    assert row.mobile == "+919000000099" and row.mobile_last4 == "0099" and row.full_name == "Ravi Kumar"
    assert v.attempt.mobile_changed and v.attempt.mobile == "+919000000001"
    assert v.attempt.full_name == "R. Kumar"  # the name sent to CoWIN
    with schema_context(org_a.schema_name):
        confirmed = AuditEvent.objects.get(action="employee.details_confirmed", employee_id=row.pk)
    assert confirmed.data["mobile"] == "changed_by_employee" and confirmed.data["name_match"] == "initials"
    assert "9000000001" not in str(confirmed.data)


def test_the_number_on_file_is_the_default_and_needs_no_review(org_a):
    browser = host_client(org_a.host)
    v = verify_through_the_pages(org_a, browser, mobile="9000000001")
    assert not v.attempt.mobile_changed and v.attempt.mobile == "+919000000001" and v.attempt.review == ""
    row = _row(org_a, v)
    assert (row.progress, row.vaccination_status) == (Progress.VERIFIED, 2)


def test_the_details_page_offers_the_number_on_file_masked(org_a):
    invitation = invited(org_a, mobile="9123456789")
    browser = host_client(org_a.host)
    browser.post(f"/c/{invitation.token}/agree/", {"agree": "on"})
    page = browser.get(f"/c/{invitation.token}/details/").content.decode()
    assert "The number on file, ending in 6789" in page and "9123456789" not in page
    radio = re.search(r'<input[^>]*value="on_file"[^>]*>', page)
    assert radio and "checked" in radio.group(0)  # confirmed without typing it


def test_a_name_not_on_file_with_another_number_is_refused_and_nothing_is_sent(org_a):
    invitation = invited(org_a, name="Ravi Kumar", mobile="9000000099")
    browser = host_client(org_a.host)
    browser.post(f"/c/{invitation.token}/agree/", {"agree": "on"})
    response = browser.post(
        f"/c/{invitation.token}/details/",
        {"full_name": "Priya Sharma", "number": "other", "mobile": "9000000002"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "enter your name as it is on file" in body
    with schema_context(org_a.schema_name):
        assert not VerificationAttempt.objects.filter(employee_id=invitation.employee_id).exists()
        refused = AuditEvent.objects.get(
            action="employee.details_refused", employee_id=invitation.employee_id
        )
        assert refused.data["reason"] == "name_mismatch:different_words"
        assert not AuditEvent.objects.filter(action="otp.requested", employee_id=invitation.employee_id)
        assert Employee.objects.get(pk=invitation.employee_id).full_name == "Ravi Kumar"


def test_another_number_must_be_given_when_chosen(org_a):
    invitation = invited(org_a)
    browser = host_client(org_a.host)
    browser.post(f"/c/{invitation.token}/agree/", {"agree": "on"})
    body = browser.post(
        f"/c/{invitation.token}/details/", {"full_name": "Ravi Kumar", "number": "other", "mobile": ""}
    ).content.decode()
    assert "Enter the other number, or choose the number on file." in body
    # With the number on file chosen, whatever is typed in the other box is not used.
    response = browser.post(
        f"/c/{invitation.token}/details/",
        {"full_name": "Ravi Kumar", "number": "on_file", "mobile": "12"},
    )
    assert response.status_code == 302
    with schema_context(org_a.schema_name):
        attempt = VerificationAttempt.objects.get(employee_id=invitation.employee_id)
    assert attempt.mobile == "+919000000001" and not attempt.mobile_changed


def test_awaiting_review_does_not_count_until_approved_everywhere_a_progress_is_listed(org_a):
    browser = host_client(org_a.host)
    v = _changed(org_a, browser)
    row = _row(org_a, v)
    assert (row.progress, row.vaccination_status, row.status_verified_at) == (
        Progress.AWAITING_REVIEW,
        None,
        None,
    )
    with schema_context(org_a.schema_name):
        record = StatusRecord.objects.get(attempt=v.attempt)  # kept as evidence
        assert record.status == 2
        stats = dashboard_stats(min_group_size=1)
        assert stats.totals.counts["review"] == 1 and stats.totals.counts["fully"] == 0
        assert snapshot_take().counts["review"] == 1

    owner = signed_in(org_a)
    # Dashboard: its own bucket, and a way to the review list.
    home = owner.get("/").content.decode()
    assert 'data-bucket="review"' in home and "awaits your review" in home
    # Directory: the progress filter, the badge; no status shown; exports the same.
    listed = owner.get("/employees/", {"progress": "review", "q": row.code}).content.decode()
    assert "Awaiting HR review" in listed and "Number changed by the employee" in listed
    assert "<td>Fully vaccinated</td>" not in listed  # no status in the row
    by_status = owner.get("/employees/", {"status": "2", "q": row.code})
    assert list(by_status.context["employees"]) == []
    export = owner.get("/employees/export.csv", {"q": row.code})
    content = b"".join(export.streaming_content)  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert [(r["Progress"], r["Vaccination status"]) for r in rows] == [("Awaiting HR review", "")]
    # The employee's page says the number was changed, and that it awaits review.
    detail = owner.get(f"/employees/{row.pk}/").content.decode()
    assert "Number changed by the employee" in detail and "ending in 0001" in detail
    assert "does not count until it is approved" in detail
    # The employee, in the browser that verified: the status, and that HR will check it first.
    done = browser.get(f"/c/{v.token}/done/").content.decode()
    assert "Fully vaccinated" in done and 'data-review="pending"' in done
    my_data = browser.get(f"/c/{v.token}/my-data/").content.decode()
    assert "Awaiting HR review" in my_data and "awaiting your HR team's review, not counted yet" in my_data


def test_hr_approves_and_the_status_counts(org_a, django_capture_on_commit_callbacks):
    v = _changed(org_a)
    hr = _staff(org_a, Role.HR_ADMIN)
    page = hr.get(REVIEWS).content.decode()
    assert "Ravi Kumar" in page and "••••••0099" in page and "••••••0001" in page
    with django_capture_on_commit_callbacks() as callbacks:
        response = hr.post(f"{REVIEWS}{v.attempt.pk}/approve/")
    assert response["Location"] == REVIEWS and len(callbacks) == 1  # the receipt to the employee
    row = _row(org_a, v)
    assert (row.progress, row.vaccination_status) == (Progress.VERIFIED, 2)
    with schema_context(org_a.schema_name):
        attempt = VerificationAttempt.objects.get(pk=v.attempt.pk)
        assert attempt.review == Review.APPROVED and attempt.reviewed_by is not None
        assert dashboard_stats(min_group_size=1).totals.counts["review"] == 0
        approved = AuditEvent.objects.get(action="review.approved", employee_id=row.pk)
        assert approved.actor_kind == "staff"
    assert "Nothing to review." in hr.get(REVIEWS).content.decode()
    # Decided: approving again finds nothing to decide.
    assert hr.post(f"{REVIEWS}{v.attempt.pk}/approve/").status_code == 404
    detail = hr.get(f"/employees/{row.pk}/").content.decode()
    assert "Number changed by the employee" in detail and "Approved by Review HR Admin" in detail


def test_hr_rejects_and_the_status_is_erased_as_on_withdrawal(org_a, django_capture_on_commit_callbacks):
    v = _changed(org_a)
    owner = signed_in(org_a)
    with django_capture_on_commit_callbacks() as callbacks:
        assert owner.post(f"{REVIEWS}{v.attempt.pk}/reject/").status_code == 302
    assert len(callbacks) == 1
    row = _row(org_a, v)
    assert (row.progress, row.vaccination_status, row.status_verified_at) == (Progress.FAILED, None, None)
    with schema_context(org_a.schema_name):
        assert not StatusRecord.objects.filter(employee=row).exists()
        attempt = VerificationAttempt.objects.get(pk=v.attempt.pk)
        assert attempt.review == Review.REJECTED and attempt.mobile is None and attempt.token is None
        rejected = AuditEvent.objects.get(action="review.rejected", employee_id=row.pk)
        assert rejected.data["status_records_erased"] == 1
        assert Employee.objects.get(pk=row.pk).mobile == "+919000000099"  # the number on file stays
    # The employee may verify again through the link, with the number on file.
    link = host_client(org_a.host)
    assert link.get(f"/c/{v.token}/")["Location"] == f"/c/{v.token}/details/"
    page = link.get(f"/c/{v.token}/details/").content.decode()
    assert "could not confirm that the number you used is yours" in page


def test_the_review_list_is_for_owners_and_hr_admins_only(org_a):
    v = _changed(org_a)
    viewer = _staff(org_a, Role.VIEWER)
    assert viewer.get(REVIEWS).status_code == 403
    assert viewer.post(f"{REVIEWS}{v.attempt.pk}/approve/").status_code == 403
    assert viewer.post(f"{REVIEWS}{v.attempt.pk}/reject/").status_code == 403
    assert "Ravi Kumar" not in viewer.get("/").content.decode()  # the dashboard: counts only
    assert _row(org_a, v).progress == Progress.AWAITING_REVIEW


def test_a_withdrawn_verification_leaves_the_review_list(org_a):
    v = _changed(org_a)
    link = host_client(org_a.host)
    assert link.post(f"/c/{v.token}/withdraw/").status_code == 302
    owner = signed_in(org_a)
    assert "Nothing to review." in owner.get(REVIEWS).content.decode()
    assert owner.post(f"{REVIEWS}{v.attempt.pk}/approve/").status_code == 404
    with schema_context(org_a.schema_name):
        attempt = VerificationAttempt.objects.get(pk=v.attempt.pk)
        assert not verification_review_approve(attempt=attempt, actor=None)
    assert _row(org_a, v).progress == Progress.WITHDRAWN


def test_another_organizations_reviews_are_not_found(org_a, org_b):
    v = _changed(org_b)
    owner_a = signed_in(org_a)
    assert "Ravi Kumar" not in owner_a.get(REVIEWS).content.decode()
    for action in ("approve", "reject"):
        assert owner_a.post(f"{REVIEWS}{v.attempt.pk}/{action}/").status_code == 404
    with schema_context(org_b.schema_name):
        assert VerificationAttempt.objects.get(pk=v.attempt.pk).review == Review.PENDING
        assert StatusRecord.objects.filter(attempt_id=v.attempt.pk).exists()


def test_the_review_list_costs_the_same_queries_for_more_rows(org_a):
    _changed(org_a)
    owner = signed_in(org_a)
    owner.get(REVIEWS)
    with CaptureQueriesContext(connection) as few:
        owner.get(REVIEWS)
    for _ in range(3):
        _changed(org_a)
    with CaptureQueriesContext(connection) as many:
        assert owner.get(REVIEWS).content.decode().count("/approve/") >= 4
    assert len(many) == len(few)


def test_with_no_number_on_file_the_number_typed_is_a_changed_one(org_a):
    invitation = invited(org_a, name="Meera Nair", mobile=None)
    browser = host_client(org_a.host)
    browser.post(f"/c/{invitation.token}/agree/", {"agree": "on"})
    page = browser.get(f"/c/{invitation.token}/details/").content.decode()
    assert 'name="number"' not in page and 'name="mobile"' in page  # nothing on file to offer
    refused = browser.post(f"/c/{invitation.token}/details/", {"full_name": "Meera Nair", "mobile": ""})
    assert "This field is required." in refused.content.decode()
    response = browser.post(
        f"/c/{invitation.token}/details/", {"full_name": "Mira Nair", "mobile": "9000000022"}
    )
    assert response.status_code == 302
    with schema_context(org_a.schema_name):
        attempt = VerificationAttempt.objects.get(employee_id=invitation.employee_id)
        assert attempt.mobile_changed and attempt.mobile == "+919000000022"
        assert Employee.objects.get(pk=invitation.employee_id).mobile is None  # still nothing on file
