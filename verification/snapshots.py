"""Today's snapshot as soon as there is something to show, so that the dashboard's trend is
never blank on an organization's first day (the hourly beat keeps it current after that).

Shared, because the moments that bring the first numbers live in several rooms: an employee
added or imported, a status verified.
"""

from __future__ import annotations

from django.core.cache import cache
from django.utils import timezone

from verification.models import DailySnapshot
from verification.queue import Task, enqueue

#: Until today's snapshot exists, a burst of changes (200 statuses verified within a second,
#: the snapshot's task queued behind them all) asks for it once, not once per change: asked
#: again after this long, in case that task was lost (beat's hourly run is the safety net).
ASKED_FOR_S = 60


def asked_key() -> str:
    """The cache key saying today's snapshot was asked for (the cache adds the organization)."""
    return f"snapshot-asked:{timezone.localdate().isoformat()}"


def snapshot_soon() -> None:
    """Enqueue today's snapshot of the current organization (after commit), unless today
    already has one or it was asked for in the last ``ASKED_FOR_S``: one indexed lookup (and,
    until the row exists, one cache write), so calling it on every change costs next to nothing
    and sends at most a task or two a day."""
    if DailySnapshot.objects.filter(date=timezone.localdate()).exists():
        return
    if cache.add(asked_key(), 1, timeout=ASKED_FOR_S):
        enqueue(Task.SNAPSHOT_TAKE)
