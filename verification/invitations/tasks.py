"""Celery tasks of invitations, receipts and reminders (ids only; the services
re-check everything before they send)."""

from __future__ import annotations

from celery import shared_task

from tenants.duework import Kind as DueKind
from tenants.duework import due_work_settle
from tenants.members import member_by_id
from verification.invitations.reminders import invitations_to_remind, reminder_send
from verification.invitations.services import RECEIPT_KINDS, invitation_send, receipt_send
from verification.models import Invitation
from verification.queue import Task

# Reminder e-mails per task: a batch stays far below the task time limit.
REMINDER_BATCH = 50


@shared_task(name=Task.INVITATION_SEND)
def invitation_send_task(invitation_id: int) -> None:
    invitation = Invitation.objects.filter(pk=invitation_id).first()
    if invitation is not None:
        invitation_send(invitation=invitation)


@shared_task(name=Task.RECEIPT_SEND)
def receipt_send_task(invitation_id: int, kind: str) -> None:
    invitation = Invitation.objects.select_related("employee").filter(pk=invitation_id).first()
    if invitation is not None and kind in RECEIPT_KINDS:
        receipt_send(invitation=invitation, kind=kind)


@shared_task(name=Task.REMINDERS_PLAN)
def reminders_plan_task(manual: bool = False, actor_id: int | None = None) -> int:
    """Find the reminders due now and send them out in batches; return how many are due.

    Beat runs it every 15 minutes in organizations whose schedule has a reminder due
    (tenants.duework); HR's button runs it with ``manual``. A reminder queued twice is still
    sent once (reminder_send re-checks). While batches wait, the index still says "due now":
    each batch settles it once sent.
    """
    ids = list(invitations_to_remind(manual=manual).values_list("pk", flat=True))
    for start in range(0, len(ids), REMINDER_BATCH):
        reminders_send_task.delay(ids[start : start + REMINDER_BATCH], manual, actor_id)
    due_work_settle(kind=DueKind.REMINDERS)
    return len(ids)


@shared_task(name=Task.REMINDERS_SEND)
def reminders_send_task(invitation_ids: list[int], manual: bool = False, actor_id: int | None = None) -> int:
    actor = member_by_id(actor_id)
    sent = sum(reminder_send(invitation_id=pk, manual=manual, actor=actor) for pk in invitation_ids)
    due_work_settle(kind=DueKind.REMINDERS)
    return sent
