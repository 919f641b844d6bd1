"""Security headers on every page, CSP nonces, login lockout, session time limits."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from conftest import OWNER_PASSWORD, host_client, signed_in
from tenants.members import Role, member_create
from verification.employees.services import employee_create
from verification.invitations.services import invitation_create

pytestmark = pytest.mark.django_db


def _pages(org_a) -> list[tuple[Client, str]]:  # type: ignore[no-untyped-def]
    with schema_context(org_a.schema_name):
        invitation = invitation_create(
            employee=employee_create(code="SEC-1", full_name="A B", email="a@b.example")
        )
    owner = signed_in(org_a)
    public = host_client("localhost")
    employee = host_client(org_a.host)
    return [
        (public, "/"),
        (public, "/signup/"),
        (public, "/admin/login/"),
        (host_client(org_a.host), "/accounts/login/"),
        (employee, f"/c/{invitation.token}/"),
        (owner, "/"),
        (owner, "/employees/"),
        (host_client("nobody.localhost"), "/"),
    ]


def test_every_page_carries_the_security_headers_and_no_inline_script_without_nonce(org_a):
    for client, path in _pages(org_a):
        response = client.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)
        csp = response["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp, path
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] in ("same-origin", "no-referrer")
        nonce = re.search(r"'nonce-([^']+)'", csp)
        for tag in re.findall(r"<script\b[^>]*>", response.content.decode()):
            if "src=" in tag or 'type="application/json"' in tag:
                continue
            assert nonce and f'nonce="{nonce.group(1)}"' in tag, (path, tag)
        assert not re.search(r"<[a-z]+[^>]*\sstyle=", response.content.decode()), path  # style-src 'self'


def test_password_guessing_locks_the_account_from_that_address(org_a, org_b):
    client = host_client(org_a.host)
    for _ in range(5):
        client.post("/accounts/login/", {"username": org_a.owner_email, "password": "wrong-password"})
    locked = client.post("/accounts/login/", {"username": org_a.owner_email, "password": OWNER_PASSWORD})
    assert locked.status_code == 429
    assert "Too many attempts" in locked.content.decode()
    with schema_context(org_a.schema_name):
        attempt = AccessAttempt.objects.get(username=org_a.owner_email)
        assert attempt.failures_since_start >= 5
        assert "wrong-password" not in str(attempt.post_data)  # the secret is never stored
    # Another organization's owner (another schema, another table) is not affected.
    other = host_client(org_b.host).post(
        "/accounts/login/", {"username": org_b.owner_email, "password": OWNER_PASSWORD}
    )
    assert other.status_code == 302


def _viewer(org_a):  # type: ignore[no-untyped-def]
    with schema_context(org_a.schema_name):
        member_create(email="viewer@alpha.example", full_name="V", password=OWNER_PASSWORD, role=Role.VIEWER)
    client = host_client(org_a.host)
    assert (
        client.post(
            "/accounts/login/", {"username": "viewer@alpha.example", "password": OWNER_PASSWORD}
        ).status_code
        == 302
    )
    return client


def test_session_ends_after_30_idle_minutes_and_polling_does_not_count(org_a):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client = _viewer(org_a)
        assert client.get("/").status_code == 200
        clock.shift(timedelta(minutes=20))
        assert client.get("/", HTTP_X_TIKA_POLL="1").status_code == 200  # a poll: not activity
        clock.shift(timedelta(minutes=11))
        response = client.get("/")
        assert response.status_code == 302 and "expired=1" in response["Location"]
        assert client.get("/").status_code == 302  # signed out


def test_session_ends_12_hours_after_sign_in_however_active(org_a):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client = _viewer(org_a)
        for _ in range(25):  # active every 29 minutes
            clock.shift(timedelta(minutes=29))
            if client.get("/").status_code != 200:
                break
        assert timezone.now().timestamp() - start.timestamp() <= 12 * 3600 + 29 * 60
        assert client.get("/").status_code == 302


def test_sign_in_gives_a_new_session_key(org_a):
    client = host_client(org_a.host)
    client.get("/accounts/login/")
    client.cookies["sessionid"] = "attacker-chosen-session-key"
    client.post("/accounts/login/", {"username": org_a.owner_email, "password": OWNER_PASSWORD})
    assert client.cookies["sessionid"].value != "attacker-chosen-session-key"


def _no_store(response) -> bool:  # type: ignore[no-untyped-def]
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


def test_every_response_to_a_signed_in_request_is_no_store(org_a):
    with schema_context(org_a.schema_name):
        employee = employee_create(code="NS-1", full_name="No Store", email="ns@alpha.example")
    owner = signed_in(org_a)
    for path in ("/employees/", f"/employees/{employee.pk}/", "/account/audit/", "/account/2fa/setup/"):
        response = owner.get(path)
        assert response.status_code == 200, path
        assert _no_store(response), (path, response.get("Cache-Control"))
    fragment = owner.get("/dashboard/live/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and _no_store(fragment)
    redirect = owner.post(f"/employees/{employee.pk}/deactivate/")
    assert redirect.status_code == 302 and _no_store(redirect)
    # Signing in: the answer to the sign-in itself; signing out: the last answer of the session.
    signing_in = host_client(org_a.host).post(
        "/accounts/login/", {"username": org_a.owner_email, "password": OWNER_PASSWORD}
    )
    assert signing_in.status_code == 302 and _no_store(signing_in)
    assert _no_store(owner.post("/accounts/logout/"))


def test_static_files_and_anonymous_pages_keep_their_own_caching(org_a):
    owner = signed_in(org_a)
    static = owner.get("/static/css/app.css")
    assert static.status_code == 200 and "no-store" not in static.get("Cache-Control", "")
    assert "no-store" not in host_client("localhost").get("/").get("Cache-Control", "")
