"""The snapshot task writes into the organization that sent it, and no other."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from verification.dashboard.tasks import snapshot_take_task
from verification.dashboard.tests.helpers import employee_row
from verification.models import DailySnapshot

pytestmark = pytest.mark.django_db


def test_the_task_writes_only_into_its_own_organization(org_a, org_b):
    with schema_context(org_a.schema_name):
        employee_row("D1")
        snapshot_take_task.apply().get()
        assert DailySnapshot.objects.get(date=timezone.localdate()).counts["active"] == 1
    with schema_context(org_b.schema_name):
        assert not DailySnapshot.objects.exists()
