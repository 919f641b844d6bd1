"""The platform admin (/admin/ on the public site) wants a code from an authenticator app."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db

PASSWORD = "staff-pass-123456"


class _AuthenticatorApp:
    """What the person types when the command asks: the code their app shows for the secret
    the command just printed (read back from the device it made)."""

    def __init__(self, user: User, offset: int = 0) -> None:
        self.user, self.offset = user, offset

    def readline(self, *args: object) -> str:
        device = TOTPDevice.objects.get(user=self.user, confirmed=False)
        return f"{(totp(device.bin_key) + self.offset) % 1_000_000:06d}\n"


def _code(user: User) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{totp(device.bin_key):06d}"


@pytest.fixture
def superuser() -> User:
    return User.objects.create_superuser("root@tika.example", "root@tika.example", PASSWORD)


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
    call_command("platform_totp_enrol", superuser.username, stdin=_AuthenticatorApp(superuser), stdout=out)
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
            {**credentials, "otp_device": device.persistent_id, "otp_token": _code(superuser)},
        )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    listing = public_client.get("/admin/tenants/organization/")
    assert listing.status_code == 200 and "Alpha" in listing.content.decode()


def test_the_command_keeps_nothing_after_a_wrong_code_and_replaces_only_when_asked(superuser):
    with pytest.raises(CommandError, match="not right"):
        call_command(
            "platform_totp_enrol",
            superuser.username,
            stdin=_AuthenticatorApp(superuser, 1),
            stdout=io.StringIO(),
        )
    assert not TOTPDevice.objects.filter(user=superuser).exists()
    call_command(
        "platform_totp_enrol", superuser.username, stdin=_AuthenticatorApp(superuser), stdout=io.StringIO()
    )
    first = TOTPDevice.objects.get(user=superuser, confirmed=True)
    with pytest.raises(CommandError, match="--replace"):
        call_command(
            "platform_totp_enrol",
            superuser.username,
            stdin=_AuthenticatorApp(superuser),
            stdout=io.StringIO(),
        )
    call_command(
        "platform_totp_enrol",
        superuser.username,
        "--replace",
        stdin=_AuthenticatorApp(superuser),
        stdout=io.StringIO(),
    )
    (second,) = TOTPDevice.objects.filter(user=superuser, confirmed=True)
    assert second.pk != first.pk


def test_the_command_is_for_platform_staff_only():
    User.objects.create_user("plain@tika.example", password=PASSWORD)
    with pytest.raises(CommandError, match="No active platform staff"):
        call_command("platform_totp_enrol", "plain@tika.example", stdout=io.StringIO())
