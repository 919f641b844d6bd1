"""How a verification that succeeded ends, whichever way it went (KYC-VS or a certificate): one
status record with its evidence, the attempt verified, the employee's row showing the status
(or "awaiting HR review"), the link used, an audit event and a receipt."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from verification import events
from verification.attempts.transitions import State
from verification.models import Employee, Invitation, Progress, StatusRecord, VerificationAttempt
from verification.queue import Task, enqueue
from verification.snapshots import snapshot_soon
from verification.status import STATUS_CLEARED, employee_status_show

Review = VerificationAttempt.Review


def attempt_verified(
    *, attempt: VerificationAttempt, record: dict[str, Any], review_reason: str = ""
) -> tuple[StatusRecord, bool]:
    """Store the verified status of ``attempt`` (locked by the caller, in its transaction) and
    return (its status record, whether it is new).

    ``record``: the StatusRecord's fields (status, method, evidence, key_id, and what a
    certificate tells). With ``review_reason`` the status is kept as evidence but counts only
    once HR approves it (review). Idempotent: a second call for the same attempt finds the record
    and writes nothing new.
    """
    now = timezone.now()
    # The caller holds the attempt's lock, and a record is only ever made together with the
    # attempt turning VERIFIED (in one transaction): an attempt in any other state has none,
    # so the record is inserted at once, without get_or_create's read and savepoint.
    status_record = (
        StatusRecord.objects.filter(attempt=attempt).first() if attempt.state == State.VERIFIED else None
    )
    created = status_record is None
    if status_record is None:
        status_record = StatusRecord.objects.create(
            attempt=attempt,
            employee_id=attempt.employee_id,
            consent=attempt.consent,
            verified_at=now,
            **record,
        )
    attempt.state = State.VERIFIED
    attempt.token = None
    attempt.otp = None
    attempt.error_code = ""
    attempt.finished_at = now
    attempt.next_action_at = None
    changed = ["state", "token", "otp", "error_code", "finished_at", "next_action_at", "updated_at"]
    if review_reason:
        attempt.review = Review.PENDING
        attempt.review_reason = review_reason
        changed += ["review", "review_reason"]
        Employee.objects.filter(pk=attempt.employee_id).update(
            progress=Progress.AWAITING_REVIEW, **STATUS_CLEARED
        )
    else:
        employee_status_show(record=status_record)
    # Only what changed: the rest of the row (its encrypted mobile above all) is not
    # encrypted and written again.
    attempt.save(update_fields=changed)
    invitation_id = attempt.consent.invitation_id
    Invitation.objects.filter(pk=invitation_id, used_at__isnull=True).update(used_at=now)
    if created:
        events.verification_succeeded(attempt, key_id=status_record.key_id)
        enqueue(Task.RECEIPT_SEND, invitation_id, "review" if review_reason else "verified")
        snapshot_soon()
    return status_record, created
