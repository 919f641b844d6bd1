"""The employee's phone flow as issue 16 found it, in English and Hindi on a 390x844 phone:
a refused "I agree" shown where the person looks, the OTP step that waits out CoWIN's 180 s
rule in one message, a name CoWIN does not know, withdrawal with a way back, dates in the
Indian format, the "my data" page in words; then HR's audit log in words and the dashboard
printed. Every photographed state is also checked by axe-core (e2e/conftest.py: Shots)."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context

from e2e.helpers import DESKTOP, PHONE, countdown_samples, counts_down
from portal.testing import OWNER_PASSWORD
from verification.models import Consent

pytestmark = [pytest.mark.e2e, pytest.mark.worker]

#: "1 Dec 2026, 11:54 am" and "1 दिसंबर 2026, 11:54 पूर्वाह्न"; never 12/01/2026.
ENGLISH_DATETIME = re.compile(
    r"\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}, \d{1,2}:\d\d (am|pm)\b"
)
HINDI_DATETIME = re.compile(r"\d{1,2} \S+ \d{4}, \d{1,2}:\d\d (पूर्वाह्न|अपराह्न)")
US_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b")


def _to_hindi(page) -> None:  # type: ignore[no-untyped-def]
    box = page.locator("button[name=language]").bounding_box()
    assert box and box["width"] >= 44 and box["height"] >= 44  # a 44 px target on a phone
    page.click("button[name=language][value=hi]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "hi"


@pytest.mark.parametrize("language", ["en", "hi"])
def test_a_refused_agree_opens_at_the_box_focused(browser, shots, invited, language):
    _, link = invited("9000000001", "Ravi Kumar")
    page = browser.new_context(**PHONE, reduced_motion="reduce").new_page()
    page.goto(link)
    if language == "hi":
        _to_hindi(page)
    assert page.locator(".steps-label").count() == 1  # "Step 1 of 3" on the notice too
    assert page.locator("a.brand").get_attribute("href") == re.sub(r"^https?://[^/]+", "", link)
    page.mouse.wheel(0, 400)  # scrolled down a little, as after the language switch at times
    page.keyboard.press("Tab")  # the first stop is the skip link, shown when focused
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").bounding_box()["y"] >= 0  # type: ignore[index]  # in view
    shots(page, f"notice-{language}")

    with page.expect_navigation() as navigation:
        page.click("form.consent-form button[type=submit]")  # the box not ticked
    assert navigation.value and navigation.value.status == 200
    assert page.evaluate("document.activeElement.id") == "id_agree"
    box = page.locator("#id_agree").bounding_box()
    error = page.locator("#id_agree_error").bounding_box()
    assert box and error and 0 <= box["y"] <= 844 - box["height"] and 0 <= error["y"] <= 844
    assert page.locator("#id_agree").get_attribute("aria-invalid") == "true"
    # Motion as asked: the reduced-motion rule is in force.
    assert page.evaluate("getComputedStyle(document.body).animationDuration") in ("1e-05s", "0.00001s")
    shots(page, f"refused-{language}")
    page.check("#id_agree")
    page.click("form.consent-form button[type=submit]")
    page.wait_for_url("**/verify/")


def test_a_name_cowin_does_not_know_then_the_wait_for_a_new_otp(browser, shots, invited, sandbox):
    _, link = invited("9000000003", "Anjali Gupta")
    page = browser.new_context(**PHONE).new_page()
    page.goto(link)
    page.check("#id_agree")
    page.click("form.consent-form button[type=submit]")
    page.click("a[data-method=kycvs]")
    page.fill("#id_full_name", "Anjali Guptaa")  # not as CoWIN knows her
    page.click("main form button[type=submit]")
    page.wait_for_selector("#id_otp", timeout=30_000)
    # The field at once, and a live countdown to a new OTP (the button shows at zero).
    wait = page.locator("[data-countdown-wait] .countdown")
    assert counts_down(countdown_samples(wait))
    assert page.locator("button:has-text('Send a new OTP')").is_hidden()
    shots(page, "otp-with-countdown")
    page.fill("#id_otp", sandbox.last_otp("9000000003"))
    page.click("#otp-panel form.form button[type=submit]")
    page.wait_for_url("**/details/", timeout=30_000)

    alert = page.inner_text("[data-error=name_mismatch]")
    assert "does not match CoWIN's record for this number" in alert and "new OTP" in alert
    assert page.input_value("#id_full_name") == "Anjali Guptaa"  # kept, to be corrected
    assert page.evaluate("document.activeElement.id") == "id_full_name"
    assert page.locator("[data-offer=certificate] a").is_visible()
    shots(page, "name-not-known")

    page.fill("#id_full_name", "Anjali Gupta")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/otp/")
    page.wait_for_selector("[data-waiting=cowin-resend-rule]", timeout=30_000)
    # One message: why and when. No spinner, no red second message, no dead field.
    assert page.locator("#otp-panel .working").count() == 0
    assert page.locator("#otp-panel .alert-error").count() == 0
    assert page.locator("#otp-panel p").count() == 1
    countdown = page.locator("[data-waiting] .countdown")
    assert re.fullmatch(r"\d:\d\d", countdown.inner_text())
    assert counts_down(countdown_samples(countdown))  # steady across the panel's htmx swaps
    shots(page, "waiting-for-cowin")
    _to_hindi(page)
    page.wait_for_selector("[data-waiting=cowin-resend-rule]")
    assert "CoWIN" in page.inner_text("[data-waiting]") and "OTP" in page.inner_text("[data-waiting]")
    shots(page, "waiting-for-cowin-hindi")


def test_result_dates_my_data_and_withdrawal_with_a_way_back(browser, shots, invited, sandbox, org_a):
    employee, link = invited("9000000012", "Lakshmi Iyer")
    page = browser.new_context(**PHONE).new_page()
    page.goto(link)
    page.check("#id_agree")
    page.click("form.consent-form button[type=submit]")
    page.click("a[data-method=kycvs]")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#id_otp", timeout=30_000)
    page.fill("#id_otp", sandbox.last_otp("9000000012"))
    page.click("#otp-panel form.form button[type=submit]")
    page.wait_for_url("**/done/", timeout=30_000)
    text = page.inner_text("main")
    assert ENGLISH_DATETIME.search(text) and not US_DATE.search(text), text
    shots(page, "done-english")

    _to_hindi(page)
    text = page.inner_text("main")
    assert HINDI_DATETIME.search(text) and not US_DATE.search(text), text
    shots(page, "done-hindi")

    page.click("footer a[href$='/my-data/']")
    page.wait_for_url("**/my-data/")
    text = page.inner_text("main")
    assert HINDI_DATETIME.search(text), text
    for raw in ("employee.", "consent.", ", hi)", "{'", "notice"):
        assert raw not in text, raw
    shots(page, "my-data-hindi")

    page.goto(link)
    page.wait_for_url("**/done/")
    page.click("a[href$='/withdraw/']")
    page.wait_for_url("**/withdraw/")
    shots(page, "withdraw-confirm-hindi")
    page.click(".withdraw-form a.button")  # keep my consent
    page.wait_for_url("**/done/")
    with schema_context(org_a.schema_name):
        assert Consent.objects.get(employee=employee).is_active
    page.click("a[href$='/withdraw/']")
    page.click(".withdraw-form button[type=submit]")
    page.wait_for_url(link)
    with schema_context(org_a.schema_name):
        assert not Consent.objects.get(employee=employee).is_active
    shots(page, "withdrawn-hindi")


def test_hr_reads_the_audit_log_in_words_and_prints_the_dashboard(
    browser, shots, invited, org_a, live_server_url, staff_sign_in
):
    employee, _link = invited("9000000021", "Sunil Das")
    port = live_server_url.rsplit(":", 1)[1]
    site = f"http://{org_a.host}:{port}"
    page = browser.new_context(**DESKTOP).new_page()
    staff_sign_in(page, site, org_a, org_a.owner_email, OWNER_PASSWORD)
    page.goto(f"{site}/employees/{employee.pk}/")
    assert "Sunil Das" in page.inner_text("main")
    page.goto(f"{site}/account/audit/?employee={employee.code}")
    table = page.inner_text("table")
    assert "Sunil Das" in table and "Record viewed" in table and "Invitation e-mailed" in table
    for raw in ("employee.viewed", "invitation.sent", "{'", "invitation_id", f"#{employee.pk}"):
        assert raw not in table, raw
    viewed = page.locator("tr[data-action='employee.viewed']").first
    assert viewed.locator("td").nth(4).inner_text().strip() == "127.0.0.1"  # "From" filled
    dates = [cell.strip() for cell in page.locator("tbody tr td:first-child").all_inner_texts()]
    assert dates and all(ENGLISH_DATETIME.fullmatch(d) for d in dates), dates
    shots(page, "audit-log")

    page.goto(f"{site}/")
    page.emulate_media(media="print")
    assert page.locator(".topbar nav").is_hidden() and page.locator(".footer").is_hidden()
    assert page.locator("main h1").is_visible()
    shots(page, "dashboard-print")
