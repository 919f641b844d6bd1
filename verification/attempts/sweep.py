"""The sweep: attempts whose next step is overdue go back on the queue (the broker may lose
messages; the database does not).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from verification import events
from verification.attempts.transitions import State, attempt_expire
from verification.models import (
    VerificationAttempt,
)
from verification.queue import Task, enqueue


def attempts_next_due() -> datetime | None:
    """When the sweep next has something to do in this organization (None: no attempt under
    way). One query; the same conditions as the sweep below and as
    ``VerificationAttempt.sweep_due_at`` (the due-work index, tenants/duework.py)."""
    grace = timedelta(seconds=settings.VERIFICATION_SWEEP_GRACE_S)
    claim = timedelta(seconds=settings.VERIFICATION_CONFIRM_CLAIM_S)
    claimed = Q(state=State.OTP_SUBMITTED, confirm_started_at__isnull=False, token__isnull=True)
    found = VerificationAttempt.objects.aggregate(
        created=Min("next_action_at", filter=Q(state=State.CREATED)),
        sent=Min("otp_expires_at", filter=Q(state=State.OTP_SENT)),
        submitted=Min("next_action_at", filter=Q(state=State.OTP_SUBMITTED) & ~claimed),
        claimed=Min("confirm_started_at", filter=claimed),
    )
    times = [
        found["created"] and found["created"] + grace,
        found["sent"],
        found["submitted"] and found["submitted"] + grace,
        found["claimed"] and found["claimed"] + claim,
    ]
    return min((time for time in times if time is not None), default=None)


def attempts_sweep() -> dict[str, int]:
    """Find attempts whose next step is overdue and put them back on the queue.

    The broker may lose messages (flushed, restarted); the database does not. Also expires
    OTPs nobody entered in time and confirms that were interrupted mid-call (those are never
    retried: the OTP may already be used).
    """

    now = timezone.now()
    overdue = now - timedelta(seconds=settings.VERIFICATION_SWEEP_GRACE_S)
    counts = {"send": 0, "confirm": 0, "expired": 0, "interrupted": 0}

    for attempt in VerificationAttempt.objects.filter(state=State.OTP_SENT, otp_expires_at__lte=now):
        with transaction.atomic():
            locked = (
                VerificationAttempt.objects.select_for_update(skip_locked=True)
                .filter(pk=attempt.pk, state=State.OTP_SENT)
                .first()
            )
            if locked:
                attempt_expire(locked, reason="otp_not_entered")
                counts["expired"] += 1

    claim_timeout = now - timedelta(seconds=settings.VERIFICATION_CONFIRM_CLAIM_S)
    for attempt in VerificationAttempt.objects.filter(
        state=State.OTP_SUBMITTED, confirm_started_at__lte=claim_timeout, token__isnull=True
    ):
        with transaction.atomic():
            locked = (
                VerificationAttempt.objects.select_for_update(skip_locked=True)
                .filter(pk=attempt.pk, state=State.OTP_SUBMITTED, token__isnull=True)
                .first()
            )
            if locked:
                attempt_expire(locked, reason="confirm_interrupted")
                counts["interrupted"] += 1

    for attempt in VerificationAttempt.objects.filter(state=State.CREATED, next_action_at__lte=overdue):
        events.attempt_requeued(attempt)
        enqueue(Task.ATTEMPT_SEND_OTP, attempt.pk)
        counts["send"] += 1
    for attempt in VerificationAttempt.objects.filter(
        state=State.OTP_SUBMITTED, next_action_at__lte=overdue, confirm_started_at__isnull=True
    ) | VerificationAttempt.objects.filter(
        state=State.OTP_SUBMITTED, next_action_at__lte=overdue, token__isnull=False
    ):
        events.attempt_requeued(attempt)
        enqueue(Task.ATTEMPT_CONFIRM_OTP, attempt.pk)
        counts["confirm"] += 1
    return counts
