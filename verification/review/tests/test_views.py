"""HR's review of statuses verified through a number the employee typed in: approve (the status
counts), reject (erased as on withdrawal); owners and HR Admins only; two organizations; a
flat query count."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from portal.testing import data_queries, host_client, signed_in
from tenants.members import Role
from tenants.tests.factories import StaffUserFactory
from verification.dashboard.selectors import dashboard_stats
from verification.models import AuditEvent, Employee, Progress, StatusRecord, VerificationAttempt
from verification.review.services import verification_review_approve
from verification.tests.employee_flow import (
    employee_now,
    verify_through_another_number,
)

pytestmark = pytest.mark.django_db

Review = VerificationAttempt.Review

REVIEWS = "/employees/review/"


def _staff(org, role: Role):  # type: ignore[no-untyped-def]
    user = StaffUserFactory.create(
        org=org, role=role, email=f"{role.value}-review@{org.slug}.example", full_name=f"Review {role.label}"
    )
    return signed_in(org, user.username)


def test_hr_approves_and_the_status_counts(org_a, django_capture_on_commit_callbacks):
    v = verify_through_another_number(org_a)
    hr = _staff(org_a, Role.HR_ADMIN)
    page = hr.get(REVIEWS).content.decode()
    assert "Ravi Kumar" in page and "••••••0099" in page and "••••••0001" in page
    with django_capture_on_commit_callbacks() as callbacks:
        response = hr.post(f"{REVIEWS}{v.attempt.pk}/approve/")
    assert response["Location"] == REVIEWS and len(callbacks) == 1  # the receipt to the employee
    row = employee_now(org_a, v)
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
    v = verify_through_another_number(org_a)
    owner = signed_in(org_a)
    with django_capture_on_commit_callbacks() as callbacks:
        assert owner.post(f"{REVIEWS}{v.attempt.pk}/reject/").status_code == 302
    assert len(callbacks) == 1
    row = employee_now(org_a, v)
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
    assert link.get(f"/c/{v.token}/")["Location"] == f"/c/{v.token}/verify/"
    page = link.get(f"/c/{v.token}/details/").content.decode()
    assert "could not confirm that the number you used is yours" in page


def test_the_review_list_is_for_owners_and_hr_admins_only(org_a):
    v = verify_through_another_number(org_a)
    viewer = _staff(org_a, Role.VIEWER)
    assert viewer.get(REVIEWS).status_code == 403
    assert viewer.post(f"{REVIEWS}{v.attempt.pk}/approve/").status_code == 403
    assert viewer.post(f"{REVIEWS}{v.attempt.pk}/reject/").status_code == 403
    assert "Ravi Kumar" not in viewer.get("/").content.decode()  # the dashboard: counts only
    assert employee_now(org_a, v).progress == Progress.AWAITING_REVIEW


def test_a_withdrawn_verification_leaves_the_review_list(org_a):
    v = verify_through_another_number(org_a)
    link = host_client(org_a.host)
    assert link.post(f"/c/{v.token}/withdraw/").status_code == 302
    owner = signed_in(org_a)
    assert "Nothing to review." in owner.get(REVIEWS).content.decode()
    assert owner.post(f"{REVIEWS}{v.attempt.pk}/approve/").status_code == 404
    with schema_context(org_a.schema_name):
        attempt = VerificationAttempt.objects.get(pk=v.attempt.pk)
        assert not verification_review_approve(attempt=attempt, actor=None)
    assert employee_now(org_a, v).progress == Progress.WITHDRAWN


def test_another_organizations_reviews_are_not_found(org_a, org_b):
    v = verify_through_another_number(org_b)
    owner_a = signed_in(org_a)
    assert "Ravi Kumar" not in owner_a.get(REVIEWS).content.decode()
    for action in ("approve", "reject"):
        assert owner_a.post(f"{REVIEWS}{v.attempt.pk}/{action}/").status_code == 404
    with schema_context(org_b.schema_name):
        assert VerificationAttempt.objects.get(pk=v.attempt.pk).review == Review.PENDING
        assert StatusRecord.objects.filter(attempt_id=v.attempt.pk).exists()


def test_the_review_list_costs_the_same_queries_for_more_rows(org_a):
    verify_through_another_number(org_a)
    owner = signed_in(org_a)
    owner.get(REVIEWS)
    with CaptureQueriesContext(connection) as few:
        owner.get(REVIEWS)
    few_sql = data_queries(few)  # now: later requests clear the query log
    for _ in range(3):
        verify_through_another_number(org_a)
    with CaptureQueriesContext(connection) as many:
        assert owner.get(REVIEWS).content.decode().count("/approve/") >= 4
    assert len(data_queries(many)) == len(few_sql)
