"""An SMS gateway for development: messages land in the sandbox's dev inbox, beside the OTP
SMS "sent" by the sandbox's CoWIN (settings.SMS_BACKEND)."""

from __future__ import annotations

from verification.providers.sandbox import store


class SandboxInboxSmsBackend:
    def send(self, *, to: str, text: str) -> None:
        store.inbox_deliver(kind="sms", to=to, text=text)
