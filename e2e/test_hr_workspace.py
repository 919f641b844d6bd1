"""HR's workspace in a real browser at 1366 and 1024 px and on a phone (English and Hindi):
bulk actions that act on the filter and ask first, destructive actions that say what they do,
a table that says when it scrolls, messages without empty space, dashboard counts that lead
to exactly those people, a new organization's next step, the team's invitations."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django_tenants.utils import schema_context

from e2e.helpers import PHONE
from portal.testing import OWNER_PASSWORD
from verification.models import Employee, Invitation, Progress, StaffInvitation

pytestmark = [pytest.mark.e2e]

WIDE: dict[str, Any] = {"viewport": {"width": 1366, "height": 800}}
NARROW: dict[str, Any] = {"viewport": {"width": 1024, "height": 768}}
SIZES: dict[str, dict[str, Any]] = {"1366": WIDE, "1024": NARROW, "phone": PHONE}


@pytest.fixture
def staff(committed_db, org_a) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Twelve employees nobody has invited: eight in one department, four in another."""
    tag = uuid.uuid4().hex[:6]
    with schema_context(org_a.schema_name):
        Employee.objects.bulk_create(
            Employee(
                code=f"W-{tag}-{n}",
                full_name=f"Workspace Person {n:02d}",
                email=f"w{n}-{tag}@staff.example",
                department=f"Ops-{tag}" if n < 8 else f"Lab-{tag}",
                location="Pune",
            )
            for n in range(12)
        )
    yield tag
    with schema_context(org_a.schema_name):
        Invitation.objects.filter(employee__code__startswith=f"W-{tag}-").delete()
        Employee.objects.filter(code__startswith=f"W-{tag}-").delete()


def _site(org, live_server_url: str) -> str:  # type: ignore[no-untyped-def]
    return f"http://{org.host}:{live_server_url.rsplit(':', 1)[1]}"


def _messages_fit(page) -> bool:  # type: ignore[no-untyped-def]
    """The messages take their own height: no empty band below them (it was ~100 px)."""
    gap = page.evaluate(
        """() => {
        const box = document.querySelector('.messages');
        const flashes = [...box.querySelectorAll('.flash')];
        const last = flashes[flashes.length - 1].getBoundingClientRect();
        return box.getBoundingClientRect().bottom - last.bottom;
    }"""
    )
    return gap < 12


def _table_cut_without_hint(page) -> bool:  # type: ignore[no-untyped-def]
    """True when the directory's last column is out of sight and nothing says so."""
    return page.evaluate(
        """() => {
        const wrap = document.querySelector('[data-scroll-wrap]');
        const hint = document.querySelector('[data-scroll-hint]');
        const overflows = wrap.scrollWidth > wrap.clientWidth + 1;
        const lastHeader = wrap.querySelector('thead th:last-child').getBoundingClientRect();
        const cut = overflows || lastHeader.right > window.innerWidth;
        const hinted = !hint.hidden && hint.offsetParent !== null && wrap.classList.contains('has-more');
        return cut && !hinted;
    }"""
    )


@pytest.mark.parametrize("size", ["1366", "1024", "phone"])
def test_bulk_invite_acts_on_the_filter_asks_first_and_keeps_it(  # type: ignore[no-untyped-def]
    browser, shots, staff, org_a, live_server_url, staff_sign_in, size
):
    site = _site(org_a, live_server_url)
    page = browser.new_context(**SIZES[size]).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    staff_sign_in(page, site, org_a, org_a.owner_email, OWNER_PASSWORD)

    page.goto(f"{site}/employees/?department=Ops-{staff}&sort=-name")
    assert "Apply to all 8 matching" in page.inner_text("[data-bulk-matching]")
    assert not _table_cut_without_hint(page)
    shots(page, "directory")

    # Tick everyone on the page; the count says so.
    page.check("[data-select-page]")
    assert page.inner_text("[data-selected-count]") == "8"
    page.uncheck("input[data-select-one] >> nth=0")
    assert page.inner_text("[data-selected-count]") == "7"
    page.select_option("#id_bulk_action", "invite")
    page.click("[data-bulk-selected]")
    assert "Invite 7 employees?" in page.inner_text("h1")
    assert "e-mail" in page.inner_text("main")
    shots(page, "confirm-ticked")
    page.click("main a:has-text('Cancel')")
    assert f"department=Ops-{staff}" in page.url and "sort=-name" in page.url

    # All that match: the eight of this department, none of the other.
    page.select_option("#id_bulk_action", "invite")
    page.click("[data-bulk-matching]")
    assert "Invite 8 employees?" in page.inner_text("h1")
    shots(page, "confirm-matching")
    page.click("form.confirm-actions button[type=submit]")
    page.wait_for_selector(".flash-success")
    assert "8 invitations sent." in page.inner_text(".messages")
    assert f"department=Ops-{staff}" in page.url and "sort=-name" in page.url  # the filters stay
    assert _messages_fit(page)
    assert not _table_cut_without_hint(page)
    shots(page, "invited")
    with schema_context(org_a.schema_name):
        invited = set(
            Invitation.objects.filter(employee__code__startswith=f"W-{staff}-").values_list(
                "employee__department", flat=True
            )
        )
        assert invited == {f"Ops-{staff}"}
        assert Invitation.objects.filter(employee__code__startswith=f"W-{staff}-").count() == 8
    assert not errors, errors


def test_deactivate_asks_first_and_a_reactivated_badge_agrees_with_its_links(  # type: ignore[no-untyped-def]
    browser, shots, staff, org_a, live_server_url, staff_sign_in
):
    site = _site(org_a, live_server_url)
    page = browser.new_context(**NARROW).new_page()
    staff_sign_in(page, site, org_a, org_a.owner_email, OWNER_PASSWORD)
    with schema_context(org_a.schema_name):
        person = Employee.objects.get(code=f"W-{staff}-0")
    page.goto(f"{site}/employees/{person.pk}/")
    page.click(".page-head form[action$='/invite/'] button")
    page.wait_for_selector(".flash-success")
    assert page.inner_text(".page-head + .grid-3 .badge") == "Invited"

    page.click(".page-head form[action$='/deactivate/'] button")
    assert page.inner_text("h1") == "Deactivate Workspace Person 00?"
    assert "invitation link stops working" in page.inner_text("main")
    shots(page, "deactivate-asks")
    page.click("main a:has-text('Cancel')")
    with schema_context(org_a.schema_name):
        assert Employee.objects.get(pk=person.pk).is_active
    page.click(".page-head form[action$='/deactivate/'] button")
    page.click("form.confirm-actions button[type=submit]")
    page.wait_for_selector(".flash-success")
    assert _messages_fit(page)
    shots(page, "deactivated")

    page.click(".page-head form[action$='/reactivate/'] button")
    page.wait_for_selector(".flash-success")
    badge = page.inner_text(".page-head + .grid-3 .badge")
    states = page.locator("#invitations-title + .table-wrap tbody td:last-child").all_inner_texts()
    assert badge == "Not invited" and states == ["Replaced or revoked"]  # no open link, none promised
    assert page.inner_text(".page-head form[action$='/invite/'] button") == "Invite by e-mail"
    shots(page, "reactivated")


@pytest.mark.parametrize("size", ["1366", "phone"])
def test_dashboard_counts_lead_to_exactly_those_people(  # type: ignore[no-untyped-def]
    browser, shots, staff, org_a, live_server_url, staff_sign_in, size
):
    with schema_context(org_a.schema_name):
        Employee.objects.filter(code__in=[f"W-{staff}-{n}" for n in range(3)]).update(
            progress=Progress.INVITED
        )
    site = _site(org_a, live_server_url)
    page = browser.new_context(**SIZES[size]).new_page()
    staff_sign_in(page, site, org_a, org_a.owner_email, OWNER_PASSWORD)
    page.goto(f"{site}/")
    headings = page.locator("main h1, main h2, main figcaption, main summary").all_inner_texts()
    assert len(headings) == len(set(headings)), headings
    assert page.locator(".headline .figure").count() == 3
    shots(page, "dashboard")

    for selector in ('[data-figure="pending"] a', 'tr[data-bucket="not_invited"] a', '[data-count="active"]'):
        page.goto(f"{site}/")
        shown = int(page.inner_text(selector))
        page.click(selector)
        page.wait_for_url(re.compile(r".*/employees/\?.*active=yes"))
        matches = re.search(r"(\d+) employees? match", page.inner_text("main"))
        assert matches and int(matches.group(1)) == shown, (selector, shown)
    shots(page, "directory-from-dashboard")


def test_hindi_dashboard_and_directory_on_a_phone(  # type: ignore[no-untyped-def]
    browser, shots, staff, org_a, live_server_url, staff_sign_in
):
    site = _site(org_a, live_server_url)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    staff_sign_in(page, site, org_a, org_a.owner_email, OWNER_PASSWORD)
    context.add_cookies([{"name": "django_language", "value": "hi", "url": site}])
    page.goto(f"{site}/")
    assert page.locator(".headline .figure").count() == 3
    assert "Vaccinated" not in page.inner_text(".headline")
    shots(page, "dashboard-hi")
    page.goto(f"{site}/employees/?department=Ops-{staff}")
    page.check("[data-select-page]")
    page.select_option("#id_bulk_action", "deactivate")
    page.click("[data-bulk-selected]")
    assert "8" in page.inner_text("h1") and "Deactivate" not in page.inner_text("main")
    shots(page, "confirm-hi")


@pytest.mark.parametrize("language", ["en", "hi"])
def test_the_filter_menus_narrow_the_directory_and_keep_what_was_chosen(  # type: ignore[no-untyped-def]
    browser, shots, staff, org_a, live_server_url, staff_sign_in, language
):
    site = _site(org_a, live_server_url)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    staff_sign_in(page, site, org_a, org_a.owner_email, OWNER_PASSWORD)
    context.add_cookies([{"name": "django_language", "value": language, "url": site}])
    page.goto(f"{site}/employees/")
    # Every department on record is offered; the menus start at "All".
    offered = page.locator("#id_department option").evaluate_all("options => options.map(o => o.value)")
    assert offered[0] == "" and {f"Ops-{staff}", f"Lab-{staff}"} <= set(offered)
    assert page.input_value("#id_status") == page.input_value("#id_active") == ""
    page.select_option("#id_department", f"Lab-{staff}")
    page.select_option("#id_status", "none")  # no status on record
    page.select_option("#id_active", "yes")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r".*department=Lab-.*"))
    assert page.locator("input[data-select-one]").count() == 4
    # What was chosen is still chosen, in the page's language.
    assert page.input_value("#id_department") == f"Lab-{staff}"
    assert page.input_value("#id_status") == "none" and page.input_value("#id_active") == "yes"
    chosen = page.locator("#id_status option:checked").inner_text()
    assert (chosen == "No status on record") == (language == "en")
    shots(page, f"directory-filtered-{language}")
    # A kept link to a department nobody is in now: its menu says so, not "All".
    page.goto(f"{site}/employees/?department=Gone-{staff}")
    assert page.input_value("#id_department") == f"Gone-{staff}"
    assert page.locator("input[data-select-one]").count() == page.locator("[data-bulk-matching]").count() == 0
    assert page.locator("main a[href='/employees/']").count() >= 1  # "Show everyone" / "Clear"
    shots(page, f"directory-gone-department-{language}")


def test_a_new_organization_sees_the_next_step(  # type: ignore[no-untyped-def]
    browser, shots, committed_db, org_b, live_server_url, staff_sign_in
):
    with schema_context(org_b.schema_name):
        assert not Employee.objects.exists()  # bravo is a new organization in the journeys
    site = _site(org_b, live_server_url)
    page = browser.new_context(**WIDE).new_page()
    staff_sign_in(page, site, org_b, org_b.owner_email, OWNER_PASSWORD)
    page.goto(f"{site}/")
    main = page.inner_text("main")
    assert "Import your employees" in main
    for absent in ("0.0%", "0 of 0", "too few employees", "Remind those", "days recorded"):
        assert absent not in main, absent
    assert page.locator("canvas").count() == 0
    shots(page, "new-organization")
    page.click("main a:has-text('Import a file')")
    assert page.url.endswith("/employees/import/")


def test_team_invitations_default_to_viewer_and_revoking_asks_first(  # type: ignore[no-untyped-def]
    browser, shots, committed_db, org_a, live_server_url, staff_sign_in
):
    email = f"mate-{uuid.uuid4().hex[:6]}@alpha.example"
    site = _site(org_a, live_server_url)
    page = browser.new_context(**NARROW).new_page()
    staff_sign_in(page, site, org_a, org_a.owner_email, OWNER_PASSWORD)
    try:
        page.goto(f"{site}/account/team/")
        assert page.input_value("#id_role") == "viewer"
        page.fill("#id_email", email)
        page.click("main form.form button[type=submit]")
        page.wait_for_selector(".flash-success")
        assert _messages_fit(page)
        row = page.locator("tr", has_text=email)
        assert "Viewer" in row.inner_text()
        shots(page, "team-pending")
        row.locator("form[action$='/revoke/'] button").click()
        assert email in page.inner_text("h1") and "stops working" in page.inner_text("main")
        shots(page, "revoke-asks")
        page.click("form.confirm-actions button[type=submit]")
        page.wait_for_selector(".flash-success")
        assert page.locator("tr", has_text=email).count() == 0
    finally:
        with schema_context(org_a.schema_name):
            StaffInvitation.objects.filter(email=email).delete()
            User.objects.filter(username=email).delete()
