"""HR's review of statuses verified through a mobile number the employee entered instead of
the one on file.

Such a status is stored as evidence but does not count (the employee's progress is "awaiting
HR review", the row holds no status) until an Owner or HR Admin approves it. Rejecting erases
it and its evidence exactly as withdrawal does (privacy.erase). Either way the employee is
told by e-mail, at the address on file.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from verification import events
from verification.events import Actor
from verification.models import Progress, StatusRecord, VerificationAttempt
from verification.privacy.erase import personal_data_erase
from verification.queue import Task, enqueue
from verification.status import employee_status_show

Review = VerificationAttempt.Review


def _lock_pending(attempt: VerificationAttempt) -> tuple[VerificationAttempt, StatusRecord] | None:
    """The attempt, locked, with its status record, if it still awaits review and counts for
    something: verified, consent not withdrawn, evidence not erased."""
    attempt = (
        VerificationAttempt.objects.select_for_update(of=("self",))
        .select_related("consent")
        .get(pk=attempt.pk)
    )
    if attempt.review != Review.PENDING or attempt.state != VerificationAttempt.State.VERIFIED:
        return None
    record = StatusRecord.objects.filter(attempt=attempt).first()
    if record is None or not attempt.consent.is_active:
        return None
    return attempt, record


def _review_done(attempt: VerificationAttempt, *, review: str, actor: Actor) -> None:
    attempt.review = review
    attempt.reviewed_at = timezone.now()
    attempt.reviewed_by = actor if actor is not None and actor.is_authenticated else None  # type: ignore[assignment]
    attempt.save(update_fields=["review", "reviewed_at", "reviewed_by", "updated_at"])


def verification_review_approve(*, attempt: VerificationAttempt, actor: Actor) -> bool:
    """Approve a status awaiting review: it counts from now on (the employee's row gets it, and
    their progress is verified). Audited; the employee gets a receipt. False if it no longer
    awaits review (decided already, withdrawn, erased)."""
    with transaction.atomic():
        locked = _lock_pending(attempt)
        if locked is None:
            return False
        attempt, record = locked
        _review_done(attempt, review=Review.APPROVED, actor=actor)
        employee_status_show(record=record)
        events.review_approved(attempt, actor=actor)
        invitation_id = attempt.consent.invitation_id
        enqueue(Task.RECEIPT_SEND, invitation_id, "approved")
    return True


def verification_review_reject(*, attempt: VerificationAttempt, actor: Actor) -> bool:
    """Reject a status awaiting review: it and its signed evidence are erased as on withdrawal,
    the employee's progress becomes "verification failed" (they may verify again with the
    number on file). Audited; the employee gets a receipt. False if it no longer awaits review."""
    with transaction.atomic():
        locked = _lock_pending(attempt)
        if locked is None:
            return False
        attempt, _record = locked
        _review_done(attempt, review=Review.REJECTED, actor=actor)
        erased = personal_data_erase(employee=attempt.employee, progress=Progress.FAILED, attempt=attempt)
        events.review_rejected(attempt, actor=actor, records_erased=erased)
        invitation_id = attempt.consent.invitation_id
        enqueue(Task.RECEIPT_SEND, invitation_id, "rejected")
    return True
