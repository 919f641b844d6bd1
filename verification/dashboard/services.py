"""Daily snapshots: where the organization's active employees stood on a day (trend chart)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from verification.dashboard.selectors import status_counts
from verification.models import DailySnapshot


def snapshot_next_due() -> datetime:
    """When today's snapshot is next due: now if there is none, else when the next local day
    starts (until something audited touches the index again: verification.events)."""
    today = timezone.localdate()
    if not DailySnapshot.objects.filter(date=today).exists():
        return timezone.now()
    return timezone.make_aware(datetime.combine(today + timedelta(days=1), time.min))


def snapshot_take(*, day: date | None = None) -> DailySnapshot:
    """Record the current numbers as the snapshot of ``day`` (default: today, local time).

    Idempotent: one row per date. Today's row is upserted (beat runs this hourly, so today
    always has a row and the last run of a day leaves where the day ended). A past day's row
    is history and is never overwritten: for a past ``day`` a row is written only if there is
    none (a backfill, holding the numbers of when it ran), else the existing row is returned.
    A future ``day`` is refused with ValueError.
    """
    today = timezone.localdate()
    day = day or today
    if day > today:
        raise ValueError("cannot take a snapshot of a day that has not come")
    if day < today:
        existing = DailySnapshot.objects.filter(date=day).first()
        if existing is not None:
            return existing
        DailySnapshot.objects.bulk_create(
            [DailySnapshot(date=day, counts=status_counts().as_snapshot())], ignore_conflicts=True
        )
        return DailySnapshot.objects.get(date=day)
    snapshot, _created = DailySnapshot.objects.update_or_create(
        date=day, defaults={"counts": status_counts().as_snapshot()}
    )
    return snapshot
