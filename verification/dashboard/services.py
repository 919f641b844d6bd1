"""Daily snapshots: where the organization's active employees stood on a day (trend chart)."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from verification.dashboard.selectors import status_counts
from verification.models import DailySnapshot


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
