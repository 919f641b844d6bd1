"""Thousands of organizations on one database (issue 14): sign-up stays flat, beat follows the
work, migrations skip what is current, and what the catalog and a web worker cost.

``python -m bench orgs`` (``ORGS_N=200`` for a quick run; default 2,000;
``ORGS_PROVISION_BUDGET_S`` stops provisioning after that many seconds and measures there).
It provisions N organizations through the real sign-up service, measures at N = 100 and at
N, and removes every organization it made (a killed run's leftovers are removed
first, and by ``python -m bench --remove-leftovers``).

- ``orgs_signup_{first,last}100_p95_ms``: per-organization time of ``organization_create``.
- ``beat_tasks_per_min_*``: one run of every periodic job of ``CELERY_BEAT_SCHEDULE``, sent for
  real to a queue of the bench's own (then deleted), weighted by runs per minute; the fan-out
  tasks themselves count. Idle = every organization has taken today's snapshot (its first
  hourly visit) and has nothing else; busy = 20 of them each have a verification whose
  broker message was lost. The baseline is the old fan-out (every job into every organization).
- ``migrate_noop_*``: ``migrate_schemas --tenant`` with nothing to apply. Sequential is
  django-tenants' own executor over ``ORGS_SEQUENTIAL_SAMPLE`` schemas (default 100), scaled to
  all schemas (it costs the same per schema; running it on 2,000 takes many minutes); parallel
  is ``--executor=multiprocessing`` (tenants/migrating.py) over all of them. Then one migration
  to apply everywhere (a recorded no-op forgotten in every bench schema).
- ``catalog_mb_*``: size of pg_catalog; ``web_rss_mb_*``: a gunicorn worker's RSS after it
  served the sign-in page of every organization.
"""

from __future__ import annotations

import os
import secrets
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from django.conf import settings
from django.core.management import load_command_class
from django.db import connection
from django.utils import timezone
from django_tenants.migration_executors.standard import StandardExecutor

import tenants.tasks as platform_tasks
from bench import Figure
from bench.server import web_server
from bench.throwaway import leftovers, new_slug, organization_create_for_bench, organization_remove
from tenants.duework import Kind, due_work_rebuild, due_work_settle
from tenants.migrating import SkippingParallelExecutor
from tenants.models import Organization
from tenants.selectors import organization_list_ready
from tenants.validators import domain_for

DEFAULT_N = 2000
FIRST = 100
BUSY = 20


def _say(message: str) -> None:
    print(f"bench orgs: {message}", file=sys.stderr, flush=True)


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


# --- sign-up --------------------------------------------------------------------------------


def provision(slugs: list[str], count: int, times: list[float], *, until: float = float("inf")) -> None:
    """Sign up ``count`` more organizations, appending their slugs and per-organization times;
    stop early once ``time.monotonic()`` passes ``until``."""
    for _ in range(count):
        if time.monotonic() > until:
            _say(f"provisioning budget spent at {len(slugs)} organizations")
            return
        slug = new_slug()
        slugs.append(slug)  # before: a failure half-way still gets it removed
        started = time.perf_counter()
        organization = organization_create_for_bench(slug)
        times.append(time.perf_counter() - started)
        # Its first hourly visit takes today's snapshot: after that the organization is idle.
        with organization:
            _snapshot_visit()
        if len(slugs) % 100 == 0:
            _say(f"{len(slugs)} organizations")


def _snapshot_visit() -> None:
    from verification.dashboard.services import snapshot_take

    snapshot_take()
    due_work_settle(kind=Kind.SNAPSHOT)


# --- beat -----------------------------------------------------------------------------------


def _runs_per_minute(schedule: Any) -> float:
    if isinstance(schedule, int | float):
        return 60.0 / schedule
    return 1.0 / (24 * 60)  # the nightly crontab


def beat_tasks_per_minute() -> float:
    """One run of every periodic job, for real (into a throw-away queue), per minute."""
    from portal.celery import app

    queue = f"tika-bench-orgs-{secrets.token_hex(4)}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    total = 0.0
    try:
        schedule: dict[str, dict[str, Any]] = settings.CELERY_BEAT_SCHEDULE
        for entry in schedule.values():
            if entry["task"] != "tenants.tasks.due_work_rebuild_task":  # in-process: sends nothing
                task = getattr(platform_tasks, entry["task"].rsplit(".", 1)[1])
                reported = int(task.run(*entry.get("args", ())))
                with app.connection_for_write() as conn:
                    channel: Any = conn.default_channel  # kombu's Redis channel
                    queued = int(channel.client.llen(queue))
                    channel.queue_purge(queue)
                if queued != reported:
                    raise RuntimeError(f"{entry['task']} said {reported} tasks, the queue holds {queued}")
            else:
                queued = 0
            total += _runs_per_minute(entry["schedule"]) * (1 + queued)
    finally:
        app.conf.task_default_queue = previous
        with app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)  # type: ignore[attr-defined]
    return total


def old_fanout_tasks_per_minute(organizations: int) -> float:
    """What beat sent before the index: every periodic job into every organization."""
    return sum(
        _runs_per_minute(entry["schedule"]) * (1 + organizations)
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] != "tenants.tasks.due_work_rebuild_task"
    )


def make_busy(slugs: list[str]) -> None:
    """A verification under way in each, whose message the broker lost (the sweep's work)."""
    from verification.consent.services import consent_give
    from verification.employees.services import employee_create
    from verification.invitations.services import invitation_create
    from verification.models import VerificationAttempt

    past = timezone.now() - timedelta(seconds=settings.VERIFICATION_SWEEP_GRACE_S + 5)
    for slug in slugs:
        with Organization.objects.get(slug=slug):
            employee = employee_create(code="B-1", full_name="Busy Person", email="busy@x.example")
            invitation = invitation_create(employee=employee)
            given = consent_give(invitation=invitation, language="en", ip=None, user_agent="bench")
            VerificationAttempt.objects.create(
                employee=employee, consent=given, full_name="Busy Person", next_action_at=past
            )


# --- migrations -----------------------------------------------------------------------------


def _migrate_options() -> tuple[Any, dict[str, Any]]:
    command = load_command_class("django_tenants", "migrate_schemas")
    parser = command.create_parser("manage.py", "migrate_schemas")
    options = vars(parser.parse_args(["--tenant", "--noinput", "--verbosity", "0"]))
    return options.pop("args", ()), options


def _schemas() -> list[str]:
    return list(
        Organization.objects.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME).values_list(
            "schema_name", flat=True
        )
    )


def migrate_seconds(executor: type, schemas: list[str]) -> float:
    args, options = _migrate_options()
    started = time.perf_counter()
    executor(args, options).run_migrations(tenants=list(schemas))
    connection.close()  # the pool's children used their own; start the next step afresh
    return time.perf_counter() - started


def forget_one_migration(slugs: list[str]) -> None:
    """Make one migration pending in every bench schema: the tenants app's latest, which in a
    tenant schema only records itself (tenants is a public app)."""
    from tenants.schemas import _migrations_on_disk

    latest = max(key for key in _migrations_on_disk() if key[0] == "tenants")
    with connection.cursor() as cursor:
        for schema in Organization.objects.filter(slug__in=slugs).values_list("schema_name", flat=True):
            cursor.execute(
                f'DELETE FROM "{schema}".django_migrations WHERE app = %s AND name = %s',
                list(latest),
            )


# --- catalog and web worker -----------------------------------------------------------------


def catalog_mb() -> float:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'pg_catalog'"
        )
        return float(cursor.fetchone()[0]) / 1e6


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no RSS for {pid}")


def web_rss_mb(slugs: list[str]) -> float:
    """RSS of one gunicorn worker after serving the sign-in page of every organization."""
    with web_server(workers=1) as server:
        children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()
        worker = int(children[0])
        with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30) as client:
            for slug in slugs:
                response = client.get(
                    "/accounts/login/", headers={"Host": f"{domain_for(slug)}:{server.port}"}
                )
                response.raise_for_status()
        return _rss_mb(worker)


# --- the topic ------------------------------------------------------------------------------


class _Results(dict[str, float]):
    """Each number is printed as soon as it is measured (a long run stopped early keeps them)."""

    def __setitem__(self, key: str, value: float) -> None:
        _say(f"{key} = {value:.3f}")
        super().__setitem__(key, value)


def _measure_at(label: str, slugs: list[str], results: dict[str, float]) -> None:
    _say(f"measuring at N = {len(slugs)}")
    results[f"catalog_mb_{label}"] = catalog_mb()
    results[f"web_rss_mb_{label}"] = web_rss_mb(slugs)
    results[f"beat_tasks_per_min_idle_{label}"] = beat_tasks_per_minute()


def run() -> list[Figure]:
    n = int(os.environ.get("ORGS_N", DEFAULT_N))
    # On a crowded machine sign-up can be several times slower than usual: with a budget the
    # run measures at however many organizations it provisioned in that time (orgs_n says).
    budget = float(os.environ.get("ORGS_PROVISION_BUDGET_S", "inf"))
    sample = int(os.environ.get("ORGS_SEQUENTIAL_SAMPLE", 100))
    # Applying one migration to every schema is the longest phase at thousands (about 25 min
    # at 2,000 on a busy 2-core VM); ORGS_MIGRATE_ONE_NEW=0 leaves it (and its figure) out.
    one_new = os.environ.get("ORGS_MIGRATE_ONE_NEW", "1") != "0"
    if n < FIRST + BUSY:
        raise SystemExit(f"bench orgs: ORGS_N must be at least {FIRST + BUSY}")
    for slug in leftovers():
        _say(f"removing leftover {slug}")
        organization_remove(slug)
    others = organization_list_ready().count()
    slugs: list[str] = []
    times: list[float] = []
    results = _Results()
    try:
        provision(slugs, FIRST, times)
        results["orgs_signup_first100_p95_ms"] = _p95(times) * 1000
        _measure_at("100", slugs, results)
        provision(slugs, n - FIRST, times, until=time.monotonic() + budget)
        n = len(slugs)
        results["orgs_signup_last100_p95_ms"] = _p95(times[-FIRST:]) * 1000
        _measure_at("n", slugs, results)
        rebuilt = slugs[:sample]
        started = time.perf_counter()
        due_work_rebuild(organizations=Organization.objects.filter(slug__in=rebuilt))
        results["due_work_rebuild_per_org_ms"] = (time.perf_counter() - started) / len(rebuilt) * 1000

        make_busy(slugs[-BUSY:])
        results["beat_tasks_per_min_busy20_n"] = beat_tasks_per_minute()

        schemas = _schemas()
        _say(f"migrate_schemas, nothing to apply, over {len(schemas)} schemas")
        results["migrate_noop_parallel_s"] = migrate_seconds(SkippingParallelExecutor, schemas)
        sampled = schemas[:sample]
        per_schema = migrate_seconds(StandardExecutor, sampled) / len(sampled)
        results["migrate_noop_sequential_s"] = per_schema * len(schemas)
        if one_new:
            forget_one_migration(slugs)
            results["migrate_one_new_parallel_s"] = migrate_seconds(SkippingParallelExecutor, schemas)
    finally:
        _say(f"removing {len(slugs)} organizations")
        for slug in slugs:
            organization_remove(slug)

    first, last = times[:FIRST], times[-FIRST:]
    old_n = old_fanout_tasks_per_minute(n + others)
    figures = [
        Figure("orgs_n", n, "orgs", "higher", note=f"plus {others} organizations already in the database"),
        Figure(
            "orgs_signup_last100_p95_ms",
            _p95(last) * 1000,
            "ms",
            "lower",
            baseline=Figure("orgs_signup_first100_p95_ms", _p95(first) * 1000, "ms", "lower"),
            note=f"p50 first {statistics.median(first) * 1000:.0f} ms, "
            f"last {statistics.median(last) * 1000:.0f} ms (goal: last within 1.3x of first)",
        ),
        Figure(
            "beat_tasks_per_min_idle_n",
            results["beat_tasks_per_min_idle_n"],
            "tasks/min",
            "lower",
            baseline=Figure("beat_tasks_per_min_oldfanout_n", old_n, "tasks/min", "lower"),
            note=f"at N = 100: {results['beat_tasks_per_min_idle_100']:.1f}/min (old fan-out "
            f"{old_fanout_tasks_per_minute(FIRST + others):.0f}/min)",
        ),
        Figure("beat_tasks_per_min_idle_100", results["beat_tasks_per_min_idle_100"], "tasks/min", "lower"),
        Figure(
            "beat_tasks_per_min_busy20_n",
            results["beat_tasks_per_min_busy20_n"],
            "tasks/min",
            "lower",
            note=f"{BUSY} of {n} busy: proportional to the busy ones plus a constant",
        ),
        Figure(
            "migrate_noop_parallel_s",
            results["migrate_noop_parallel_s"],
            "s",
            "lower",
            baseline=Figure(
                "migrate_noop_sequential_s",
                results["migrate_noop_sequential_s"],
                "s",
                "lower",
                note=f"django-tenants' standard executor over {len(sampled)} schemas, "
                f"scaled to {len(schemas)} ({per_schema * 1000:.0f} ms a schema)",
            ),
            note=f"{len(schemas)} schemas, {settings.TENANT_MULTIPROCESSING_MAX_PROCESSES} processes",
        ),
        *(
            [
                Figure(
                    "migrate_one_new_parallel_s",
                    results["migrate_one_new_parallel_s"],
                    "s",
                    "lower",
                    note=f"one migration pending in {n} schemas",
                )
            ]
            if one_new
            else []
        ),
        Figure(
            "catalog_mb_n",
            results["catalog_mb_n"],
            "MB",
            "lower",
            baseline=Figure("catalog_mb_100", results["catalog_mb_100"], "MB", "lower"),
        ),
        Figure(
            "web_rss_mb_n",
            results["web_rss_mb_n"],
            "MB",
            "lower",
            baseline=Figure("web_rss_mb_100", results["web_rss_mb_100"], "MB", "lower"),
            note="one gunicorn worker after the sign-in page of every organization",
        ),
        Figure(
            "due_work_rebuild_per_org_ms",
            results["due_work_rebuild_per_org_ms"],
            "ms",
            "lower",
            note=f"the nightly safety net, over {len(rebuilt)} organizations in one process",
        ),
    ]
    return figures
