"""Celery tasks that run inside one organization's schema.

Each takes ids only (never a number, name, OTP or token), re-reads the database, returns
quietly when there is nothing (left) to do, and leaves the work to a service.
"""

from __future__ import annotations

from celery import Task, shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

from verification import imports
from verification.models import Invitation
from verification.services import attempts, employee_access, invitations, reminders, snapshots

# Reminder e-mails per task: a batch stays far below the task time limit.
REMINDER_BATCH = 50


def _run_step(task: Task, outcome: attempts.Retry | None) -> None:
    if outcome is not None:
        raise task.retry(countdown=outcome.delay_s)


# max_retries=None: the step itself stops retrying at its deadline (the OTP's or token's life).
@shared_task(bind=True, max_retries=None)
def attempt_send_otp_task(self: Task, attempt_id: int) -> None:
    _run_step(self, attempts.attempt_send_otp(attempt_id=attempt_id))


@shared_task(bind=True, max_retries=None)
def attempt_confirm_otp_task(self: Task, attempt_id: int) -> None:
    _run_step(self, attempts.attempt_confirm_otp(attempt_id=attempt_id))


@shared_task
def attempts_sweep() -> dict[str, int]:
    return attempts.attempts_sweep()


@shared_task
def invitation_send_task(invitation_id: int) -> None:
    invitation = Invitation.objects.filter(pk=invitation_id).first()
    if invitation is not None:
        invitations.invitation_send(invitation=invitation)


@shared_task
def receipt_send_task(invitation_id: int, kind: str) -> None:
    invitation = Invitation.objects.select_related("employee").filter(pk=invitation_id).first()
    if invitation is not None and kind in invitations.RECEIPT_KINDS:
        invitations.receipt_send(invitation=invitation, kind=kind)


@shared_task
def view_code_send_task(view_code_id: int) -> None:
    """E-mail a view code (the task carries its id; the code is read, then forgotten)."""
    employee_access.view_code_send(view_code_id=view_code_id)


@shared_task
def sessions_clear_expired() -> int:
    """Delete this organization's expired staff sessions; return how many went."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task
def import_job_validate_task(job_id: int) -> None:
    imports.import_job_validate(job_id=job_id)


@shared_task
def import_job_run_task(job_id: int) -> None:
    imports.import_job_run(job_id=job_id)


@shared_task
def import_jobs_expire_task() -> int:
    return imports.import_jobs_expire()


@shared_task
def snapshot_take_task() -> None:
    """Upsert today's snapshot of this organization (beat: hourly, so today always has one)."""
    snapshots.snapshot_take()


@shared_task
def reminders_plan_task(manual: bool = False, actor_id: int | None = None) -> int:
    """Find the reminders due now and send them out in batches; return how many are due.

    Beat runs it every 15 minutes through for_each_organization; HR's button runs it with
    ``manual``. A reminder queued twice is still sent once (reminders.reminder_send re-checks).
    """
    ids = list(reminders.invitations_to_remind(manual=manual).values_list("pk", flat=True))
    for start in range(0, len(ids), REMINDER_BATCH):
        reminders_send_task.delay(ids[start : start + REMINDER_BATCH], manual, actor_id)
    return len(ids)


@shared_task
def reminders_send_task(invitation_ids: list[int], manual: bool = False, actor_id: int | None = None) -> int:
    from django.contrib.auth.models import User

    actor = User.objects.filter(pk=actor_id).first() if actor_id is not None else None
    return sum(reminders.reminder_send(invitation_id=pk, manual=manual, actor=actor) for pk in invitation_ids)


@shared_task
def retention_sweep_task() -> int:
    """Erase status evidence and mobile numbers past this organization's retention."""
    from verification.services.retention import retention_erase

    return retention_erase()
