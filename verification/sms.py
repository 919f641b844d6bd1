"""Every SMS Tika sends (invitations and reminders to employees without an e-mail) goes out
here, through the gateway named by ``settings.SMS_BACKEND`` (a dotted path to a class with
``send(*, to, text)``), as e-mails go through ``verification.mail``.

Shipped: ``verification.sms.ConsoleSmsBackend`` (prints the message) and
``verification.providers.sandbox.sms.SandboxInboxSmsBackend`` (the sandbox's dev inbox, beside
CoWIN's OTP SMS). A real gateway is a small class of the same shape.
"""

from __future__ import annotations

import sys
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

#: One SMS of GSM-7 text: longer ones are split and cost more, and some phones show them badly.
SMS_MAX_CHARS = 160


class SmsBackend(Protocol):
    def send(self, *, to: str, text: str) -> None: ...


class ConsoleSmsBackend:
    """Prints each SMS to standard output (development, like Django's console e-mail backend)."""

    def send(self, *, to: str, text: str) -> None:
        sys.stdout.write(f"SMS to {to}:\n{text}\n\n")
        sys.stdout.flush()


def sms_send(*, to: str, text: str) -> None:
    """Send ``text`` to ``to`` (E.164) through the configured gateway; raises what it raises."""
    backend: SmsBackend = import_string(settings.SMS_BACKEND)()
    backend.send(to=to, text=" ".join(text.split()))
