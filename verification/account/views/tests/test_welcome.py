"""The new Owner is signed in on their organization's own site straight after sign-up on the
public site, by a one-time ticket (tenants.services.login_handoff_*), audited."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from portal.testing import host_client, signed_in
from tenants.models import LoginHandoff
from verification.audit import AuditAction
from verification.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_signup_quota():  # type: ignore[no-untyped-def]
    """Sign-ups are limited per client address: each test starts with the quota unused."""
    cache.delete("signup-rate:127.0.0.1")
    yield
    cache.delete("signup-rate:127.0.0.1")


SIGNUP = {
    "organization_name": "Newco Pvt Ltd",
    "subdomain": "newco",
    "owner_name": "Ravi Kumar",
    "email": "Ravi@Newco.example",
    "password": "a-long-unusual-passphrase-42",
}


def _signup(client: Client) -> str:
    response = client.post("/signup/", SIGNUP)
    assert response.status_code == 302
    match = re.fullmatch(r"http://newco\.localhost(/account/welcome/[\w-]+/)", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def test_signup_signs_the_owner_in_on_the_new_site_once(public_client, two_factor_on):
    welcome = _signup(public_client)
    client = host_client("newco.localhost")

    response = client.get(welcome)
    assert response.status_code == 302
    assert response["Location"] == "/"
    # Signed in: the Owner's next step is setting up two-factor sign-in, not the password again.
    assert client.get("/")["Location"] == "/account/2fa/setup/?next=/"
    assert "Set up two-factor sign-in" in client.get("/account/2fa/setup/?next=/").content.decode()
    with schema_context("org_newco"):
        event = AuditEvent.objects.get(action=AuditAction.STAFF_SIGNED_IN_AFTER_SIGNUP)
        assert event.actor_label == "ravi@newco.example"
        assert event.ip_address == "127.0.0.1"

    # The ticket works once: a second browser (or the same one again) gets the sign-in page.
    again = host_client("newco.localhost").get(welcome)
    assert again["Location"] == "/accounts/login/?welcome=1"
    assert "Newco Pvt Ltd is ready" in host_client("newco.localhost").get(again["Location"]).content.decode()
    with schema_context("org_newco"):
        assert AuditEvent.objects.filter(action=AuditAction.STAFF_SIGNED_IN_AFTER_SIGNUP).count() == 1


def test_the_ticket_is_only_for_the_browser_that_signed_up(public_client):
    welcome = _signup(public_client)
    elsewhere = Client(HTTP_HOST="newco.localhost", REMOTE_ADDR="198.51.100.7")
    assert elsewhere.get(welcome)["Location"] == "/accounts/login/?welcome=1"
    assert elsewhere.get("/")["Location"].startswith("/accounts/login/")
    # Used up by the wrong browser's try: the right one now signs in with the password.
    assert host_client("newco.localhost").get(welcome)["Location"] == "/accounts/login/?welcome=1"


def test_the_ticket_is_only_for_its_organization(public_client, org_a):
    welcome = _signup(public_client)
    client = host_client(org_a.host)
    assert client.get(welcome)["Location"] == "/accounts/login/?welcome=1"
    assert client.get("/")["Location"].startswith("/accounts/login/")
    with schema_context(org_a.schema_name):
        assert not AuditEvent.objects.filter(action=AuditAction.STAFF_SIGNED_IN_AFTER_SIGNUP).exists()


def test_the_ticket_expires(public_client):
    welcome = _signup(public_client)
    LoginHandoff.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    client = host_client("newco.localhost")
    assert client.get(welcome)["Location"] == "/accounts/login/?welcome=1"


def test_only_the_tickets_digest_is_stored(public_client):
    welcome = _signup(public_client)
    token = welcome.rstrip("/").rsplit("/", 1)[1]
    (handoff,) = LoginHandoff.objects.all()
    assert token not in handoff.token_hash
    assert handoff.expires_at - timezone.now() <= timedelta(seconds=60)


def test_an_unknown_ticket_signs_nobody_in(org_a):
    client = host_client(org_a.host)
    assert client.get("/account/welcome/not-a-ticket/")["Location"] == "/accounts/login/?welcome=1"


def test_a_signed_in_owner_keeps_working(org_a):
    # The welcome path does not disturb a session that exists already.
    client = signed_in(org_a)
    assert client.get("/").status_code == 200


def test_old_tickets_are_purged(public_client):
    from tenants.tasks import login_handoffs_purge

    _signup(public_client)
    assert login_handoffs_purge() == 0
    LoginHandoff.objects.update(expires_at=timezone.now() - timedelta(hours=2))
    assert login_handoffs_purge() == 1
    assert not LoginHandoff.objects.exists()
