"""Celery tasks that run inside one organization's schema.

Each takes ids only (never a number, name, OTP or token), re-reads the database, returns
quietly when there is nothing (left) to do, and leaves the work to a service.
"""

from __future__ import annotations

from celery import Task, shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

from verification.models import Invitation
from verification.services import attempts, invitations


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
    if invitation is not None and kind in ("verified", "declined", "withdrawn"):
        invitations.receipt_send(invitation=invitation, kind=kind)


@shared_task
def sessions_clear_expired() -> int:
    """Delete this organization's expired staff sessions; return how many went."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
