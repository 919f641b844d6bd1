"""The platform admin (/admin/ on the public site) wants a code from an authenticator app."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tenants.tests.authenticator import PASSWORD, AuthenticatorApp, code_of

pytestmark = pytest.mark.django_db


def test_a_password_only_session_is_refused(public_client, superuser):
    public_client.force_login(superuser)
    response = public_client.get("/admin/tenants/domain/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    # The sign-in form asks for the code too; a password alone does not get in.
    form = public_client.get("/admin/login/")
    assert 'name="otp_token"' in form.content.decode()
    fresh = type(public_client)(HTTP_HOST="localhost")
    refused = fresh.post(
        "/admin/login/?next=/admin/",
        {"username": superuser.username, "password": PASSWORD, "next": "/admin/"},
    )
    assert refused.status_code == 200
    assert fresh.get("/admin/").status_code == 302


def test_enrol_with_the_command_then_sign_in_with_password_and_code(public_client, superuser):
    out = io.StringIO()
    call_command("platform_totp_enrol", superuser.username, stdin=AuthenticatorApp(superuser), stdout=out)
    printed = out.getvalue()
    assert "otpauth://totp/" in printed and "signs in to /admin/" in printed
    device = TOTPDevice.objects.get(user=superuser)
    assert device.confirmed

    credentials = {"username": superuser.username, "password": PASSWORD, "next": "/admin/"}
    # As a person does it: the password first; the form then offers the device and wants its code.
    first = public_client.post("/admin/login/?next=/admin/", credentials)
    assert first.status_code == 200 and device.persistent_id in first.content.decode()
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):  # the app's next code
        response = public_client.post(
            "/admin/login/?next=/admin/",
            {**credentials, "otp_device": device.persistent_id, "otp_token": code_of(superuser)},
        )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    listing = public_client.get("/admin/tenants/organization/")
    assert listing.status_code == 200 and "Alpha" in listing.content.decode()
