"""What the platform admin's tests share (not a test file): a superuser's password, and the
authenticator app a person would read codes from."""

from __future__ import annotations

from django.contrib.auth.models import User
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

PASSWORD = "staff-pass-123456"


class AuthenticatorApp:
    """What the person types when the command asks: the code their app shows for the secret
    the command just printed (read back from the device it made)."""

    def __init__(self, user: User, offset: int = 0) -> None:
        self.user, self.offset = user, offset

    def readline(self, *args: object) -> str:
        device = TOTPDevice.objects.get(user=self.user, confirmed=False)
        return f"{(totp(device.bin_key) + self.offset) % 1_000_000:06d}\n"


def code_of(user: User) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{totp(device.bin_key):06d}"
