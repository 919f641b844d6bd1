"""Getting in from the public site: "find your organization" by e-mail, the address index it
reads, and the new Owner's sign-in straight after sign-up."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from portal.testing import host_client, signed_in
from tenants.members import Role, member_address_digest
from tenants.models import LoginHandoff, MemberAddress, Organization
from tenants.selectors import organization_list_for_address
from tenants.tests.factories import StaffUserFactory
from verification.account.services import staff_deactivate, staff_reactivate
from verification.audit import AuditAction
from verification.models import AuditEvent

pytestmark = pytest.mark.django_db

SIGNUP = {
    "organization_name": "Newco Pvt Ltd",
    "subdomain": "newco",
    "owner_name": "Ravi Kumar",
    "email": "Ravi@Newco.example",
    "password": "a-long-unusual-passphrase-42",
}


# --- the index of addresses --------------------------------------------------------------------


def test_the_index_holds_digests_of_members_not_addresses(org_a):
    digests = set(MemberAddress.objects.values_list("email_digest", flat=True))
    assert member_address_digest(org_a.owner_email) in digests
    assert member_address_digest("OWNER@alpha.example ") == member_address_digest(org_a.owner_email)
    assert not MemberAddress.objects.filter(email_digest__contains="@").exists()


def test_the_index_follows_members_added_deactivated_and_reactivated(org_a, org_b):
    shared = "asha@both.example"
    a_user = StaffUserFactory.create(org=org_a, email=shared, role=Role.HR_ADMIN)
    StaffUserFactory.create(org=org_b, email=shared, role=Role.VIEWER)
    assert [o.slug for o in organization_list_for_address("Asha@Both.example")] == ["alpha", "bravo"]

    with schema_context(org_a.schema_name):
        staff_deactivate(user=a_user, actor=None)
    assert [o.slug for o in organization_list_for_address(shared)] == ["bravo"]
    with schema_context(org_a.schema_name):
        staff_reactivate(user=a_user, actor=None)
    assert [o.slug for o in organization_list_for_address(shared)] == ["alpha", "bravo"]
    assert organization_list_for_address("nobody@both.example") == []


def test_organizations_not_ready_are_not_listed(org_a):
    Organization.objects.filter(schema_name=org_a.schema_name).update(status=Organization.Status.PROVISIONING)
    assert organization_list_for_address(org_a.owner_email) == []


# --- find your organization --------------------------------------------------------------------


def _find(client: Client, email: str) -> str:
    response = client.post("/signin/", {"email": email})
    assert response.status_code == 302
    assert response["Location"] == "/signin/sent/"
    return client.get(response["Location"]).content.decode()


def test_public_site_links_to_sign_in(public_client):
    assert b'href="/signin/"' in public_client.get("/").content
    page = public_client.get("/signin/")
    assert page.status_code == 200
    assert 'name="email"' in page.content.decode()


def test_a_member_of_two_organizations_gets_both_links(public_client, org_a, org_b, mailoutbox):
    StaffUserFactory.create(org=org_a, email="asha@both.example", role=Role.HR_ADMIN)
    StaffUserFactory.create(org=org_b, email="asha@both.example", role=Role.VIEWER)

    _find(public_client, "Asha@Both.example")

    (message,) = mailoutbox
    assert message.to == ["asha@both.example"]
    assert message.subject == "Your organizations on Tika"
    assert "Alpha: http://alpha.localhost:8000/accounts/login/" in message.body
    assert "Bravo: http://bravo.localhost:8000/accounts/login/" in message.body
    html = message.alternatives[0][0]
    assert 'href="http://alpha.localhost:8000/accounts/login/"' in html


def test_only_the_organizations_of_the_address_are_listed(public_client, org_a, org_b, mailoutbox):
    _find(public_client, org_a.owner_email)
    (message,) = mailoutbox
    assert "alpha.localhost" in message.body
    assert "bravo" not in message.body.lower()


def test_unknown_and_known_addresses_get_the_same_page(public_client, org_a, mailoutbox):
    known = _find(public_client, org_a.owner_email)
    unknown = _find(host_client("localhost"), "stranger@nowhere.example")
    strip = lambda page: re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)  # noqa: E731
    assert strip(known) == strip(unknown)
    # The stranger's own inbox learns they are in no team (nobody else does).
    assert [m.subject for m in mailoutbox] == [
        "Your organizations on Tika",
        "No Tika organization for this address",
    ]
    assert "http://localhost:8000/signup/" in mailoutbox[1].body
    assert "accounts/login" not in mailoutbox[1].body


def test_a_deactivated_member_is_not_sent_the_link(public_client, org_a, mailoutbox):
    user = StaffUserFactory.create(org=org_a, email="gone@alpha.example", role=Role.VIEWER)
    with schema_context(org_a.schema_name):
        staff_deactivate(user=user, actor=None)
    _find(public_client, "gone@alpha.example")
    (message,) = mailoutbox
    assert "alpha.localhost" not in message.body


def test_bad_address_is_refused_on_the_form(public_client, mailoutbox):
    response = public_client.post("/signin/", {"email": "not-an-address"})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert mailoutbox == []


def test_limited_per_address_without_saying_so(public_client, org_a, mailoutbox, settings):
    # Limits live in Redis for the whole test session: an address of this test only.
    address = f"limited-{uuid.uuid4().hex[:8]}@alpha.example"
    StaffUserFactory.create(org=org_a, email=address, role=Role.VIEWER)
    settings.FIND_ORGANIZATION_RATE_PER_ADDRESS = "2/hour"
    pages = {_find(host_client("localhost"), address.upper()) for _ in range(3)}
    assert len(pages) == 1  # the held-back third asks gets the very same page
    assert len(mailoutbox) == 2
    _find(public_client, f"other-{address}")
    assert len(mailoutbox) == 3


def test_limited_per_client_address(org_a, mailoutbox, settings):
    settings.FIND_ORGANIZATION_RATE_PER_IP = "2/hour"
    ip = f"203.0.113.{uuid.uuid4().int % 200 + 1}"
    client = Client(HTTP_HOST="localhost", REMOTE_ADDR=ip)
    for i in range(3):
        _find(client, f"person{i}-{ip}@alpha.example")
    assert len(mailoutbox) == 2
    _find(Client(HTTP_HOST="localhost", REMOTE_ADDR="198.51.100.99"), f"person9-{ip}@alpha.example")
    assert len(mailoutbox) == 3


# --- signed in straight after sign-up ---------------------------------------------------------


def _signup(client: Client) -> str:
    response = client.post("/signup/", SIGNUP)
    assert response.status_code == 302
    match = re.fullmatch(r"http://newco\.localhost(/account/welcome/[\w-]+/)", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def test_signup_signs_the_owner_in_on_the_new_site_once(public_client):
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


def test_the_migration_indexes_the_members_of_existing_organizations(org_a, org_b):
    import importlib

    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("tenants.migrations.0011_member_address_login_handoff")
    assert migration._digest(" Owner@Alpha.example") == member_address_digest(org_a.owner_email)
    gone = StaffUserFactory.create(org=org_b, email="gone@bravo.example", role=Role.VIEWER)
    with schema_context(org_b.schema_name):
        staff_deactivate(user=gone, actor=None)
    MemberAddress.objects.all().delete()

    with connection.schema_editor() as editor:
        migration.backfill(apps, editor)

    assert [o.slug for o in organization_list_for_address(org_a.owner_email)] == ["alpha"]
    assert [o.slug for o in organization_list_for_address(org_b.owner_email)] == ["bravo"]
    assert organization_list_for_address("gone@bravo.example") == []
