"""Today's snapshot as soon as there is something to show, so that the dashboard's trend is
never blank on an organization's first day (the hourly beat keeps it current after that).

Shared, because the moments that bring the first numbers live in several rooms: an employee
added or imported, a status verified.
"""

from __future__ import annotations

from django.utils import timezone

from verification.models import DailySnapshot
from verification.queue import Task, enqueue


def snapshot_soon() -> None:
    """Enqueue today's snapshot of the current organization (after commit), unless today
    already has one: one indexed lookup, so calling it on every change costs next to nothing
    and sends at most a task or two a day."""
    if not DailySnapshot.objects.filter(date=timezone.localdate()).exists():
        enqueue(Task.SNAPSHOT_TAKE)
