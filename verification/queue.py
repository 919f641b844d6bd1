"""One way to hand work to a worker: a Celery task, by name, after the transaction commits.

Services enqueue through here and never import a ``tasks`` module (tasks import services, not
the other way round). The task runs in the schema of the organization that is current when it
is sent (tenant-schemas-celery), with ids only: the database row is the truth, the message
only says "look at row N". A rolled-back transaction sends nothing.
"""

from __future__ import annotations

import enum
from typing import Any

from celery import current_app
from django.db import transaction


class Task(enum.StrEnum):
    """Every task's name on the wire, where each room's ``tasks.py`` registers it.

    The names are the ones the tasks had when they all lived in ``verification/tasks.py``:
    messages queued by one release are still understood by the next. Beat's schedule
    (settings) names the periodic ones the same way.
    """

    ATTEMPT_SEND_OTP = "verification.tasks.attempt_send_otp_task"
    ATTEMPT_CONFIRM_OTP = "verification.tasks.attempt_confirm_otp_task"
    ATTEMPTS_SWEEP = "verification.tasks.attempts_sweep"
    INVITATION_SEND = "verification.tasks.invitation_send_task"
    RECEIPT_SEND = "verification.tasks.receipt_send_task"
    VIEW_CODE_SEND = "verification.tasks.view_code_send_task"
    REMINDERS_PLAN = "verification.tasks.reminders_plan_task"
    REMINDERS_SEND = "verification.tasks.reminders_send_task"
    IMPORT_JOB_VALIDATE = "verification.tasks.import_job_validate_task"
    IMPORT_JOB_RUN = "verification.tasks.import_job_run_task"
    IMPORT_JOBS_EXPIRE = "verification.tasks.import_jobs_expire_task"
    SNAPSHOT_TAKE = "verification.tasks.snapshot_take_task"
    RETENTION_SWEEP = "verification.tasks.retention_sweep_task"
    SESSIONS_CLEAR_EXPIRED = "verification.tasks.sessions_clear_expired"


def enqueue(task: Task, *args: Any) -> None:
    """Send ``task`` with ``args`` (ids and plain values, never personal data) once the
    current transaction commits (at once when there is none).

    With ``task_always_eager`` (a script that has no worker, such as a benchmark) the task
    runs here instead: ``send_task`` alone would ignore that setting and leave the message on
    the broker for whichever worker comes along later.
    """
    transaction.on_commit(lambda: _send(str(task), list(args)))


def _send(name: str, args: list[Any]) -> None:
    app = current_app
    if app.conf.task_always_eager:
        if name not in app.tasks:
            app.loader.import_default_modules()  # the rooms' tasks modules (autodiscovery)
        app.tasks[name].apply(args=tuple(args), throw=app.conf.task_eager_propagates)
    else:
        app.send_task(name, args=args)
