"""Celery task of the dashboard: today's snapshot."""

from __future__ import annotations

from celery import shared_task

from tenants.duework import Kind as DueKind
from tenants.duework import due_work_settle
from verification.dashboard.services import snapshot_take
from verification.queue import Task


@shared_task(name=Task.SNAPSHOT_TAKE)
def snapshot_take_task() -> None:
    """Upsert today's snapshot of this organization (beat: hourly, in organizations where it
    is missing or something was audited since: tenants.duework)."""
    snapshot_take()
    due_work_settle(kind=DueKind.SNAPSHOT)
