"""Journeys 2 and 3, as HR and an employee would live them, in two browsers at once.

HR (a desktop browser) imports a CSV of employees, invites them from the directory and keeps
the dashboard open. An employee (a phone) opens the e-mailed link, consents in Hindi and
confirms with the OTP from the sandbox's SMS inbox; HR's dashboard changes without a reload
and the CSV export carries the status. Then the employee withdraws from the same link: the
dashboard goes back, and a fresh export no longer shows the status.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from e2e.helpers import DESKTOP, PHONE, wait_for
from portal.testing import OWNER_PASSWORD
from verification.buckets import BUCKET_KEYS
from verification.models import Employee, ImportJob

pytestmark = [pytest.mark.e2e, pytest.mark.worker]


@dataclass(frozen=True)
class Person:
    code: str
    name: str
    email: str
    mobile: str


@dataclass(frozen=True)
class Batch:
    tag: str
    filename: str
    people: tuple[Person, ...]

    def csv(self) -> bytes:
        """The file as HR's spreadsheet would save it: a header row, one employee a row."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["Employee Code", "Full Name", "E-mail", "Mobile", "Department", "Location"])
        for person in self.people:
            writer.writerow([person.code, person.name, person.email, person.mobile, "Finance", "Pune"])
        return out.getvalue().encode()


@pytest.fixture
def batch(celery_worker_process, committed_db, org_a) -> Iterator[Batch]:  # type: ignore[no-untyped-def]
    """Three employees of org A, known to the sandbox (README "Demo citizens"), under codes and
    e-mails of their own; whatever the journey made of them is deleted afterwards."""
    tag = uuid.uuid4().hex[:8]
    citizens = [("Priya Sharma", "9000000002"), ("Lakshmi Iyer", "9000000012"), ("Meera Nair", "9000000022")]
    people = tuple(
        Person(code=f"HR-{tag}-{n}", name=name, email=f"e{n}-{tag}@staff.example", mobile=mobile)
        for n, (name, mobile) in enumerate(citizens, start=1)
    )
    yield Batch(tag=tag, filename=f"staff-{tag}.csv", people=people)
    with schema_context(org_a.schema_name):
        Employee.objects.filter(code__startswith=f"HR-{tag}-").delete()
        ImportJob.objects.filter(filename=f"staff-{tag}.csv").delete()


def _numbers(page) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """What the dashboard shows: employees per bucket, active and vaccinated."""
    cells = {key: page.locator(f'tr[data-bucket="{key}"] td.num').first for key in BUCKET_KEYS}
    numbers = {key: int(cell.inner_text()) for key, cell in cells.items()}
    for key in ("active", "vaccinated"):
        numbers[key] = int(page.inner_text(f'[data-stat="{key}"]'))
    return numbers


def _wait_until_dashboard_shows(page, expected: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    """The dashboard polls its numbers every 5 s: wait (never reload) until they are these."""
    seen: dict[str, int] = {}

    def probe() -> bool:
        seen.update(_numbers(page))
        return seen == expected

    try:
        wait_for(probe, timeout=20)
    except AssertionError:
        raise AssertionError(f"the dashboard shows {seen}, not {expected}") from None
    assert page.evaluate("window.tikaNotReloaded") is True


def _export(context, site: str, batch: Batch, shots, label: str) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    """Download the directory's CSV as HR does (the batch searched for, then "CSV"), in a
    tab of its own so the dashboard tab stays as it is; rows by employee code."""
    tab = context.new_page()
    tab.goto(f"{site}/employees/?q={batch.tag}")
    shots(tab, label)
    with tab.expect_download() as info:
        tab.click("a[href*='/employees/export.csv']")
    download = info.value
    assert re.fullmatch(r"alpha-employees-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    text = Path(download.path()).read_bytes().decode("utf-8-sig")
    tab.close()
    return {row["Code"]: row for row in csv.DictReader(io.StringIO(text))}


def test_import_invite_consent_in_hindi_then_withdraw_while_hr_watches(  # type: ignore[no-untyped-def]
    browser, shots, batch, sandbox, org_a, live_server_url, staff_sign_in, settings
):
    # Over this many rows a file is checked and written by the worker behind a progress page;
    # lowered so this small file takes that road too.
    settings.IMPORT_ASYNC_ROWS = 1
    port = live_server_url.rsplit(":", 1)[1]
    site = f"http://{org_a.host}:{port}"
    priya = batch.people[0]

    hr_context = browser.new_context(**DESKTOP)
    hr = hr_context.new_page()
    errors: list[str] = []
    hr.on("pageerror", lambda error: errors.append(str(error)))
    staff_sign_in(hr, site, org_a, org_a.owner_email, OWNER_PASSWORD)

    # --- HR imports the file: upload, preview, confirm ------------------------------------
    hr.goto(f"{site}/employees/")
    hr.click(".page-head a[href$='/employees/import/']")
    upload = {"name": batch.filename, "mimeType": "text/csv", "buffer": batch.csv()}
    hr.set_input_files("#id_file", files=[upload])  # type: ignore[list-item]
    shots(hr, "import-upload")
    hr.click("main form.form button[type=submit]")
    hr.wait_for_url(re.compile(r".*/employees/import/\d+/$"))
    hr.wait_for_selector('#import-job[data-status="validated"]', timeout=30_000)
    preview = {k: hr.inner_text(f'#import-job [data-count="{k}"]') for k in ("create", "update", "error")}
    assert preview == {"create": "3", "update": "0", "error": "0"}
    shots(hr, "import-preview")
    hr.click("#import-job form[action$='/confirm/'] button[type=submit]")
    hr.wait_for_selector('#import-job[data-status="done"]', timeout=30_000)
    assert hr.inner_text('#import-job [data-count="create"]') == "3"
    shots(hr, "import-done")

    # --- HR invites the imported employees from the directory ------------------------------
    hr.click("#import-job a[href$='/employees/']")
    hr.fill("#id_q", batch.tag)
    hr.click("form.filters button[type=submit]")
    hr.wait_for_url(lambda url: f"q={batch.tag}" in url)
    boxes = hr.locator("input[name=employee_ids]")
    assert boxes.count() == 3
    for box in boxes.all():
        box.check()
    shots(hr, "directory-selected")
    assert hr.inner_text("[data-selected-count]") == "3"
    hr.select_option("#id_bulk_action", "invite")
    hr.click("[data-bulk-selected]")
    # Three people: HR confirms first, on a page that names the count and the action.
    assert "Invite 3 employees?" in hr.inner_text("main")
    shots(hr, "invite-confirm")
    hr.click("form.confirm-actions button[type=submit]")
    hr.wait_for_selector(".flash-success")
    assert f"q={batch.tag}" in hr.url  # back to the same filtered view
    assert "3 invitations sent" in hr.inner_text(".messages")
    shots(hr, "invited")

    # The worker e-mails each of them; the link is in the dev inbox.
    inbox = {p.email: wait_for(lambda p=p: sandbox.inbox(to=p.email, kind="email"))[0] for p in batch.people}
    link_match = re.search(r"http://\S+/c/[\w-]+/", inbox[priya.email]["text"])
    assert link_match
    link = link_match.group(0)
    assert link.startswith(f"{site}/c/")

    # --- HR opens the dashboard and leaves it open --------------------------------------------
    hr.goto(f"{site}/")
    hr.evaluate("window.tikaNotReloaded = true")  # gone if the page were ever reloaded
    before = _numbers(hr)
    assert before["pending"] >= 3
    shots(hr, "dashboard-before")

    # --- The employee consents in Hindi on a phone ------------------------------------------
    phone = browser.new_context(**PHONE).new_page()
    phone.on("pageerror", lambda error: errors.append(str(error)))
    phone.goto(link)
    shots(phone, "phone-notice")
    phone.click("button[name=language][value=hi]")
    phone.wait_for_load_state()
    assert phone.locator("html").get_attribute("lang") == "hi"
    phone.check("#id_agree")
    shots(phone, "phone-notice-hindi-agreed")
    phone.click("form.consent-form button[type=submit]")
    phone.wait_for_url("**/verify/")  # how to verify: the OTP
    phone.click("a[data-method=kycvs]")
    phone.wait_for_url("**/details/")
    assert phone.input_value("#id_full_name") == priya.name  # on file, shown to confirm
    # The number on file is offered (masked) and chosen already: nothing to type.
    on_file = phone.locator("input[name=number][value=on_file]")
    assert on_file.is_checked()
    assert priya.mobile[-4:] in phone.inner_text("fieldset.choice") and priya.mobile not in phone.content()
    shots(phone, "phone-details")
    phone.click("main form button[type=submit]")
    phone.wait_for_url("**/otp/")
    phone.wait_for_selector("#id_otp", timeout=30_000)  # swapped in once CoWIN sent the SMS
    phone.fill("#id_otp", sandbox.last_otp(priya.mobile))
    shots(phone, "phone-otp")
    phone.click("#otp-panel form.form button[type=submit]")
    phone.wait_for_url("**/done/", timeout=30_000)
    assert phone.locator(".result-status").get_attribute("data-status") == "2"
    assert phone.locator("html").get_attribute("lang") == "hi"
    shots(phone, "phone-result")

    # --- HR's open dashboard shows it by itself ----------------------------------------------
    verified = {"fully": before["fully"] + 1, "vaccinated": before["vaccinated"] + 1}
    _wait_until_dashboard_shows(hr, {**before, **verified, "pending": before["pending"] - 1})
    shots(hr, "dashboard-after-consent")

    rows = _export(hr_context, site, batch, shots, "directory-export")
    assert set(rows) == {p.code for p in batch.people}
    priya_row = rows[priya.code]
    assert (priya_row["Progress"], priya_row["Vaccination status"]) == ("Verified", "Fully vaccinated")
    assert priya_row["Mobile"].endswith(priya.mobile[-4:])
    for other in batch.people[1:]:
        assert (rows[other.code]["Progress"], rows[other.code]["Vaccination status"]) == ("Invited", "")

    # --- Journey 3: the employee withdraws from the same link ---------------------------------
    phone.goto(link)  # the e-mail's link again: it leads to the result, with a way out
    phone.wait_for_url("**/done/")
    phone.click("a[href$='/withdraw/']")
    phone.wait_for_url("**/withdraw/")
    shots(phone, "phone-withdraw-confirm")
    phone.click("main form button[type=submit]")
    phone.wait_for_url(link)
    assert phone.locator(".receipt").count() == 1
    shots(phone, "phone-withdrawn")

    _wait_until_dashboard_shows(
        hr, {**before, "withdrawn": before["withdrawn"] + 1, "pending": before["pending"] - 1}
    )
    shots(hr, "dashboard-after-withdrawal")

    rows = _export(hr_context, site, batch, shots, "directory-export-after-withdrawal")
    priya_row = rows[priya.code]
    assert (priya_row["Progress"], priya_row["Vaccination status"]) == ("Withdrawn", "")
    assert "Fully vaccinated" not in priya_row.values()
    assert not errors, errors
    phone.context.close()
    hr_context.close()
