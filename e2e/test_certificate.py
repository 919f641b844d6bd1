"""The certificate route in the browser: an employee on a phone (in Hindi) uploads the CoWIN
certificate PDF the sandbox issued; HR's open dashboard shows one more fully vaccinated, by
certificate; a certificate whose name is not the name on file goes to HR's review and counts
once HR approves it."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from e2e.helpers import DESKTOP, PHONE, wait_for
from portal.testing import OWNER_PASSWORD
from verification.models import Employee, Method, Progress
from verification.providers.sandbox import certificates as sandbox_certificates

pytestmark = [pytest.mark.e2e, pytest.mark.worker]


def _certificate_file(tmp_path, mobile: str, kind: str) -> str:  # type: ignore[no-untyped-def]
    """The certificate as the sandbox's dev inbox offers it for download (PDF or PNG)."""
    demo = sandbox_certificates.demo_certificate(mobile)
    assert demo is not None
    signed = sandbox_certificates.sign(demo)
    render = sandbox_certificates.pdf if kind == "pdf" else sandbox_certificates.png
    path = tmp_path / f"certificate-{mobile}.{kind}"
    path.write_bytes(render(demo, signed, "zip"))
    return str(path)


def _count(page, bucket: str, method: str | None = None) -> int:  # type: ignore[no-untyped-def]
    if method is None:
        if page.locator("[data-empty-state]").count():
            return 0  # no employee yet: the dashboard shows the next step instead of zeros
        return int(page.locator(f'tr[data-bucket="{bucket}"] td.num').first.inner_text())
    row = page.locator(f'table.methods tr[data-method="{method}"] td[data-bucket="{bucket}"]')
    return int(row.inner_text()) if row.count() else 0


def _upload(phone, link: str, path: str) -> None:  # type: ignore[no-untyped-def]
    phone.goto(link)
    phone.check("#id_agree")
    phone.click("form.consent-form button[type=submit]")
    phone.wait_for_url("**/verify/")
    phone.click("a[data-method=certificate]")
    phone.wait_for_url("**/certificate/")
    phone.set_input_files("#id_file", path)
    phone.click("#certificate-form button[type=submit]")
    phone.wait_for_url("**/done/", timeout=30_000)


def test_a_certificate_uploaded_on_a_phone_counts_on_hrs_open_dashboard_and_a_mismatch_is_reviewed(  # type: ignore[no-untyped-def]
    browser, shots, invited, org_a, live_server_url, staff_sign_in, tmp_path
):
    port = live_server_url.rsplit(":", 1)[1]
    site = f"http://{org_a.host}:{port}"
    hr_context = browser.new_context(**DESKTOP)
    hr = hr_context.new_page()
    staff_sign_in(hr, site, org_a, org_a.owner_email, OWNER_PASSWORD)
    hr.goto(f"{site}/")
    hr.evaluate("window.tikaNotReloaded = true")
    fully, fully_by_certificate = _count(hr, "fully"), _count(hr, "fully", "certificate")
    partially = _count(hr, "partially")
    shots(hr, "dashboard-before")

    # The employee, on a phone, in Hindi.
    employee, link = invited(None, "Ravi Kumar")  # no mobile on file
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(link)
    phone.click("button[name=language][value=hi]")
    phone.wait_for_load_state()
    phone.check("#id_agree")
    phone.click("form.consent-form button[type=submit]")
    phone.wait_for_url("**/verify/")
    shots(phone, "choose-hindi")
    assert "मेरा टीकाकरण प्रमाणपत्र" in phone.inner_text("main")
    phone.click("a[data-method=certificate]")
    phone.wait_for_url("**/certificate/")
    assert "जन्म तिथि" in phone.inner_text("main")  # says what is never shown or exported
    shots(phone, "certificate-page-hindi")
    phone.set_input_files("#id_file", _certificate_file(tmp_path, "9000000001", "pdf"))
    phone.click("#certificate-form button[type=submit]")
    phone.wait_for_url("**/done/", timeout=30_000)
    assert phone.locator(".result-status").get_attribute("data-method") == "certificate"
    assert "COVISHIELD" in phone.inner_text(".result-doses")
    shots(phone, "done-by-certificate-hindi")

    # HR's dashboard, never reloaded, moves: one more fully vaccinated, by certificate.
    wait_for(
        lambda: (
            _count(hr, "fully") == fully + 1
            and _count(hr, "fully", "certificate") == fully_by_certificate + 1
        ),
        timeout=20,
    )
    assert hr.evaluate("window.tikaNotReloaded") is True
    shots(hr, "dashboard-one-more-by-certificate")
    with schema_context(org_a.schema_name):
        row = Employee.objects.get(pk=employee.pk)
        assert (row.progress, row.status_method, row.status_dose) == (
            Progress.VERIFIED,
            Method.CERTIFICATE,
            2,
        )

    # A certificate whose name is not the name on file: it waits for HR, who approves it.
    _other, other_link = invited(None, "Lakshmi Venkatesh")
    second = browser.new_context(**PHONE).new_page()
    _upload(second, other_link, _certificate_file(tmp_path, "9000000012", "png"))  # "Laxmi Iyer"
    assert second.locator('[data-review="pending"]').count() == 1
    shots(second, "done-awaiting-review")
    review = hr_context.new_page()
    review.goto(f"{site}/employees/review/")
    row = review.locator("table.reviews tbody tr", has_text="Lakshmi Venkatesh")
    assert "Laxmi Iyer" in row.inner_text()  # both names side by side
    assert row.locator('[data-reason="name_mismatch"]').count() == 1
    shots(review, "review-name-mismatch")
    row.locator("form[action$='/approve/'] button").click()
    review.wait_for_selector(".flash-success")
    wait_for(lambda: _count(hr, "partially") == partially + 1, timeout=20)
    shots(hr, "dashboard-after-approval")
