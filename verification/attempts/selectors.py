"""Reads of verification attempts."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tenants.models import Organization, VerificationMethods
from verification.audit import AuditAction
from verification.models import (
    Consent,
    Invitation,
    VerificationAttempt,
)
from verification.providers import kycvs
from verification.providers.base import Method


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


def kycvs_available() -> bool:
    """Whether this deployment can verify by an OTP from CoWIN at all (a KYC-VS partner key)."""
    return kycvs.configured()


def methods_offered(organization: Organization | None) -> list[Method]:
    """The ways to verify this organization offers its employees, in the order shown: its
    setting (both by default), less KYC-VS where the deployment has no partner key."""
    setting = organization.verification_methods if organization is not None else VerificationMethods.BOTH
    methods = []
    if setting in (VerificationMethods.BOTH, VerificationMethods.OTP) and kycvs_available():
        methods.append(Method.KYCVS)
    if setting in (VerificationMethods.BOTH, VerificationMethods.CERTIFICATE) or not methods:
        methods.append(Method.CERTIFICATE)
    return methods
