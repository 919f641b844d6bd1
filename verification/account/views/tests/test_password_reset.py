"""Password reset by e-mail, on the organization's own site."""

from __future__ import annotations

import re
import uuid

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django_tenants.utils import schema_context

from portal.testing import OWNER_PASSWORD, host_client
from tenants.members import Role
from tenants.tests.factories import StaffUserFactory
from verification.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_reset_by_email_then_sign_in_with_the_new_password(org_a, mailoutbox):
    client = host_client(org_a.host)
    assert client.post("/accounts/password-reset/", {"email": org_a.owner_email})["Location"].endswith(
        "/sent/"
    )
    (message,) = mailoutbox
    link = re.search(r"http://alpha\.localhost:8000(/accounts/password-reset/[^\s]+/)", message.body)
    assert link, message.body
    form = client.get(link.group(1), follow=True)
    assert "Choose a new password" in form.content.decode()
    new = "a-brand-new-passphrase-77"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done["Location"].endswith("/complete/")
    fresh = host_client(org_a.host)
    assert (
        fresh.post(
            "/accounts/login/", {"username": org_a.owner_email, "password": OWNER_PASSWORD}
        ).status_code
        == 200
    )
    assert fresh.post("/accounts/login/", {"username": org_a.owner_email, "password": new}).status_code == 302
    assert (
        client.get(link.group(1), follow=True).content.decode().count("This link is not valid") == 1
    )  # used


def test_another_organizations_site_sends_nothing_for_a_stranger(org_a, org_b, mailoutbox):
    response = host_client(org_b.host).post("/accounts/password-reset/", {"email": org_a.owner_email})
    assert response.status_code == 302  # same answer, so addresses cannot be probed
    assert mailoutbox == []


def _user(org, email: str):  # type: ignore[no-untyped-def]
    with schema_context(org.schema_name):
        return StaffUserFactory.create(
            email=email, full_name="Reset Me", password=OWNER_PASSWORD, role=Role.VIEWER
        )


def _ip() -> str:
    """An address no other test asks from (the limits live in Redis for the whole run)."""
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"


def test_the_reset_link_is_built_from_settings_not_from_the_requests_host(org_a, mailoutbox):
    email = f"port-{uuid.uuid4().hex[:8]}@alpha.example"
    _user(org_a, email)
    client = Client(HTTP_HOST=f"{org_a.host}:31337", REMOTE_ADDR=_ip())
    assert client.post("/accounts/password-reset/", {"email": email}).status_code == 302
    (message,) = mailoutbox
    assert "31337" not in message.body and "31337" not in message.alternatives[0][0]
    assert re.search(r"http://alpha\.localhost:8000/accounts/password-reset/[^/\s]+/[^/\s]+/", message.body)


def test_reset_e_mails_are_limited_per_address_silently(org_a, mailoutbox):
    email = f"limit-{uuid.uuid4().hex[:8]}@alpha.example"
    _user(org_a, email)
    answers = [
        Client(HTTP_HOST=org_a.host, REMOTE_ADDR=_ip()).post("/accounts/password-reset/", {"email": email})
        for _ in range(6)
    ]
    assert {(a.status_code, a["Location"]) for a in answers} == {(302, "/accounts/password-reset/sent/")}
    assert len(mailoutbox) == 3  # PASSWORD_RESET_RATE_PER_ADDRESS: 3 an hour, whatever the address asking
    with schema_context(org_a.schema_name):
        assert AuditEvent.objects.filter(action="password_reset.requested").count() == 3
        throttled = AuditEvent.objects.filter(action="password_reset.throttled")
        assert [e.data["limit"] for e in throttled] == ["address"]  # noted once, not once per request
        assert email not in str([e.data for e in AuditEvent.objects.all()])


def test_reset_e_mails_are_limited_per_client_address(org_a, mailoutbox, settings):
    settings.PASSWORD_RESET_RATE_PER_IP = "2/hour"
    ip = _ip()
    client = Client(HTTP_HOST=org_a.host, REMOTE_ADDR=ip)
    emails = [f"ip-{uuid.uuid4().hex[:8]}@alpha.example" for _ in range(4)]
    for email in emails:
        _user(org_a, email)
        assert client.post("/accounts/password-reset/", {"email": email})["Location"].endswith("/sent/")
    assert [m.to for m in mailoutbox] == [[emails[0]], [emails[1]]]
    # Another client is not held back by this one.
    Client(HTTP_HOST=org_a.host, REMOTE_ADDR=_ip()).post("/accounts/password-reset/", {"email": emails[3]})
    assert mailoutbox[-1].to == [emails[3]]
    with schema_context(org_a.schema_name):
        event = AuditEvent.objects.get(action="password_reset.throttled")
        assert (event.data["limit"], event.ip_address) == ("ip", ip)


def test_unknown_and_inactive_addresses_get_the_same_answer_and_no_e_mail(org_a, mailoutbox):
    email = f"gone-{uuid.uuid4().hex[:8]}@alpha.example"
    user = _user(org_a, email)
    with schema_context(org_a.schema_name):
        User.objects.filter(pk=user.pk).update(is_active=False)
    client = Client(HTTP_HOST=org_a.host, REMOTE_ADDR=_ip())
    for address in (email, "nobody-here@alpha.example"):
        assert client.post("/accounts/password-reset/", {"email": address})["Location"].endswith("/sent/")
    assert mailoutbox == []
