"""The employee's details page: the number on file by default (masked), another number typed
in instead (recorded on the attempt, the one on file kept), names not on file refused."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context

from portal.testing import host_client
from verification.models import AuditEvent, Employee, Progress, VerificationAttempt
from verification.tests.employee_flow import (
    employee_now,
    invited,
    verify_through_another_number,
    verify_through_the_pages,
)

pytestmark = pytest.mark.django_db


def test_a_changed_number_is_recorded_on_the_attempt_and_the_number_on_file_is_kept(org_a):
    v = verify_through_another_number(org_a, given_name="R. Kumar")
    row = employee_now(org_a, v)
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
    row = employee_now(org_a, v)
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


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("98765 4321", "Too short: 9 digits; an Indian mobile has 10."),
        (
            "020 2612 3456",
            "A landline (Pune, Maharashtra): CoWIN sends the OTP by SMS to a mobile. Enter your",
        ),
        ("98765 43210, 98765", "Not one phone number: type a single mobile number, digits only."),
        ("9.87654E+09", "This looks like a number a spreadsheet shortened"),
    ],
)
def test_another_number_that_is_no_mobile_is_refused_saying_why_in_the_employees_words(org_a, typed, reason):
    invitation = invited(org_a)
    browser = host_client(org_a.host)
    browser.post(f"/c/{invitation.token}/agree/", {"agree": "on"})
    response = browser.post(
        f"/c/{invitation.token}/details/", {"full_name": "Ravi Kumar", "number": "other", "mobile": typed}
    )
    assert response.status_code == 200
    [error] = response.context["form"].errors["mobile"]
    assert error.startswith(reason), error
    assert "employee's" not in error and "cell" not in error and "file" not in error  # HR's words
    with schema_context(org_a.schema_name):
        assert not VerificationAttempt.objects.filter(employee_id=invitation.employee_id).exists()


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
