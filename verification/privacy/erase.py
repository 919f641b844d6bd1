"""Erasure of what is held about a person's vaccination: ONE function, which withdrawal, HR's
rejection of a review and retention all call.
"""

from __future__ import annotations

from django.utils import timezone

from verification.models import Employee, Progress, StatusRecord, VerificationAttempt
from verification.phones import StoredMobile
from verification.status import STATUS_CLEARED


def personal_data_erase(
    *,
    employee: Employee,
    progress: Progress | None = None,
    attempt: VerificationAttempt | None = None,
    mobile: bool = False,
) -> int:
    """Erase the vaccination status of ``employee`` and its evidence; return how many status
    records went.

    Every status record of the employee (or only the one of ``attempt``) is deleted with its
    signed evidence; the attempts concerned stop if still in flight and lose whatever they hold
    of the person (mobile, OTP, token); the employee's row keeps no status, and moves to
    ``progress`` when one is given. With ``mobile`` the number on file goes too (retention).
    Run inside the caller's transaction; the caller records why (its audit event).
    """
    now = timezone.now()
    attempts = VerificationAttempt.objects.filter(employee=employee)
    records = StatusRecord.objects.filter(employee=employee)
    if attempt is not None:
        attempts = attempts.filter(pk=attempt.pk)
        records = records.filter(attempt=attempt)
    erased, _ = records.delete()
    attempts.exclude(state__in=VerificationAttempt.TERMINAL).update(
        state=VerificationAttempt.State.CANCELLED, finished_at=now, next_action_at=None
    )
    attempts.update(mobile=None, otp=None, token=None)
    changes: dict[str, object] = dict(STATUS_CLEARED)
    if progress is not None:
        changes["progress"] = progress
    if mobile:
        changes.update(StoredMobile.of(None).fields())
    Employee.objects.filter(pk=employee.pk).update(**changes)
    return erased
