"""Journey 1: an organization signs up on the public site (the subdomain suggested from its
name), its owner is signed in on the new subdomain without typing the password again, enrols
two-factor sign-in and lands on the empty dashboard. Journey 1b: someone who forgot their
organization's address asks the public site and follows the e-mailed link."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from django_tenants.utils import schema_exists
from playwright.sync_api import expect

from e2e.helpers import DESKTOP, PHONE, totp_enrol, wait_for
from tenants.models import Organization
from tenants.services import organization_drop
from tenants.validators import schema_name_for

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def new_slug(committed_db) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A subdomain nobody has; the organization signed up under it is removed afterwards
    (its schema dropped, its rows deleted), whether the journey got that far or not."""
    slug = f"e2e-{uuid.uuid4().hex[:10]}"
    yield slug
    organization_drop(slug=slug)
    assert not schema_exists(schema_name_for(slug))


def test_sign_up_enrol_two_factor_and_land_on_the_empty_dashboard(
    browser, shots, new_slug, live_server_url, org_a
):
    email = f"asha-{new_slug}@signup.example"
    password = f"Tika-{uuid.uuid4().hex[:12]}"
    port = live_server_url.rsplit(":", 1)[1]
    page = browser.new_context(**DESKTOP).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{live_server_url}/")
    shots(page, "landing")
    page.click(".hero a.button[href$='/signup/']")
    page.wait_for_url("**/signup/")
    # The subdomain is suggested from the name as it is typed, Hindi names transliterated;
    # a taken one comes with a free variant to use.
    page.type("#id_organization_name", "श्री गणेश", delay=20)
    expect(page.locator("#id_subdomain")).to_have_value("shri-ganesh")
    assert "shri-ganesh." in page.inner_text("#subdomain-hint")
    page.fill("#id_organization_name", "")
    page.type("#id_organization_name", "Alpha Pvt Ltd", delay=20)
    expect(page.locator("#id_subdomain")).to_have_value("alpha-2")
    page.fill("#id_subdomain", "")
    page.type("#id_subdomain", "alpha", delay=20)
    page.wait_for_selector("#subdomain-hint button")
    assert "alpha is taken; alpha-2 is free." in page.inner_text("#subdomain-hint")
    shots(page, "signup-subdomain-taken")
    page.click("#subdomain-hint button")
    assert page.input_value("#id_subdomain") == "alpha-2"
    page.fill("#id_organization_name", "Sign-up Journey Ltd")
    page.fill("#id_subdomain", new_slug)
    page.fill("#id_owner_name", "Asha Verma")
    page.fill("#id_email", email)
    page.fill("#id_password", password)
    shots(page, "signup-form")
    page.click("main form button[type=submit]")

    # The new organization answers on its own subdomain, the owner already signed in there
    # (no retyping): an Owner must enrol an authenticator before any staff page.
    site = f"http://{new_slug}.localhost:{port}"
    page.wait_for_url(f"{site}/account/2fa/setup/**", timeout=30_000)
    organization = Organization.objects.get(slug=new_slug)
    assert (organization.name, organization.status) == ("Sign-up Journey Ltd", Organization.Status.READY)
    assert organization.schema_name == schema_name_for(new_slug)
    assert page.locator(".qr svg").count() == 1
    shots(page, "two-factor-setup")
    backup_codes = totp_enrol(page)
    assert len(set(backup_codes)) == 10

    page.wait_for_url(f"{site}/")
    # A new organization is shown its next step, not empty charts and zeros.
    assert "Import your employees" in page.inner_text("main")
    assert page.locator("main a[href='/employees/import/']").count() == 1
    assert page.locator("canvas, tr[data-bucket]").count() == 0
    shots(page, "empty-dashboard")

    # The owner's session is the new organization's only: Alpha's site does not know it.
    page.goto(f"http://{org_a.host}:{port}/")
    assert page.url.startswith(f"http://{org_a.host}:{port}/accounts/login/")
    assert not errors, errors


@pytest.mark.parametrize("window", ["phone", "desktop"])
def test_find_your_organization_by_e_mail(
    browser, shots, committed_db, mailoutbox, org_a, live_server_url, window, settings
):
    # The owner's address asks several times in one test session (each window, other tests):
    # the per-address limit has its own tests (tenants/tests/test_signin.py).
    settings.FIND_ORGANIZATION_RATE_PER_ADDRESS = "100/hour"
    page = browser.new_context(**(PHONE if window == "phone" else DESKTOP)).new_page()
    page.goto(f"{live_server_url}/")
    page.click("nav a[href$='/signin/']")
    page.wait_for_url("**/signin/")
    shots(page, "sign-in")
    page.fill("#id_email", org_a.owner_email.upper())
    page.click("main form button[type=submit]")
    page.wait_for_url("**/signin/sent/")
    assert "Check your e-mail" in page.inner_text("main h1")
    shots(page, "sent")

    # The live server's e-mails land in the test's outbox.
    (message,) = wait_for(lambda: [m for m in mailoutbox if m.to == [org_a.owner_email]])
    assert message.subject == "Your organizations on Tika"
    assert f"Alpha: http://{org_a.host}:" in message.body
    # The e-mail's links name PUBLIC_PORT; follow it on the live server's port.
    port = live_server_url.rsplit(":", 1)[1]
    page.goto(f"http://{org_a.host}:{port}/accounts/login/")
    assert page.locator("#id_username").count() == 1
    shots(page, "organization-sign-in")
