"""E-mails: plain-text parts and subjects as typed (never HTML-escaped), HTML parts escaped.
(Names with control characters are refused where they are typed: each form's tests.)"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import User
from django_tenants.utils import schema_context

from portal.testing import OWNER_PASSWORD, OrgFixture, host_client, signed_in
from tenants.models import Organization
from tenants.services import organization_drop
from tenants.tests.factories import StaffUserFactory
from tenants.validators import domain_for, schema_name_for
from verification.mail import mail_render
from verification.models import Employee

ORG_NAME = "D'Souza & Sons"

EMPLOYEE_NAME = "Anita D'Souza & Co"

ESCAPED = ("&#x27;", "&amp;", "&#39;", "&quot;")


def _wait(probe, timeout: float = 30.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not (value := probe()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)
    return value


@pytest.fixture
def dsouza(committed_db, public_client) -> Iterator[OrgFixture]:  # type: ignore[no-untyped-def]
    """An organization named "D'Souza & Sons", signed up on the public site; removed afterwards."""
    slug = f"dsouza-{uuid.uuid4().hex[:8]}"
    owner_email = f"owner@{slug}.example"
    try:
        response = public_client.post(
            "/signup/",
            {
                "organization_name": ORG_NAME,
                "subdomain": slug,
                "owner_name": "Rita D'Souza",
                "email": owner_email,
                "password": OWNER_PASSWORD,
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        assert Organization.objects.get(slug=slug).name == ORG_NAME
        yield OrgFixture(
            slug=slug, schema_name=schema_name_for(slug), host=domain_for(slug), owner_email=owner_email
        )
    finally:
        organization_drop(slug=slug)


@pytest.mark.worker
def test_invitation_from_the_worker_keeps_apostrophes_and_ampersands_in_text_and_subject(
    dsouza, celery_worker_process, sandbox
):
    owner = signed_in(dsouza)
    email = f"anita-{uuid.uuid4().hex[:8]}@dsouza.example"
    added = owner.post(
        "/employees/new/", {"code": "DS-1", "full_name": EMPLOYEE_NAME, "email": email, "mobile": ""}
    )
    assert added.status_code == 302
    with schema_context(dsouza.schema_name):
        employee = Employee.objects.get(code="DS-1")
    assert owner.post(f"/employees/{employee.pk}/invite/").status_code == 302

    message = _wait(lambda: (sandbox.inbox(to=email, kind="email") or [None])[0])
    assert message["subject"].startswith(f"{ORG_NAME} asks for your vaccination status")
    assert "\n" not in message["subject"]
    assert f"Hello {EMPLOYEE_NAME}," in message["text"]
    assert f"{ORG_NAME} would like to know" in message["text"]
    for escaped in ESCAPED:
        assert escaped not in message["subject"] and escaped not in message["text"], escaped
    # The HTML part is HTML: there the same names are escaped.
    assert "D&#x27;Souza &amp; Sons" in message["html"] and "D'Souza & Sons" not in message["html"]


@pytest.mark.django_db
def test_staff_invitation_and_password_reset_texts_are_not_escaped(org_a, mailoutbox):
    organization = Organization.objects.get(slug="alpha")
    organization.name = ORG_NAME
    organization.save(update_fields=["name"])
    reset_email = f"reset-{uuid.uuid4().hex[:8]}@alpha.example"
    with schema_context(org_a.schema_name):
        User.objects.filter(username=org_a.owner_email).update(first_name="Rita D'Souza")
        StaffUserFactory.create(email=reset_email, full_name="R", password=OWNER_PASSWORD, role="viewer")

    signed_in(org_a).post("/account/team/", {"email": "mate@alpha.example", "role": "viewer"})
    host_client(org_a.host).post("/accounts/password-reset/", {"email": reset_email})

    invite, reset = mailoutbox
    assert invite.subject == f"Join {ORG_NAME} on Tika"
    assert f"Rita D'Souza invites you to {ORG_NAME} on Tika as Viewer." in invite.body
    assert reset.subject == f"Reset your Tika password for {ORG_NAME}"
    for message in (invite, reset):
        for escaped in ESCAPED:
            assert escaped not in message.subject and escaped not in message.body, escaped
        assert message.alternatives[0][1] == "text/html"
    assert "D&#x27;Souza &amp; Sons" in invite.alternatives[0][0]


def test_a_subject_is_one_line_whatever_the_context_holds():
    context = {
        "organization": SimpleNamespace(name="Acme\r\nBcc: victim@example.com"),
        "inviter": SimpleNamespace(first_name="A", email="a@x"),
        "role": SimpleNamespace(label="Viewer"),
        "link": "http://x/",
    }
    subject, _text, _html = mail_render(name="staff_invite", context=context)
    assert subject == "Join Acme Bcc: victim@example.com on Tika"
    assert "\r" not in subject and "\n" not in subject
