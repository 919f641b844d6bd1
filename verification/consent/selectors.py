"""Where an employee stands, from the database: their consent and the page of the journey
they belong on (the journey's state machine).
"""

from __future__ import annotations

from verification.attempts.selectors import attempt_current
from verification.models import (
    Consent,
    Invitation,
    VerificationAttempt,
)

State = VerificationAttempt.State
Review = VerificationAttempt.Review


def consent_active(invitation: Invitation) -> Consent | None:
    """The consent given through this invitation and not withdrawn, if any."""
    return invitation.consents.filter(decision=Consent.Decision.GIVEN, withdrawn_at__isnull=True).first()


def consent_latest(invitation: Invitation) -> Consent | None:
    # An invitation read by access_invitation knows whether it has any consent at all (in the
    # same snapshot as the invitation itself): before the employee answers, no query.
    if getattr(invitation, "has_consent", None) is False:
        return None
    return invitation.consents.order_by("-decided_at", "-pk").first()


IN_PROGRESS = (State.CREATED, State.OTP_SENT, State.OTP_SUBMITTED, State.EXPIRED)


TRANSITIONAL = (State.CREATED, State.OTP_SUBMITTED)


def journey_step(invitation: Invitation) -> tuple[str, Consent | None, VerificationAttempt | None]:
    """Which page the employee belongs on, from the database."""
    consent = consent_latest(invitation)
    if consent is not None and consent.withdrawn_at:
        return "withdrawn", consent, None
    if consent is not None and consent.decision == Consent.Decision.DECLINED:
        return "declined", consent, None
    if consent is not None and consent.is_active:
        attempt = attempt_current(consent)
        if attempt is not None and attempt.state == State.VERIFIED and attempt.review != Review.REJECTED:
            return "done", consent, attempt
        if invitation.otp_locked_at:
            return "locked", consent, attempt
        if invitation.revoked_at or invitation.is_expired:
            return "expired", consent, attempt
        if attempt is not None and attempt.state in IN_PROGRESS:
            return "otp", consent, attempt
        # Ready to verify: a way to verify is chosen next (consent.pages.go_to).
        return "verify", consent, attempt
    if invitation.revoked_at or invitation.is_expired or invitation.used_at:
        return "expired", None, None
    return "notice", None, None
