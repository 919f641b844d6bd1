"""Daily snapshots of where the organization's employees stood (the trend chart)."""

from __future__ import annotations

from django.db import models


class DailySnapshot(models.Model):
    """Where the organization's employees stood at the end of a day, for the trend chart."""

    date = models.DateField(unique=True)
    # {"fully": n, "partially": n, "not_vaccinated": n, "pending": n, "review": n, "declined": n,
    #  "withdrawn": n, "failed": n, "not_invited": n, "active": n}
    counts = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"Snapshot {self.date}"
