"""Celery tasks of verification attempts: "look at attempt N" (ids only; the row is the truth)."""

from __future__ import annotations

from collections.abc import Callable

from celery import Task as CeleryTask
from celery import shared_task
from django.db import InterfaceError, OperationalError

from tenants.duework import Kind as DueKind
from tenants.duework import due_work_settle
from verification.attempts.sweep import attempts_sweep
from verification.attempts.transitions import Retry, backoff_delay
from verification.attempts.worker import attempt_confirm_otp, attempt_send_otp
from verification.queue import Task


def _run_step(task: CeleryTask, step: Callable[..., Retry | None], attempt_id: int) -> None:
    try:
        outcome = step(attempt_id=attempt_id)
    except (OperationalError, InterfaceError) as exc:
        # The database went away under the step (a restart, a failover, a dropped connection):
        # look at the row again shortly, on a new connection (portal.celery drops the broken
        # one before the next task), instead of waiting for the sweep. The row is the truth.
        raise task.retry(countdown=backoff_delay(task.request.retries), exc=exc) from exc
    if outcome is not None:
        raise task.retry(countdown=outcome.delay_s)


# max_retries=None: the step itself stops retrying at its deadline (the OTP's or token's life).
@shared_task(bind=True, max_retries=None, name=Task.ATTEMPT_SEND_OTP)
def attempt_send_otp_task(self: CeleryTask, attempt_id: int) -> None:
    _run_step(self, attempt_send_otp, attempt_id)


@shared_task(bind=True, max_retries=None, name=Task.ATTEMPT_CONFIRM_OTP)
def attempt_confirm_otp_task(self: CeleryTask, attempt_id: int) -> None:
    _run_step(self, attempt_confirm_otp, attempt_id)


@shared_task(name=Task.ATTEMPTS_SWEEP)
def attempts_sweep_task() -> dict[str, int]:
    """Beat, every 30 s, in each organization with attempts due (tenants.duework): put overdue
    attempts back on the queue, then say when the next is due."""
    counts = attempts_sweep()
    due_work_settle(kind=DueKind.ATTEMPTS)
    return counts
