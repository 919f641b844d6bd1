"""Reads of verification attempts."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from verification.audit import AuditAction
from verification.models import (
    Consent,
    Invitation,
    VerificationAttempt,
)


def attempt_current(consent: Consent) -> VerificationAttempt | None:
    return consent.attempts.order_by("-created_at", "-pk").first()


def wrong_otps_recent(invitation: Invitation) -> int:
    """Wrong OTPs entered for the invitation's employee in the last 24 hours, since this
    invitation was made (a new invitation from HR starts the count again). Counted from the
    audit trail's otp.rejected events: in the database, and append-only."""
    from verification.models import AuditEvent

    since = max(timezone.now() - timedelta(hours=24), invitation.created_at)
    return AuditEvent.objects.filter(
        employee_id=invitation.employee_id, action=AuditAction.OTP_REJECTED, at__gte=since
    ).count()
