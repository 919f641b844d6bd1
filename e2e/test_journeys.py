"""Browser journeys through the real pages, worker and sandbox."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from e2e.helpers import DESKTOP, PHONE, wait_for
from portal.testing import OWNER_PASSWORD
from verification.models import Consent, Employee, Invitation, StatusRecord

pytestmark = [pytest.mark.e2e, pytest.mark.worker]


def test_consent_in_hindi_on_a_phone_then_withdraw(browser, shots, invited, sandbox, org_a):
    employee, link = invited("9000000001", "Ravi Kumar")
    context = browser.new_context(**PHONE)
    page = context.new_page()

    page.goto(link)
    shots(page, "notice-english")
    page.click("button[name=language][value=hi]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "hi"
    shots(page, "notice-hindi")

    page.click("form.consent-form button[type=submit]")  # unticked box: refused
    assert page.locator(".check.field-error").count() == 1
    page.check("#id_agree")
    page.click("form.consent-form button[type=submit]")
    page.wait_for_url("**/verify/")  # how to verify: the OTP
    page.click("a[data-method=kycvs]")
    page.wait_for_url("**/details/")
    shots(page, "details")
    assert page.locator("input[name=number][value=on_file]").is_checked()  # the number on file
    page.fill("#id_full_name", "Ravi Kumar")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/otp/")
    page.wait_for_selector("#id_otp", timeout=30_000)  # the panel swaps itself in when the SMS went
    shots(page, "otp")
    page.fill("#id_otp", sandbox.last_otp("9000000001"))
    page.click("#otp-panel form.form button[type=submit]")
    page.wait_for_url("**/done/", timeout=30_000)
    assert page.locator(".result-status").get_attribute("data-status") == "2"
    shots(page, "result")

    with schema_context(org_a.schema_name):
        consent = Consent.objects.get(employee=employee)
        assert (consent.language, consent.decision) == ("hi", "given")
        assert StatusRecord.objects.filter(employee=employee).count() == 1

    page.click("a[href$='/withdraw/']")
    shots(page, "withdraw-confirm")
    page.click("main form button[type=submit]")
    page.wait_for_url(link)
    shots(page, "withdrawn")
    with schema_context(org_a.schema_name):
        assert not StatusRecord.objects.filter(employee=employee).exists()
        assert Employee.objects.get(pk=employee.pk).progress == "withdrawn"
    context.close()


def test_wrong_otp_then_right(browser, shots, invited, sandbox):
    _, link = invited("9000000011", "Imran Khan")
    page = browser.new_context(**PHONE).new_page()
    page.goto(link)
    page.check("#id_agree")
    page.click("form.consent-form button[type=submit]")
    page.click("a[data-method=kycvs]")
    page.fill("#id_full_name", "Imran Khan")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#id_otp", timeout=30_000)
    real = sandbox.last_otp("9000000011")
    page.fill("#id_otp", f"{(int(real) + 1) % 10**6:06d}")
    page.click("#otp-panel form.form button[type=submit]")
    page.wait_for_selector("#otp-panel .alert-error", timeout=30_000)
    assert "2 more tries" in page.inner_text("#otp-panel .alert-error")
    shots(page, "wrong-otp")
    page.fill("#id_otp", real)
    page.click("#otp-panel form.form button[type=submit]")
    page.wait_for_url("**/done/", timeout=30_000)
    assert page.locator(".result-status").get_attribute("data-status") == "1"
    shots(page, "result")


def test_expired_link_and_another_organizations_urls(
    browser, shots, invited, org_a, org_b, live_server_url, staff_sign_in
):
    employee, link = invited("9000000021", "Sunil Das")
    with schema_context(org_a.schema_name):
        Invitation.objects.filter(employee=employee).update(expires_at=timezone.now() - timedelta(minutes=1))
    page = browser.new_context().new_page()
    page.goto(link)
    assert "This link has expired" in page.inner_text("main")
    shots(page, "expired-link")

    port = live_server_url.rsplit(":", 1)[1]
    site_a, site_b = f"http://{org_a.host}:{port}", f"http://{org_b.host}:{port}"
    staff_sign_in(page, site_a, org_a, org_a.owner_email, OWNER_PASSWORD)
    assert page.url == f"{site_a}/"
    shots(page, "signed-in-a")

    # Organization A's session means nothing on B's site, and A's link is unknown there.
    page.goto(f"{site_b}/employees/")
    assert page.url.startswith(f"{site_b}/accounts/login/")
    shots(page, "b-asks-to-sign-in")
    page.goto(f"{site_b}{link.split(str(port), 1)[1]}")
    assert "This link is not valid" in page.inner_text("main")
    shots(page, "a-link-on-b")
    page.goto(f"{site_b}/accounts/login/")
    page.fill("#id_username", org_a.owner_email)
    page.fill("#id_password", OWNER_PASSWORD)
    page.click("main form button[type=submit]")
    assert "correct email and password" in page.inner_text("main")
    shots(page, "a-owner-refused-on-b")


def test_another_number_is_reviewed_by_hr_and_a_forwarded_link_asks_for_a_code(  # type: ignore[no-untyped-def]
    browser, shots, invited, sandbox, org_a, live_server_url, staff_sign_in
):
    """The employee verifies on a phone with a number other than the one on file; HR approves
    it on the review list; someone the e-mail was forwarded to sees nothing until the code
    e-mailed to the employee is entered."""
    employee, link = invited("9000000099", "Priya Sharma")  # HR has an old number on file
    port = live_server_url.rsplit(":", 1)[1]
    site = f"http://{org_a.host}:{port}"

    phone = browser.new_context(**PHONE).new_page()
    phone.goto(link)
    phone.check("#id_agree")
    phone.click("form.consent-form button[type=submit]")
    phone.wait_for_url("**/verify/")  # how to verify: the OTP
    phone.click("a[data-method=kycvs]")
    phone.wait_for_url("**/details/")
    assert "0099" in phone.inner_text("fieldset.choice")
    phone.check("input[name=number][value=other]")
    phone.fill("#id_mobile", "9000000002")
    phone.fill("#id_full_name", "Ravi Kumar")  # not the name on file: refused, nothing sent
    phone.click("main form button[type=submit]")
    assert "enter your name as it is on file" in phone.inner_text("main .alert-error")
    shots(phone, "other-number-name-refused")
    phone.fill("#id_full_name", "Priya Sharma")
    phone.check("input[name=number][value=other]")
    phone.fill("#id_mobile", "9000000002")
    shots(phone, "other-number")
    phone.click("main form button[type=submit]")
    phone.wait_for_url("**/otp/")
    phone.wait_for_selector("#id_otp", timeout=30_000)
    phone.fill("#id_otp", sandbox.last_otp("9000000002"))
    phone.click("#otp-panel form.form button[type=submit]")
    phone.wait_for_url("**/done/", timeout=30_000)
    assert phone.locator(".result-status").get_attribute("data-status") == "2"
    assert phone.locator('[data-review="pending"]').count() == 1
    shots(phone, "awaiting-review")

    hr = browser.new_context(**DESKTOP).new_page()
    staff_sign_in(hr, site, org_a, org_a.owner_email, OWNER_PASSWORD)
    hr.goto(f"{site}/employees/review/")
    row = hr.locator("table.reviews tbody tr", has_text="Priya Sharma")
    assert "••••••0099" in row.inner_text() and "••••••0002" in row.inner_text()
    shots(hr, "review-list")
    row.locator("form[action$='/approve/'] button").click()
    hr.wait_for_selector(".flash-success")
    with schema_context(org_a.schema_name):
        assert Employee.objects.get(pk=employee.pk).vaccination_status == 2
    shots(hr, "approved")

    forwarded = browser.new_context(**PHONE).new_page()
    forwarded.goto(link)
    forwarded.wait_for_url("**/done/")
    assert forwarded.locator(".result-status").count() == 0
    assert "Priya Sharma" not in forwarded.content() and employee.email not in forwarded.content()
    shots(forwarded, "forwarded-link")
    forwarded.click("form[action$='/code/send/'] button")
    forwarded.wait_for_url("**/code/**")
    message = wait_for(
        lambda: [m for m in sandbox.inbox(to=employee.email, kind="email") if "one-time code" in m["subject"]]
    )[0]
    code = re.search(r"\b(\d{6})\b", message["text"])
    assert code
    forwarded.fill("#id_code", code.group(1))
    shots(forwarded, "code")
    forwarded.click("main form.form button[type=submit]")
    forwarded.wait_for_url("**/done/")
    assert forwarded.locator(".result-status").get_attribute("data-status") == "2"
    shots(forwarded, "status-after-code")
    for page in (phone, hr, forwarded):
        page.context.close()
