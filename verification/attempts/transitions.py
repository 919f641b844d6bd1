"""State changes of a verification attempt shared by the employee's steps, the workers' steps and
the sweep; each saves the attempt and records its audit event.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from verification import events
from verification.attempts.selectors import wrong_otps_recent
from verification.errors import ErrorCode
from verification.models import (
    Employee,
    Invitation,
    Progress,
    VerificationAttempt,
)

State = VerificationAttempt.State


@dataclass(frozen=True)
class Retry:
    """Run the step again after ``delay_s`` (the attempt's next_action_at says the same)."""

    delay_s: float


def backoff_delay(retries: int) -> float:
    """Exponential backoff with full jitter: 1 s, 2 s, 4 s ... capped at 60 s."""
    cap = min(60.0, 2.0**retries)
    return max(0.5, random.uniform(cap / 2, cap))  # noqa: S311 - jitter, not security


def invitation_lock_if_too_many_wrong(attempt: VerificationAttempt) -> bool:
    """After a wrong OTP: past the long-term cap, fail the attempt and lock its invitation for
    verifying (withdrawal still works) until HR re-invites. True if it did."""
    invitation = attempt.consent.invitation
    wrong = wrong_otps_recent(invitation)
    if wrong < settings.MAX_WRONG_OTPS_PER_DAY:
        return False
    Invitation.objects.filter(pk=invitation.pk, otp_locked_at__isnull=True).update(
        otp_locked_at=timezone.now()
    )
    attempt.tries_left = 0
    events.verification_locked(attempt, wrong_otps=wrong)
    attempt_fail(attempt, code=ErrorCode.TOO_MANY_WRONG_OTPS, reason="too_many_wrong_otps")
    return True


def attempt_fail(attempt: VerificationAttempt, *, code: ErrorCode, reason: str) -> None:
    now = timezone.now()
    attempt.state = State.FAILED
    attempt.error_code = code
    attempt.otp = None
    attempt.token = None
    attempt.finished_at = now
    attempt.next_action_at = None
    attempt.save()
    Employee.objects.filter(pk=attempt.employee_id).update(progress=Progress.FAILED)
    events.verification_failed(attempt, reason=reason)


def attempt_expire(
    attempt: VerificationAttempt, *, reason: str, code: ErrorCode = ErrorCode.OTP_EXPIRED
) -> None:
    attempt.state = State.EXPIRED
    attempt.error_code = code
    attempt.otp = None
    attempt.token = None
    attempt.confirm_started_at = None
    attempt.next_action_at = None
    attempt.save()
    events.verification_expired(attempt, reason=reason)


def attempt_retry_schedule(
    attempt: VerificationAttempt, *, step: str, reason: str, deadline: datetime | None, minimum_s: float = 0
) -> Retry | None:
    """Reschedule the step, or None if the retry would land past ``deadline``."""
    delay = max(backoff_delay(attempt.retries), minimum_s)
    delay = min(delay, settings.CELERY_MAX_TASK_DELAY)
    when = timezone.now() + timedelta(seconds=delay)
    if deadline is not None and when >= deadline:
        return None
    attempt.retries += 1
    attempt.error_code = ErrorCode.SERVICE_BUSY
    attempt.next_action_at = when
    attempt.save()
    events.provider_retry(attempt, step=step, reason=reason, delay_s=delay)
    return Retry(delay)
