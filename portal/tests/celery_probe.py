"""Tasks used only by the test-suite's real worker (loaded with `celery worker --include`)."""

from __future__ import annotations

import uuid

from celery import shared_task
from django.contrib.auth.models import Group
from django.db import connection


@shared_task
def record_schema(token: str) -> None:
    """Leave a trace of where this task ran: schema and database backend process id."""
    with connection.cursor() as cursor:  # a cursor: the connection's health check runs first
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    schema = connection.schema_name  # type: ignore[attr-defined]
    Group.objects.create(name=f"probe:{token}:{schema}:{pid}:{uuid.uuid4().hex[:8]}")


@shared_task
def record_search_path(token: str) -> None:
    """Leave a trace of whether this task found its organization's search path already set on
    the connection (then its queries need no ``SET search_path`` first)."""
    kept = bool(connection.search_path_set_schemas)  # type: ignore[attr-defined]
    Group.objects.create(name=f"probe:{token}:{kept}:{uuid.uuid4().hex[:8]}")


@shared_task(tenant_required=False)  # type: ignore[call-overload]
def log_line(text: str) -> None:
    """Write ``text`` to the worker's log, as a task's own logger would."""
    import logging

    logging.getLogger("verification.tasks").warning("probe says %s", text)


@shared_task
def current_time_zone() -> str:
    """The time zone a task's work is shown in (the organization's)."""
    from django.utils import timezone

    return timezone.get_current_timezone_name()
