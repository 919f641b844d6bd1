"""Getting in from the public site: "find your organization" by e-mail and the address index it
reads. (The new Owner's sign-in after sign-up: verification/account/views/tests/test_welcome.py.)"""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from portal.testing import host_client
from tenants.members import Role, member_address_digest, member_set_active
from tenants.models import MemberAddress, Organization
from tenants.selectors import organization_list_for_address
from tenants.tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _roomy_limits(settings):  # type: ignore[no-untyped-def]
    """The limits live in Redis for the whole test session and the fixtures' owners ask in
    several tests: roomy here, except where a test sets the limit it tests."""
    settings.FIND_ORGANIZATION_RATE_PER_ADDRESS = "100/hour"
    settings.FIND_ORGANIZATION_RATE_PER_IP = "1000/hour"


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
        member_set_active(a_user, active=False)
    assert [o.slug for o in organization_list_for_address(shared)] == ["bravo"]
    with schema_context(org_a.schema_name):
        member_set_active(a_user, active=True)
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
        member_set_active(user, active=False)
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


def test_the_migration_indexes_the_members_of_existing_organizations(org_a, org_b):
    import importlib

    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("tenants.migrations.0009_member_address_login_handoff")
    assert migration._digest(" Owner@Alpha.example") == member_address_digest(org_a.owner_email)
    gone = StaffUserFactory.create(org=org_b, email="gone@bravo.example", role=Role.VIEWER)
    with schema_context(org_b.schema_name):
        member_set_active(gone, active=False)
    MemberAddress.objects.all().delete()

    with connection.schema_editor() as editor:
        migration.backfill(apps, editor)

    assert [o.slug for o in organization_list_for_address(org_a.owner_email)] == ["alpha"]
    assert [o.slug for o in organization_list_for_address(org_b.owner_email)] == ["bravo"]
    assert organization_list_for_address("gone@bravo.example") == []
