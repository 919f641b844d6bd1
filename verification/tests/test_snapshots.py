"""Daily snapshots: one row per date, upserted for today, history never overwritten."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone
from django_tenants.utils import schema_context

from verification.dashboard.buckets import BUCKET_KEYS
from verification.dashboard.services import snapshot_take
from verification.dashboard.tasks import snapshot_take_task
from verification.models import DailySnapshot, Employee, Progress, VaccinationStatus

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 11, 20, 12, 0, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _employee(code: str, **fields) -> Employee:  # type: ignore[no-untyped-def]
    return Employee.objects.create(code=code, full_name=code, email=f"{code}@staff.example", **fields)


def test_taking_a_snapshot_twice_a_day_keeps_one_row_with_the_latest_numbers(org_a):
    with schema_context(org_a.schema_name), time_machine.travel(NOON, tick=False):
        _employee("A1", progress=Progress.VERIFIED, vaccination_status=VaccinationStatus.FULLY_VACCINATED)
        _employee("A2")
        _employee("A3", is_active=False)
        first = snapshot_take()
        assert first.date == NOON.date()
        assert first.counts == {
            **dict.fromkeys(BUCKET_KEYS, 0),
            "fully": 1,
            "not_invited": 1,
            "consented": 0,
            "active": 2,
        }

        _employee("A4", progress=Progress.INVITED)
        second = snapshot_take()
        assert second.pk == first.pk
        assert DailySnapshot.objects.count() == 1
        assert DailySnapshot.objects.get().counts["pending"] == 1
        assert DailySnapshot.objects.get().counts["active"] == 3


def test_a_new_day_gets_its_own_row_and_yesterday_stays_as_it_ended(org_a):
    with schema_context(org_a.schema_name):
        with time_machine.travel(NOON.replace(hour=23, minute=50), tick=False):
            _employee("B1")
            snapshot_take()
        with time_machine.travel(NOON + timedelta(days=1, hours=-11, minutes=-55), tick=False):  # 00:05
            _employee("B2")
            today = snapshot_take()
            assert today.date == NOON.date() + timedelta(days=1)
            # A late run for yesterday (a backfill, a retried task) leaves its row alone.
            yesterday = snapshot_take(day=NOON.date())
            assert yesterday.counts["active"] == 1
        assert dict(DailySnapshot.objects.values_list("date", "counts__active")) == {
            NOON.date(): 1,
            NOON.date() + timedelta(days=1): 2,
        }


def test_backfill_fills_only_missing_past_days_and_refuses_the_future(org_a):
    with schema_context(org_a.schema_name), time_machine.travel(NOON, tick=False):
        _employee("C1")
        missing = snapshot_take(day=NOON.date() - timedelta(days=3))
        assert missing.counts["active"] == 1
        assert snapshot_take(day=NOON.date() - timedelta(days=3)).pk == missing.pk
        with pytest.raises(ValueError):
            snapshot_take(day=NOON.date() + timedelta(days=1))
        assert DailySnapshot.objects.count() == 1


def test_the_task_writes_only_into_its_own_organization(org_a, org_b):
    with schema_context(org_a.schema_name):
        _employee("D1")
        snapshot_take_task.apply().get()
        assert DailySnapshot.objects.get(date=timezone.localdate()).counts["active"] == 1
    with schema_context(org_b.schema_name):
        assert not DailySnapshot.objects.exists()


def test_beat_takes_snapshots_hourly_and_sends_reminders_through_the_fan_out():
    schedule: dict[str, dict[str, Any]] = settings.CELERY_BEAT_SCHEDULE
    jobs = {entry["args"][0]: entry for entry in schedule.values() if entry.get("args")}
    for task, every in (
        ("verification.tasks.snapshot_take_task", 60 * 60),
        ("verification.tasks.reminders_plan_task", 15 * 60),
    ):
        assert jobs[task]["task"] == "tenants.tasks.for_each_organization"
        assert jobs[task]["schedule"] == every
