"""``manage.py platform_totp_enrol``: an authenticator for platform staff only, nothing kept after
a wrong code, replaced only when asked."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from tenants.tests.authenticator import PASSWORD, AuthenticatorApp

pytestmark = pytest.mark.django_db


def test_the_command_keeps_nothing_after_a_wrong_code_and_replaces_only_when_asked(superuser):
    with pytest.raises(CommandError, match="not right"):
        call_command(
            "platform_totp_enrol",
            superuser.username,
            stdin=AuthenticatorApp(superuser, 1),
            stdout=io.StringIO(),
        )
    assert not TOTPDevice.objects.filter(user=superuser).exists()
    call_command(
        "platform_totp_enrol", superuser.username, stdin=AuthenticatorApp(superuser), stdout=io.StringIO()
    )
    first = TOTPDevice.objects.get(user=superuser, confirmed=True)
    with pytest.raises(CommandError, match="--replace"):
        call_command(
            "platform_totp_enrol",
            superuser.username,
            stdin=AuthenticatorApp(superuser),
            stdout=io.StringIO(),
        )
    call_command(
        "platform_totp_enrol",
        superuser.username,
        "--replace",
        stdin=AuthenticatorApp(superuser),
        stdout=io.StringIO(),
    )
    (second,) = TOTPDevice.objects.filter(user=superuser, confirmed=True)
    assert second.pk != first.pk


def test_the_command_is_for_platform_staff_only():
    User.objects.create_user("plain@tika.example", password=PASSWORD)
    with pytest.raises(CommandError, match="No active platform staff"):
        call_command("platform_totp_enrol", "plain@tika.example", stdout=io.StringIO())
