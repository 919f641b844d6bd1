"""Give a platform superuser an authenticator app for the platform admin (/admin/).

The admin asks for a code from it after the password. Prints the otpauth:// URI and its QR
code (scan it with Google Authenticator, FreeOTP, 1Password ...), then asks for the code the
app shows; the authenticator counts only once a code was right. With --replace, a superuser
who has one already (a new phone) gets a new one and the old one stops working.
"""

from __future__ import annotations

import base64
import sys

import qrcode
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

DEVICE_NAME = "platform admin"


class Command(BaseCommand):
    help = __doc__
    stealth_options = ("stdin",)

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("username", help="the superuser's username (createsuperuser)")
        parser.add_argument(
            "--replace", action="store_true", help="replace the authenticator the user already has"
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        stdin = options.get("stdin") or sys.stdin
        # Platform staff live in the public schema (where manage.py commands run).
        user = User.objects.filter(username=options["username"], is_active=True, is_staff=True).first()
        if user is None:
            raise CommandError(
                f"No active platform staff user {options['username']!r}: create one with createsuperuser."
            )
        has_one = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        if has_one and not options["replace"]:
            raise CommandError(
                f"{user.username} already has an authenticator; add --replace to give them a new one."
            )
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)

        self.stdout.write("Scan this QR code with the authenticator app:\n")
        code = qrcode.QRCode(border=1)
        code.add_data(device.config_url)
        code.print_ascii(out=self.stdout, invert=True)
        secret = base64.b32encode(device.bin_key).decode()
        self.stdout.write(f"\nor enter this key by hand: {secret}\nURI: {device.config_url}\n")
        self.stdout.write("Code shown by the app: ", ending="")
        self.stdout.flush()
        token = (stdin.readline() or "").strip().replace(" ", "")
        if not device.verify_token(token):
            device.delete()
            raise CommandError(
                "That code is not right (check the phone's clock); nothing changed. Run again."
            )
        with transaction.atomic():
            TOTPDevice.objects.filter(user=user, confirmed=True).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
        self.stdout.write(
            self.style.SUCCESS(f"{user.username} signs in to /admin/ with a code from this app.")
        )
