"""Tasks run by the benchmark's own Celery worker (loaded with ``--include bench.queue_tasks``).

``BENCH_TENANT_CACHE_SECONDS`` in the worker's environment overrides the project's
``CELERY_TASK_TENANT_CACHE_SECONDS`` for these tasks only (``0``: look the organization up
before every task, tenant-schemas-celery's default); unset, the project setting applies.
"""

from __future__ import annotations

import os

from celery import shared_task
from django.db import connection

from portal.celery import TikaTask

#: The table ``bench.queue`` creates in the bench organization's schema.
COUNTER_TABLE = "bench_counter"


def _tenant_cache_seconds() -> int | None:
    value = os.environ.get("BENCH_TENANT_CACHE_SECONDS", "")
    return int(value) if value else None


@shared_task(base=TikaTask, tenant_cache_seconds=_tenant_cache_seconds())
def counter_bump(pk: int) -> None:
    """One SELECT and one UPDATE of a row in the current organization's schema."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT hits FROM {COUNTER_TABLE} WHERE id = %s", [pk])
        (hits,) = cursor.fetchone()
        cursor.execute(f"UPDATE {COUNTER_TABLE} SET hits = %s WHERE id = %s", [hits + 1, pk])
