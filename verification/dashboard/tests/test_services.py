"""Daily snapshots: one row per date, upserted for today, history never overwritten."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django_tenants.utils import schema_context

from verification.buckets import BUCKET_KEYS
from verification.dashboard.services import snapshot_take
from verification.dashboard.tests.helpers import employee_row
from verification.models import DailySnapshot, Progress, VaccinationStatus

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 11, 20, 12, 0, tzinfo=ZoneInfo(settings.TIME_ZONE))


def test_taking_a_snapshot_twice_a_day_keeps_one_row_with_the_latest_numbers(org_a):
    with schema_context(org_a.schema_name), time_machine.travel(NOON, tick=False):
        employee_row("A1", progress=Progress.VERIFIED, vaccination_status=VaccinationStatus.FULLY_VACCINATED)
        employee_row("A2")
        employee_row("A3", is_active=False)
        first = snapshot_take()
        assert first.date == NOON.date()
        assert first.counts == {
            **dict.fromkeys(BUCKET_KEYS, 0),
            "fully": 1,
            "not_invited": 1,
            "consented": 0,
            "active": 2,
        }

        employee_row("A4", progress=Progress.INVITED)
        second = snapshot_take()
        assert second.pk == first.pk
        assert DailySnapshot.objects.count() == 1
        assert DailySnapshot.objects.get().counts["pending"] == 1
        assert DailySnapshot.objects.get().counts["active"] == 3


def test_a_new_day_gets_its_own_row_and_yesterday_stays_as_it_ended(org_a):
    with schema_context(org_a.schema_name):
        with time_machine.travel(NOON.replace(hour=23, minute=50), tick=False):
            employee_row("B1")
            snapshot_take()
        with time_machine.travel(NOON + timedelta(days=1, hours=-11, minutes=-55), tick=False):  # 00:05
            employee_row("B2")
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
        employee_row("C1")
        missing = snapshot_take(day=NOON.date() - timedelta(days=3))
        assert missing.counts["active"] == 1
        assert snapshot_take(day=NOON.date() - timedelta(days=3)).pk == missing.pk
        with pytest.raises(ValueError):
            snapshot_take(day=NOON.date() + timedelta(days=1))
        assert DailySnapshot.objects.count() == 1
