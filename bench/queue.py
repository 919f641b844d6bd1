"""Queue ceiling: tenant tasks per second through a real Celery worker, per connection setup.

Each task selects one row of a small table in a bench organization's schema and updates it
(``bench.queue_tasks.counter_bump``), one row per task. The clock runs from the first send
until every row shows its update. The worker is a real ``celery -A portal worker`` subprocess
(prefork, concurrency 2) on a queue of its own, warmed up with a few tasks first. The two
configurations alternate for ``ROUNDS`` rounds and each keeps its best round.

* ``queue_baseline_tasks_per_s``: the project's settings (``CELERY_DB_REUSE_MAX``,
  ``CONN_MAX_AGE``, the tenant cache).
* ``queue_defaults_tasks_per_s``: the same with Celery's and tenant-schemas-celery's defaults
  for those three: connections closed around every task, the organization looked up for every
  task. Everything else (acks_late, prefetch 1, ...) is the project's in both.
"""

from __future__ import annotations

import time

from django.db import connection
from django_tenants.utils import schema_context

from bench import Figure
from bench.queue_tasks import COUNTER_TABLE, counter_bump
from bench.throwaway import bench_organization
from bench.worker import Worker, celery_worker

TASKS = 2000
WARMUP_TASKS = 20
CONCURRENCY = 2
ROUNDS = 2
TIMEOUT_S = 600

#: Worker environment per configuration: the project's settings, and Celery's defaults for
#: the connection reuse and tenant-schemas-celery's for the tenant cache.
CONFIGURATIONS: dict[str, dict[str, str]] = {
    "project": {},
    "defaults": {"CELERY_DB_REUSE_MAX": "0", "CONN_MAX_AGE": "0", "BENCH_TENANT_CACHE_SECONDS": "0"},
}


def _table(schema: str) -> str:
    return f"{connection.ops.quote_name(schema)}.{COUNTER_TABLE}"


def _rows_reset(schema: str, count: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {_table(schema)} "
            "(id integer PRIMARY KEY, hits integer NOT NULL DEFAULT 0)"
        )
        cursor.execute(f"TRUNCATE {_table(schema)}")
        cursor.execute(f"INSERT INTO {_table(schema)} (id) SELECT generate_series(1, %s)", [count])


def _rows_done(schema: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {_table(schema)} WHERE hits > 0")
        (done,) = cursor.fetchone()
    return int(done)


def _send(schema: str, worker: Worker, pks: range) -> None:
    with schema_context(schema):  # the schema travels in the message headers
        for pk in pks:
            counter_bump.apply_async((pk,), queue=worker.queue)


def tasks_per_second(schema: str, env: dict[str, str], tasks: int = TASKS) -> float:
    """Throughput of ``tasks`` counter bumps in ``schema`` through a worker started with ``env``."""
    with celery_worker(include="bench.queue_tasks", concurrency=CONCURRENCY, env=env) as worker:
        return bumps_per_second(schema, worker, tasks)


def bumps_per_second(schema: str, worker: Worker, tasks: int = TASKS) -> float:
    """Throughput of ``tasks`` counter bumps in ``schema`` through a running ``worker``.

    The worker must have been started with ``include="bench.queue_tasks"``. A few warm-up
    tasks run first, off the clock (they also show the worker is ready).
    """
    total = WARMUP_TASKS + tasks
    _rows_reset(schema, total)
    _send(schema, worker, range(1, WARMUP_TASKS + 1))
    worker.wait_until(lambda: _rows_done(schema) >= WARMUP_TASKS, timeout=120, what="warm-up")
    started = time.perf_counter()
    _send(schema, worker, range(WARMUP_TASKS + 1, total + 1))
    worker.wait_until(lambda: _rows_done(schema) >= total, timeout=TIMEOUT_S, what=f"{tasks} tasks")
    return tasks / (time.perf_counter() - started)


def run() -> list[Figure]:
    rates: dict[str, list[float]] = {name: [] for name in CONFIGURATIONS}
    with bench_organization() as organization:
        # Alternate the configurations; keep the best round of each, the ceiling (whatever
        # else runs on the machine can only slow a round down).
        for _ in range(ROUNDS):
            for name, env in CONFIGURATIONS.items():
                rates[name].append(tasks_per_second(organization.schema_name, env))
    note = f"{TASKS} tasks, prefork x{CONCURRENCY}, best of {ROUNDS}"
    defaults = Figure(
        "queue_defaults_tasks_per_s",
        max(rates["defaults"]),
        "tasks/s",
        "higher",
        note=f"{note}, Celery defaults",
    )
    return [
        Figure(
            "queue_baseline_tasks_per_s",
            max(rates["project"]),
            "tasks/s",
            "higher",
            baseline=defaults,
            note=f"{note}, project settings",
        )
    ]
