"""The notice, its refused submit and withdrawal: where the person is looking, and a way back."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from portal.testing import host_client
from verification.models import Consent
from verification.tests.employee_flow import invited, verify_through_the_pages

pytestmark = pytest.mark.django_db


def test_agreeing_without_the_box_keeps_the_form_and_points_at_the_box(org_a):
    invitation = invited(org_a)
    browser = host_client(org_a.host)
    response = browser.post(f"/c/{invitation.token}/agree/", {})
    assert response.status_code == 200
    page = response.content.decode()
    form = re.search(r'<form[^>]*id="agree"[^>]*>', page)
    assert form and f'action="/c/{invitation.token}/agree/"' in form.group(0)
    box = re.search(r'<input type="checkbox" name="agree"[^>]*>', page)
    assert box and "autofocus" in box.group(0) and 'aria-invalid="true"' in box.group(0)
    assert 'aria-describedby="id_agree_error"' in box.group(0)
    error = page.index('id="id_agree_error"')
    assert "Tick the box to agree" in page[error : error + 300]
    assert page.index('id="agree"') < error < page.index('name="agree"')  # beside the box
    with schema_context(org_a.schema_name):
        assert not Consent.objects.filter(invitation=invitation).exists()


def test_the_first_visit_has_no_error_nor_autofocus_and_says_step_1(org_a):
    invitation = invited(org_a)
    page = host_client(org_a.host).get(f"/c/{invitation.token}/").content.decode()
    assert "Step 1 of 3" in page
    box = re.search(r'<input type="checkbox" name="agree"[^>]*>', page)
    assert box and "autofocus" not in box.group(0)


def test_the_logo_leads_to_the_links_landing_step(org_a):
    invitation = invited(org_a)
    page = host_client(org_a.host).get(f"/c/{invitation.token}/").content.decode()
    brand = re.search(r'<a class="brand" href="([^"]+)"', page)
    assert brand and brand.group(1) == f"/c/{invitation.token}/"


def test_withdrawal_asks_first_and_offers_to_keep_the_consent(org_a):
    browser = host_client(org_a.host)
    v = verify_through_the_pages(org_a, browser)
    page = browser.get(f"/c/{v.token}/withdraw/").content.decode()
    assert "Withdraw your consent?" in page
    keep = re.search(r'<a class="button button-secondary" href="([^"]+)">Keep my consent</a>', page)
    assert keep and keep.group(1) == f"/c/{v.token}/"
    with schema_context(org_a.schema_name):
        assert Consent.objects.get(invitation=v.invitation).is_active  # looking is not withdrawing
    landing = browser.get(keep.group(1), follow=True)
    assert "Withdraw consent" in landing.content.decode()  # back on the result, consent kept
    assert browser.post(f"/c/{v.token}/withdraw/").status_code == 302
    with schema_context(org_a.schema_name):
        assert not Consent.objects.get(invitation=v.invitation).is_active


def test_an_otp_on_its_way_shows_the_field_at_once_and_one_countdown_to_a_new_one(org_a):
    from datetime import timedelta

    from django.utils import timezone

    from verification.errors import ErrorCode
    from verification.models import VerificationAttempt

    invitation = invited(org_a)
    browser = host_client(org_a.host)
    browser.post(f"/c/{invitation.token}/agree/", {"agree": "on"})
    browser.post(f"/c/{invitation.token}/details/", {"full_name": "Ravi Kumar", "number": "on_file"})
    now = timezone.now()
    with schema_context(org_a.schema_name):
        # Sent a minute ago; the employee then pressed "send a new one" too soon.
        VerificationAttempt.objects.filter(consent__invitation=invitation).update(
            state=VerificationAttempt.State.OTP_SENT,
            txn_id="txn",
            otp_sent_at=now - timedelta(seconds=60),
            otp_expires_at=now + timedelta(seconds=120),
            retry_after=now + timedelta(seconds=120),
            error_code=ErrorCode.RESEND_TOO_SOON,
        )
    page = browser.get(f"/c/{invitation.token}/otp/").content.decode()
    field = re.search(r'<input[^>]*name="otp"[^>]*>', page)
    assert field and "autofocus" in field.group(0)
    assert "alert" not in page.split('id="otp-panel"')[1].split("</div>")[0].split("<form")[0]
    countdown = re.findall(r'data-countdown="(\d+)">(\d+:\d\d)<', page)
    assert len(countdown) == 1 and 115 <= int(countdown[0][0]) <= 121 and countdown[0][1].startswith("2:0")
    button = re.search(r'<button type="submit" class="button button-secondary"[^>]*>Send a new OTP', page)
    assert button and "hidden" in button.group(0)  # revealed by the countdown at zero
    assert "countdown.js" in page
    with schema_context(org_a.schema_name):
        VerificationAttempt.objects.filter(consent__invitation=invitation).update(
            retry_after=now, error_code=""
        )
    page = browser.get(f"/c/{invitation.token}/otp/").content.decode()
    button = re.search(r'<button type="submit" class="button button-secondary"[^>]*>Send a new OTP', page)
    assert button and "hidden" not in button.group(0) and "data-countdown=" not in page


def test_before_an_answer_the_notice_asks_nothing_about_consent_and_after_it_moves_on(org_a, org_b):
    """The invitation's lookup tells whether any consent exists: the notice of an unanswered
    link reads no consent row; once answered, the link goes where the answer leads, and
    another organization's consent changes nothing here."""
    invitation = invited(org_a)
    other = invited(org_b)
    host_client(org_b.host).post(f"/c/{other.token}/agree/", {"agree": "on"})
    browser = host_client(org_a.host)
    browser.get(f"/c/{invitation.token}/")  # the first opening records it
    with CaptureQueriesContext(connection) as queries:
        assert browser.get(f"/c/{invitation.token}/").status_code == 200
    assert not [q for q in queries.captured_queries if q["sql"].startswith('SELECT "verification_consent"')]
    assert browser.post(f"/c/{invitation.token}/agree/", {"agree": "on"}).status_code == 302
    landing = browser.get(f"/c/{invitation.token}/")
    assert landing.status_code == 302 and landing["Location"] != f"/c/{invitation.token}/"
    assert "Step 1 of 3" not in browser.get(f"/c/{invitation.token}/", follow=True).content.decode()
