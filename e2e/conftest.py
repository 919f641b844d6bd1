"""Browser journeys: Playwright driving Debian's Chromium (/usr/bin/chromium; no download).

The project is served by the test-suite's live server and a real Celery worker; organization
sites are reached as http://<slug>.localhost:<port>/ (Chromium resolves *.localhost to this
machine). Screenshots go to e2e-artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from e2e.helpers import assert_accessible, totp_enrol, wait_for

CHROMIUM = os.environ.get("TIKA_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "e2e-artifacts"
# Flags for a headless Chromium on a machine with no outside network and no GPU.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if Path(CHROMIUM).exists():
        return
    skip = pytest.mark.skip(reason=f"browser journeys need Chromium at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="module")
def browser(django_db_setup) -> Iterator[object]:  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API runs an event loop in this thread; Django then refuses database
        # calls from it unless told that this is deliberate (its documented escape hatch for
        # tests). Only while the journeys run, so no other test or subprocess inherits it.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()


class Shots:
    """Numbered screenshots of one journey; each page state photographed is also checked by
    axe-core for WCAG 2.2 A/AA violations (there must be none)."""

    def __init__(self, name: str) -> None:
        self.folder = ARTIFACTS / name
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):  # a previous run's, perhaps of other steps
            old.unlink()
        self.n = 0

    def __call__(self, page, label: str) -> None:  # type: ignore[no-untyped-def]
        self.n += 1
        page.screenshot(path=str(self.folder / f"{self.n:02d}-{label}.png"), full_page=True)
        assert_accessible(page, f"{self.folder.name}/{label}")


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    return Shots(re.sub(r"[^\w-]+", "_", request.node.name))


@pytest.fixture
def staff_sign_in(committed_db):  # type: ignore[no-untyped-def]
    """Sign a staff user in through the browser, two-factor included.

    The first time, it enrols an authenticator the way a person would (``totp_enrol``), then
    keeps the backup codes the page shows once. Later sign-ins use one of those backup codes. Devices
    made here are removed afterwards.
    """
    from django.contrib.auth.models import User
    from django_otp import devices_for_user
    from django_tenants.utils import schema_context

    backup: dict[tuple[str, str], list[str]] = {}
    enrolled: list[tuple[str, str]] = []

    def sign_in(page, site: str, org, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
        if (org.schema_name, email) not in backup:
            # Start as a person who has not set up two-factor sign-in yet.
            with schema_context(org.schema_name):
                for device in devices_for_user(User.objects.get(username=email), confirmed=None):
                    device.delete()
        page.goto(f"{site}/accounts/login/")
        page.fill("#id_username", email)
        page.fill("#id_password", password)
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        if "/account/2fa/setup/" in page.url:
            backup[(org.schema_name, email)] = totp_enrol(page)
            enrolled.append((org.schema_name, email))
        elif "/account/2fa/verify/" in page.url:
            page.fill("#id_code", backup[(org.schema_name, email)].pop())
            page.click("main form button[type=submit]")
        page.wait_for_load_state()

    yield sign_in
    for schema, email in enrolled:
        with schema_context(schema):
            user = User.objects.get(username=email)
            for device in devices_for_user(user, confirmed=None):
                device.delete()


@pytest.fixture
def invited(celery_worker_process, committed_db, sandbox, org_a):  # type: ignore[no-untyped-def]
    """Invite an employee of org A as HR would (``mobile`` on file, or None: shop-floor staff
    often have none); yield (employee, the link from the e-mail in the dev inbox)."""
    import re
    import uuid

    from django_tenants.utils import schema_context

    from verification.models import Employee
    from verification.tests.factories import EmployeeFactory, InvitationFactory

    created: list[int] = []

    def invite(mobile: str | None, name: str) -> tuple[Employee, str]:
        email = f"{uuid.uuid4().hex[:10]}@staff.example"
        with schema_context(org_a.schema_name):
            employee = EmployeeFactory.create(
                code=f"W-{uuid.uuid4().hex[:6]}", full_name=name, email=email, mobile=mobile
            )
            created.append(employee.pk)
            InvitationFactory.create(employee=employee)
        message = wait_for(lambda: sandbox.inbox(to=email, kind="email"))[0]
        link = re.search(r"http://\S+/c/[\w-]+/", message["text"])
        assert link
        return employee, link.group(0)

    yield invite
    with schema_context(org_a.schema_name):
        Employee.objects.filter(pk__in=created).delete()
