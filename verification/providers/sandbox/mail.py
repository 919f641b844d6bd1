"""E-mail backend for dev and tests: messages land in the sandbox's dev inbox (kind "email")."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend

from verification.providers.sandbox import store


class SandboxInboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            html = ""
            if isinstance(message, EmailMultiAlternatives):
                html = next((str(c) for c, mime in message.alternatives if mime == "text/html"), "")
            for recipient in message.recipients():
                store.inbox_deliver(
                    kind="email",
                    to=recipient,
                    subject=str(message.subject),
                    text=str(message.body),
                    html=html,
                )
            sent += 1
        return sent
