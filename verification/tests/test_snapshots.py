"""Today's snapshot is asked for as soon as there are numbers (an employee added, an import
written, a status verified), once a day at most: the trend is never blank on day one."""

from __future__ import annotations

import pytest
from celery import current_app
from django.core.cache import cache
from django.utils import timezone
from django_tenants.utils import schema_context

from verification.models import DailySnapshot
from verification.queue import Task
from verification.snapshots import asked_key, snapshot_soon
from verification.tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _not_asked_yet(org_a, org_b):  # type: ignore[no-untyped-def]
    """No earlier test's request for today's snapshot holds back this test's."""
    for org in (org_a, org_b):
        with schema_context(org.schema_name):
            cache.delete(asked_key())


@pytest.fixture
def sent(monkeypatch):  # type: ignore[no-untyped-def]
    """The tasks handed to the broker (the message itself, not its effect)."""
    names: list[str] = []
    monkeypatch.setattr("verification.queue._send", lambda name, args: names.append(name))
    return names


def test_the_first_employee_records_todays_snapshot(org_a, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        EmployeeFactory.create(org=org_a, code="E1", full_name="Asha Rao")
    assert sent == [Task.SNAPSHOT_TAKE]

    # The task that name reaches records today's numbers in this organization.
    current_app.loader.import_default_modules()
    with schema_context(org_a.schema_name):
        current_app.tasks[sent[0]].apply()
        snapshot = DailySnapshot.objects.get(date=timezone.localdate())
    assert snapshot.counts["not_invited"] == 1 and snapshot.counts["active"] == 1


def test_once_today_has_a_snapshot_nothing_more_is_sent(org_a, sent, django_capture_on_commit_callbacks):
    with schema_context(org_a.schema_name):
        DailySnapshot.objects.create(date=timezone.localdate(), counts={"active": 0})
    with django_capture_on_commit_callbacks(execute=True):
        EmployeeFactory.create(org=org_a, code="E1", full_name="Asha Rao")
        with schema_context(org_a.schema_name):
            snapshot_soon()
    assert sent == []


def test_each_organization_asks_for_its_own(org_a, org_b, sent, django_capture_on_commit_callbacks):
    with schema_context(org_a.schema_name):
        DailySnapshot.objects.create(date=timezone.localdate(), counts={"active": 0})
    with django_capture_on_commit_callbacks(execute=True):
        EmployeeFactory.create(org=org_b, code="B1", full_name="Bravo Person")
    assert sent == [Task.SNAPSHOT_TAKE]  # bravo has none today, whatever alpha has


def test_an_import_records_todays_snapshot(org_a, sent, django_capture_on_commit_callbacks):
    from portal.testing import signed_in
    from verification.employees.imports.tests.helpers import PEOPLE, job_url, latest_job, upload
    from verification.models import ImportJob

    client = signed_in(org_a)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, "people.csv", PEOPLE)
        client.post(f"{job_url(latest_job(org_a).pk)}confirm/")

    assert latest_job(org_a).status == ImportJob.Status.DONE
    assert sent == [Task.SNAPSHOT_TAKE]  # COPY writes the rows: the import itself asks for it


def test_a_burst_before_the_first_snapshot_asks_once(org_a, sent, django_capture_on_commit_callbacks):
    """200 statuses verified before the snapshot's task (queued behind them) has run: one task,
    not one per change."""
    with django_capture_on_commit_callbacks(execute=True), schema_context(org_a.schema_name):
        for _ in range(3):
            snapshot_soon()
    assert sent == [Task.SNAPSHOT_TAKE]

    with schema_context(org_a.schema_name):
        cache.delete(asked_key())  # as when ASKED_FOR_S has passed and the task was lost
        with django_capture_on_commit_callbacks(execute=True):
            snapshot_soon()
    assert sent == [Task.SNAPSHOT_TAKE, Task.SNAPSHOT_TAKE]  # asked again
