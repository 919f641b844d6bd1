"""The Celery app: tenant-aware, loud without a tenant, reliable, reusing connections.

The `worker` tests run tasks through a real `celery worker` process over real Redis.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django_tenants.utils import schema_context

from portal.celery import TenantRequiredError, app
from portal.tests.celery_probe import record_schema, record_search_path
from tenants.duework import Kind
from tenants.tasks import for_each_organization


def _wait_for_traces(schema: str, token: str, count: int = 1, timeout: float = 30) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        with schema_context(schema):
            names = list(
                Group.objects.filter(name__startswith=f"probe:{token}:").values_list("name", flat=True)
            )
        if len(names) >= count or time.monotonic() > deadline:
            return names
        time.sleep(0.05)


def _cleanup(token: str, *schemas: str) -> None:
    for schema in schemas:
        with schema_context(schema):
            Group.objects.filter(name__startswith=f"probe:{token}:").delete()


@pytest.mark.worker
def test_task_enqueued_from_a_runs_in_a(celery_worker_process, committed_db, org_a, org_b):
    token = uuid.uuid4().hex
    try:
        with schema_context(org_a.schema_name):
            record_schema.delay(token)
        traces = _wait_for_traces(org_a.schema_name, token)
        assert len(traces) == 1
        assert traces[0].split(":")[2] == org_a.schema_name
        assert _wait_for_traces(org_b.schema_name, token, timeout=0) == []
    finally:
        _cleanup(token, org_a.schema_name, org_b.schema_name)


@pytest.mark.worker
def test_worker_reuses_its_database_connection(celery_worker_process, committed_db, org_a):
    token = uuid.uuid4().hex
    try:
        with schema_context(org_a.schema_name):
            record_schema.delay(token)
            record_schema.delay(token)
        traces = _wait_for_traces(org_a.schema_name, token, count=2)
        assert len(traces) == 2
        backend_pids = {name.split(":")[3] for name in traces}
        assert len(backend_pids) == 1, "each task opened a new database connection"
    finally:
        _cleanup(token, org_a.schema_name)


@pytest.mark.worker
def test_the_next_task_of_the_same_organization_needs_no_set_search_path(
    celery_worker_process, committed_db, org_a
):
    token = uuid.uuid4().hex
    try:
        with schema_context(org_a.schema_name):
            record_search_path.delay(token)
        assert len(_wait_for_traces(org_a.schema_name, token, count=1)) == 1
        with schema_context(org_a.schema_name):
            record_search_path.delay(token)
        traces = _wait_for_traces(org_a.schema_name, token, count=2)
        assert len(traces) == 2
        # The second task (the worker has one process) found the path its predecessor set.
        assert any(name.split(":")[2] == "True" for name in traces), traces
    finally:
        _cleanup(token, org_a.schema_name)


@pytest.mark.django_db
def test_a_task_applied_eagerly_hands_the_connection_back_in_its_schema(org_a):
    from django.db import connection

    with schema_context(org_a.schema_name):
        record_schema.apply(args=("eager-probe",), headers={"_schema_name": org_a.schema_name})
        Group.objects.filter(name__startswith="probe:eager-probe:").delete()
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    record_schema.apply(args=("eager-probe",), headers={"_schema_name": org_a.schema_name})
    assert connection.schema_name == "public"  # type: ignore[attr-defined]
    with schema_context(org_a.schema_name):
        assert Group.objects.filter(name__startswith="probe:eager-probe:").exists()


@pytest.mark.worker
def test_beat_fan_out_reaches_every_ready_organization_and_not_the_template(
    celery_worker_process, committed_db, org_a, org_b
):
    token = uuid.uuid4().hex
    schemas = (org_a.schema_name, org_b.schema_name, settings.TENANT_BASE_SCHEMA, "public")
    try:
        # Beat sends from the public schema; the fan-out task is the only one allowed there.
        sent = for_each_organization.apply(args=("portal.tests.celery_probe.record_schema", token)).get()
        assert sent == 2
        for schema in (org_a.schema_name, org_b.schema_name):
            traces = _wait_for_traces(schema, token)
            assert [t.split(":")[2] for t in traces] == [schema]
        assert _wait_for_traces(settings.TENANT_BASE_SCHEMA, token, timeout=0) == []
    finally:
        _cleanup(token, *schemas)


@pytest.mark.worker
def test_tenant_task_arriving_without_a_tenant_fails_loudly(celery_worker_process, committed_db):
    token = uuid.uuid4().hex
    # Bypass the send-side guard, as a hand-written or foreign producer might.
    result = app.send_task(
        "portal.tests.celery_probe.record_schema", args=[token], headers={"_schema_name": "public"}
    )
    deadline = time.monotonic() + 30
    while (
        result.id not in celery_worker_process.log()
        or "TenantRequiredError" not in celery_worker_process.log()
    ):
        assert time.monotonic() < deadline, celery_worker_process.log()
        time.sleep(0.05)
    assert "refusing to run it in the public schema" in celery_worker_process.log()
    assert not Group.objects.filter(name__startswith=f"probe:{token}:").exists()


def test_tenant_task_cannot_be_sent_from_the_public_schema():
    with pytest.raises(TenantRequiredError, match="must be sent from inside an organization"):
        record_schema.delay("never-sent")


@pytest.mark.django_db
def test_tenant_task_run_in_public_schema_is_refused():
    result = record_schema.apply(args=("never-run",))
    assert isinstance(result.result, TenantRequiredError)


def test_reliability_settings():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_serializer == "json"
    assert conf.CELERY_DB_REUSE_MAX and conf.CELERY_DB_REUSE_MAX > 0
    assert conf.task_tenant_cache_seconds > 0
    visibility = conf.broker_transport_options["visibility_timeout"]
    assert visibility > settings.CELERY_MAX_TASK_DELAY > conf.task_time_limit
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] > 0
    assert settings.TENANT_LIMIT_SET_CALLS is True


@pytest.mark.worker
def test_worker_recovers_when_the_database_drops_its_connection(celery_worker_process, committed_db, org_a):
    """A connection the server ended (restart, failover) is replaced before the next task,
    not reused until Celery's reuse count runs out (each task would fail until then)."""
    from django.db import connection

    token = uuid.uuid4().hex
    try:
        with schema_context(org_a.schema_name):
            record_schema.delay(token)
        (first,) = _wait_for_traces(org_a.schema_name, token)
        with connection.cursor() as cursor:
            # Waits (up to 5 s) until the backend has gone.
            cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [int(first.split(":")[3])])
            assert cursor.fetchone() == (True,)
        with schema_context(org_a.schema_name):
            record_schema.delay(token)
        traces = _wait_for_traces(org_a.schema_name, token, count=2)
        assert len(traces) == 2, "the task after the dropped connection failed"
        assert traces[0].split(":")[3] != traces[1].split(":")[3]
    finally:
        _cleanup(token, org_a.schema_name)


@pytest.mark.django_db
def test_beat_runs_every_periodic_job_through_the_due_work_index():
    schedule: dict[str, dict[str, Any]] = settings.CELERY_BEAT_SCHEDULE
    jobs = {entry["args"][1]: entry for entry in schedule.values() if entry.get("args")}
    for task, kind, every in (
        ("verification.tasks.attempts_sweep", Kind.ATTEMPTS, 30),
        ("verification.tasks.snapshot_take_task", Kind.SNAPSHOT, 60 * 60),
        ("verification.tasks.reminders_plan_task", Kind.REMINDERS, 15 * 60),
        ("verification.tasks.retention_sweep_task", Kind.RETENTION, 6 * 60 * 60),
        ("verification.tasks.sessions_clear_expired", Kind.SESSIONS, 6 * 60 * 60),
        ("verification.tasks.import_jobs_expire_task", Kind.IMPORTS, 60 * 60),
    ):
        assert jobs[task]["task"] == "tenants.tasks.for_each_due_organization"
        assert jobs[task]["args"][0] == kind
        assert jobs[task]["schedule"] == every
    # Every kind has its job, and the safety net runs too.
    assert {entry["args"][0] for entry in jobs.values()} == set(Kind)
    assert any(entry["task"] == "tenants.tasks.due_work_rebuild_task" for entry in schedule.values())
