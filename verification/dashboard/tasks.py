"""Celery task of the dashboard: today's snapshot."""

from __future__ import annotations

from celery import shared_task

from verification.dashboard.services import snapshot_take
from verification.queue import Task


@shared_task(name=Task.SNAPSHOT_TAKE)
def snapshot_take_task() -> None:
    """Upsert today's snapshot of this organization (beat: hourly, so today always has one)."""
    snapshot_take()
