"""Journey 1: an organization signs up on the public site, its owner enrols two-factor
sign-in on the new subdomain and lands on the empty dashboard."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from django_tenants.utils import schema_exists

from e2e.helpers import DESKTOP, totp_enrol
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
    page.fill("#id_organization_name", "Sign-up Journey Ltd")
    page.fill("#id_subdomain", new_slug)
    page.fill("#id_owner_name", "Asha Verma")
    page.fill("#id_email", email)
    page.fill("#id_password", password)
    shots(page, "signup-form")
    page.click("main form button[type=submit]")

    # The new organization answers on its own subdomain, at its sign-in page.
    site = f"http://{new_slug}.localhost:{port}"
    page.wait_for_url(f"{site}/accounts/login/**", timeout=30_000)
    assert page.url == f"{site}/accounts/login/?welcome=1"
    organization = Organization.objects.get(slug=new_slug)
    assert (organization.name, organization.status) == ("Sign-up Journey Ltd", Organization.Status.READY)
    assert organization.schema_name == schema_name_for(new_slug)
    shots(page, "welcome-sign-in")

    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("main form button[type=submit]")
    # An Owner must enrol an authenticator before any staff page.
    page.wait_for_url("**/account/2fa/setup/**")
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
