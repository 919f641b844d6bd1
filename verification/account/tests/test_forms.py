"""Staff sign-in by e-mail (EmailAuthenticationForm on /accounts/login/): the organization's own
page, sign-out, lockout after guessing, a new session key; names with control characters
refused in the organization's settings and on joining the team."""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django_tenants.utils import schema_context

from portal.testing import OWNER_PASSWORD, host_client, signed_in
from tenants.models import Organization

pytestmark = pytest.mark.django_db


def test_sign_out_ends_the_session(org_a):
    client = host_client(org_a.host)
    client.post("/accounts/login/", {"username": org_a.owner_email, "password": OWNER_PASSWORD})
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_login_page_names_the_organization(org_b):
    body = host_client(org_b.host).get("/accounts/login/").content.decode()
    assert "Sign in to Bravo" in body


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


def test_sign_in_gives_a_new_session_key(org_a):
    client = host_client(org_a.host)
    client.get("/accounts/login/")
    client.cookies["sessionid"] = "attacker-chosen-session-key"
    client.post("/accounts/login/", {"username": org_a.owner_email, "password": OWNER_PASSWORD})
    assert client.cookies["sessionid"].value != "attacker-chosen-session-key"


MESSAGE = "Remove line breaks, tabs and other control characters."


def test_settings_refuse_control_characters_in_the_organization_name(org_a):
    response = signed_in(org_a).post(
        "/account/settings/",
        {
            "name": "Alpha\nLtd",
            "grievance_contact_name": "Desk\tOne",
            "grievance_contact_email": "privacy@alpha.example",
            "invitation_expiry_days": 14,
            "reminder_days": "3, 7",
            "dashboard_min_group_size": 5,
            "retention_days": 30,
        },
    )
    assert response.status_code == 200
    assert response.content.decode().count(MESSAGE) == 2
    alpha = Organization.objects.get(slug="alpha")
    assert (alpha.name, alpha.grievance_contact_name) == ("Alpha", "Alpha Owner")


def test_joining_refuses_control_characters_in_the_name(org_a, mailoutbox):
    signed_in(org_a).post("/account/team/", {"email": "ctrl@alpha.example", "role": "viewer"})
    path = re.search(r"https?://[^/]+(/account/join/[^/\s]+/)", mailoutbox[0].body).group(1)  # type: ignore[union-attr]
    response = host_client(org_a.host).post(
        path, {"full_name": "Nia\r\nRao", "password": "a-long-unusual-passphrase-9"}
    )
    assert response.status_code == 200 and MESSAGE in response.content.decode()
    with schema_context(org_a.schema_name):
        assert not User.objects.filter(username="ctrl@alpha.example").exists()
