"""The dashboard in a real browser: charts drawn from the vendored Chart.js, numbers that
update themselves while HR watches, and no script error."""

from __future__ import annotations

import uuid

import pytest
from django_tenants.utils import schema_context

from e2e.helpers import PHONE, PHONE_WIDTH, wait_for
from portal.testing import OWNER_PASSWORD
from verification.dashboard.services import snapshot_take
from verification.models import DailySnapshot, Employee, Progress, VaccinationStatus

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def employees(committed_db, org_a):  # type: ignore[no-untyped-def]
    tag = uuid.uuid4().hex[:6]
    with schema_context(org_a.schema_name):
        rows = [
            Employee(
                code=f"D-{tag}-{n}",
                full_name=f"Dashboard Person {n}",
                email=f"d{n}-{tag}@staff.example",
                department=("Sales", "Ops", "Legal")[n % 3],
                location="Pune",
                progress=Progress.VERIFIED if n % 2 else Progress.INVITED,
                vaccination_status=VaccinationStatus.FULLY_VACCINATED if n % 2 else None,
            )
            for n in range(20)
        ]
        Employee.objects.bulk_create(rows)
        DailySnapshot.objects.all().delete()
        snapshot_take()  # what the first employees enqueue (verification.snapshots)
    yield tag
    with schema_context(org_a.schema_name):
        Employee.objects.filter(code__startswith=f"D-{tag}-").delete()
        DailySnapshot.objects.all().delete()


def test_dashboard_draws_charts_and_updates_itself(
    browser, shots, employees, org_a, live_server_url, staff_sign_in
):
    port = live_server_url.rsplit(":", 1)[1]
    site = f"http://{org_a.host}:{port}"
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Every script and style loads (the browser's own /favicon.ico probe aside).
    page.on(
        "response",
        lambda response: (
            errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico")
            else None
        ),
    )

    staff_sign_in(page, site, org_a, org_a.owner_email, OWNER_PASSWORD)
    assert page.url == f"{site}/"

    page.wait_for_selector("[data-dashboard-charts]:not([hidden])")
    assert page.evaluate("typeof window.Chart") == "function"
    assert page.evaluate("Object.keys(Chart.instances).length") == 2
    assert page.inner_text('[data-stat="active"]') == "20"
    shots(page, "dashboard")

    with schema_context(org_a.schema_name):
        Employee.objects.filter(code__startswith=f"D-{employees}-", progress=Progress.INVITED).update(
            progress=Progress.DECLINED
        )
    # The fragment is polled every 5 s: the new numbers arrive without a reload.
    wait_for(lambda: "10" in page.inner_text('tr[data-bucket="declined"]'), timeout=15)
    assert page.evaluate("Object.keys(Chart.instances).length") == 2  # updated, not re-created
    shots(page, "dashboard-updated")
    assert not errors, errors


def test_the_dashboard_fits_a_phone_its_tables_scroll_inside_their_frames(
    browser, shots, employees, org_a, live_server_url, staff_sign_in
):
    """On a phone (Hindi, the longer labels) the page itself never scrolls sideways: the
    figures and charts stack, and a table wider than the screen scrolls within its frame. A
    grid item's minimum width is its content's by default: the widest table once made the
    whole dashboard 900 px wide on a 390 px screen."""
    port = live_server_url.rsplit(":", 1)[1]
    site = f"http://{org_a.host}:{port}"
    page = browser.new_context(**PHONE, locale="hi-IN").new_page()
    staff_sign_in(page, site, org_a, org_a.owner_email, OWNER_PASSWORD)
    page.wait_for_selector("[data-dashboard-charts]:not([hidden])")
    width = PHONE_WIDTH  # the screen's (a page too wide widens innerWidth with it)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    frames = page.evaluate(
        """() => [...document.querySelectorAll('#dashboard-live .table-wrap')].map(
            (wrap) => [wrap.getBoundingClientRect().right, wrap.scrollWidth > wrap.clientWidth])"""
    )
    assert frames and all(right <= width for right, _scrolls in frames), frames
    assert any(scrolls for _right, scrolls in frames), frames  # the wide one scrolls in its frame
    shots(page, "dashboard-phone")
