"""Journey: shop-floor staff with no e-mail. HR adds an employee with only a mobile number and
invites them by SMS (the worker sends it to the sandbox's dev inbox); the employee opens the
link from the SMS on a phone and reads it in Hindi. HR then prints a letter for them instead: the PDF's QR
code (read back as a phone camera would) is a new link that opens the notice, and the SMS link
stops working."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from django_tenants.utils import schema_context

from e2e.helpers import DESKTOP, PHONE, wait_for
from portal.testing import OWNER_PASSWORD
from verification.models import Employee

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def mobile(committed_db, org_a):  # type: ignore[no-untyped-def]
    """A mobile number of this journey only; its employee is removed afterwards."""
    number = f"9{uuid.uuid4().int % 10**9:09d}"
    yield number
    with schema_context(org_a.schema_name):
        Employee.objects.filter(code__startswith=f"SF-{number[-4:]}").delete()


@pytest.mark.parametrize("hr_window", [DESKTOP, PHONE], ids=["hr-desktop", "hr-phone"])
def test_invite_by_sms_then_by_printed_letter(  # type: ignore[no-untyped-def]
    browser, shots, sandbox, celery_worker_process, org_a, live_server_url, staff_sign_in, mobile, hr_window
):
    port = live_server_url.rsplit(":", 1)[1]
    site = f"http://{org_a.host}:{port}"
    errors: list[str] = []
    hr_context = browser.new_context(**hr_window, accept_downloads=True)
    hr = hr_context.new_page()
    hr.on("pageerror", lambda error: errors.append(str(error)))
    staff_sign_in(hr, site, org_a, org_a.owner_email, OWNER_PASSWORD)

    # --- HR adds an employee with a mobile and no e-mail -------------------------------------
    code = f"SF-{mobile[-4:]}-{uuid.uuid4().hex[:4]}"
    hr.goto(f"{site}/employees/new/")
    hr.fill("#id_code", code)
    hr.fill("#id_full_name", "Ramesh Yadav")
    hr.fill("#id_mobile", mobile)
    shots(hr, "add-without-email")
    hr.click("main form button[type=submit]")
    hr.wait_for_url(f"{site}/employees/")
    hr.fill("#id_q", code)
    hr.click("form.filters button[type=submit]")
    hr.wait_for_url(lambda url: f"q={code}" in url)
    assert hr.locator("tbody tr").count() == 1
    shots(hr, "directory-without-email")
    hr.click("tbody tr th a")
    hr.wait_for_url(re.compile(r".*/employees/\d+/$"))
    assert hr.locator('[data-invite="email"]').count() == 0
    shots(hr, "employee-page")

    # --- ... and invites them by SMS -------------------------------------------------------
    hr.click('[data-invite="sms"]')
    hr.wait_for_selector(".flash-success")
    assert "by SMS" in hr.inner_text(".messages")
    message = wait_for(lambda: sandbox.inbox(to=f"+91{mobile}", kind="sms"))[0]
    assert len(message["text"]) <= 160
    sms_link = re.search(r"http://\S+/c/[\w-]+/", message["text"])
    assert sms_link, message["text"]
    hr.reload()
    assert hr.locator('[data-channel="sms"]').count() >= 1
    shots(hr, "invited-by-sms")

    # --- The employee opens the SMS link on a phone, in Hindi --------------------------------
    phone = browser.new_context(**PHONE).new_page()
    phone.on("pageerror", lambda error: errors.append(str(error)))
    phone.goto(sms_link.group(0).replace(":8000/", f":{port}/"))
    assert "Alpha" in phone.inner_text("main")
    shots(phone, "sms-link-opened")
    phone.click("button[name=language][value=hi]")
    phone.wait_for_load_state()
    assert phone.locator("html").get_attribute("lang") == "hi"
    assert "सहमति" in phone.inner_text("main")
    shots(phone, "sms-link-in-hindi")

    # --- HR prints a letter instead --------------------------------------------------------
    with hr.expect_download() as info:
        hr.click('[data-invite="letter"]')
    download = info.value
    assert re.fullmatch(
        rf"alpha-letter-{code.lower()}-\d{{4}}-\d{{2}}-\d{{2}}\.pdf", download.suggested_filename
    )
    document = pdfium.PdfDocument(Path(download.path()).read_bytes())
    assert len(document) == 1
    picture = document[0].render(scale=150 / 72).to_pil()
    picture.save(shots.folder / "letter.png")
    (barcode,) = zxingcpp.read_barcodes(
        picture, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    )
    letter_link = barcode.text
    assert letter_link.startswith(f"http://{org_a.host}:") and letter_link != sms_link.group(0)

    phone.goto(letter_link.replace(":8000/", f":{port}/"))
    assert "Alpha" in phone.inner_text("main")
    shots(phone, "letter-link-opened")
    # The SMS link was replaced by the letter's.
    phone.goto(sms_link.group(0).replace(":8000/", f":{port}/"))
    shots(phone, "sms-link-replaced")
    assert phone.locator("form[action$='/agree/']").count() == 0
    assert not errors, errors
