"""Celery task of retention."""

from __future__ import annotations

from celery import shared_task

from tenants.duework import Kind as DueKind
from tenants.duework import due_work_settle
from verification.privacy.retention import retention_erase
from verification.queue import Task


@shared_task(name=Task.RETENTION_SWEEP)
def retention_sweep_task() -> int:
    """Erase status evidence and mobile numbers past this organization's retention."""
    erased = retention_erase()
    due_work_settle(kind=DueKind.RETENTION)
    return erased
