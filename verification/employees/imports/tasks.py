"""Celery tasks of the employee import (job ids only)."""

from __future__ import annotations

from celery import shared_task

from tenants.duework import Kind as DueKind
from tenants.duework import due_work_settle
from verification.employees.imports.services import import_job_run, import_job_validate, import_jobs_expire
from verification.queue import Task


@shared_task(name=Task.IMPORT_JOB_VALIDATE)
def import_job_validate_task(job_id: int) -> None:
    import_job_validate(job_id=job_id)


@shared_task(name=Task.IMPORT_JOB_RUN)
def import_job_run_task(job_id: int) -> None:
    import_job_run(job_id=job_id)


@shared_task(name=Task.IMPORT_JOBS_EXPIRE)
def import_jobs_expire_task() -> int:
    expired = import_jobs_expire()
    due_work_settle(kind=DueKind.IMPORTS)
    return expired
