"""Verification pipeline: OTP submit -> status visible, through real workers and the sandbox.

Set-up, off the clock: a web server (gunicorn, ``bench.server``) serving the project and its
CoWIN sandbox, one real worker (prefork x``CONCURRENCY``) calling that sandbox, a bench
organization with ``EMPLOYEES`` consenting employees whose OTPs were requested through
``attempt_start`` and have reached the sandbox's SMS inbox (``bench.pipeline``).

On the clock: every OTP is submitted through ``attempt_submit_otp`` (what the employee's OTP
page does), one after the other; the worker confirms it with the sandbox, fetches and checks
the signed status and records it (one status record, the employee's vaccination_status, and a
receipt e-mail queued). The database is polled every 25 ms for attempts that have ended.

* ``verify_throughput_per_s``: EMPLOYEES / (last status visible - first submit).
* ``verify_latency_p50_ms`` / ``_p95_ms``: per attempt, its submit until its status was seen.
* baseline ``verify_queue_ceiling_tasks_per_s``: ``bench.queue``'s counter bumps (one SELECT
  and one UPDATE per task) through the same worker, in the same run: the most the queue
  could carry, whatever a task does.

The provider's quota (``KYCVS_RATE_LIMIT``), the sandbox's own rate limit and the per-employee
OTP limit are raised for the server, the worker and this process; the sandbox and the rate
limits use Redis key prefixes of this run, so development data is untouched.
"""

from __future__ import annotations

import secrets
import statistics
from collections.abc import Iterator
from contextlib import contextmanager

from django.test.utils import override_settings

from bench import Figure
from bench.pipeline import (
    SandboxControl,
    State,
    batch_start,
    otps_sent,
    otps_submit,
    wait_terminal,
    wait_until,
)
from bench.queue import bumps_per_second
from bench.server import web_server
from bench.throwaway import bench_organization
from bench.worker import celery_worker

EMPLOYEES = 200
CONCURRENCY = 4
BASELINE_TASKS = 2000
TIMEOUT_S = 300


def bench_env(run: str) -> dict[str, str]:
    """Limits lifted and Redis prefixes of this run, for the server, the workers and us."""
    return {
        "KYCVS_RATE_LIMIT": "1000000/minute",
        "KYCVS_SANDBOX_RATE_LIMIT": "1000000/60",
        "EMPLOYEE_OTP_SENDS_RATE": "1000/hour",
        "KYCVS_SANDBOX_REDIS_PREFIX": f"kycvs-sandbox-bench-{run}",
        "RATE_LIMIT_PREFIX": f"tika-rl-bench-{run}",
    }


@contextmanager
def default_queue(queue: str) -> Iterator[None]:
    """Send this process's tasks (the services' ``.delay()``) to ``queue`` for the block."""
    from portal.celery import app

    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        yield
    finally:
        app.conf.task_default_queue = previous


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def run() -> list[Figure]:
    env = bench_env(secrets.token_hex(4))
    harness = {
        "RATE_LIMIT_PREFIX": env["RATE_LIMIT_PREFIX"],
        "EMPLOYEE_OTP_SENDS_RATE": env["EMPLOYEE_OTP_SENDS_RATE"],
    }
    with (
        bench_organization() as organization,
        web_server(workers=4, env=env) as server,
        celery_worker(
            include="bench.queue_tasks", concurrency=CONCURRENCY, env={**server.env, "DEBUG": "false"}
        ) as worker,
        override_settings(**harness),
        default_queue(worker.queue),
    ):
        ceiling = bumps_per_second(organization.schema_name, worker, BASELINE_TASKS)
        sandbox = SandboxControl(server)
        sandbox.reset()
        try:
            batch = batch_start(organization, EMPLOYEES)
            wait_until(lambda: otps_sent(batch), timeout=TIMEOUT_S, what="OTPs sent", check=worker.check)
            otps_submit(batch, sandbox.otps())
            if not wait_terminal(batch, timeout=TIMEOUT_S, check=worker.check):
                raise RuntimeError(f"not every verification ended in {TIMEOUT_S} s:\n{worker.log_tail()}")
            stats = sandbox.stats()
            states = batch.states()
        finally:
            sandbox.reset()  # the run's sandbox keys (inbox, transactions) go
    verified = [pk for pk, state in states.items() if state == State.VERIFIED]
    if len(verified) != EMPLOYEES or stats["repeat_confirms"]:
        raise RuntimeError(f"{len(verified)} of {EMPLOYEES} verified, sandbox stats {stats}")
    elapsed = max(batch.ended.values()) - min(batch.submitted.values())
    latencies_ms = [(batch.ended[pk] - batch.submitted[pk]) * 1000 for pk in batch.ids]
    note = (
        f"{EMPLOYEES} employees, prefork x{CONCURRENCY}, gunicorn x4 serving the sandbox; "
        "provider quota, sandbox rate limit and per-employee OTP limit raised by env "
        "(KYCVS_RATE_LIMIT, KYCVS_SANDBOX_RATE_LIMIT, EMPLOYEE_OTP_SENDS_RATE)"
    )
    baseline = Figure(
        "verify_queue_ceiling_tasks_per_s",
        ceiling,
        "tasks/s",
        "higher",
        note=f"{BASELINE_TASKS} counter bumps (SELECT+UPDATE) through the same worker",
    )
    return [
        Figure("verify_throughput_per_s", EMPLOYEES / elapsed, "verifications/s", "higher", baseline, note),
        Figure("verify_latency_p50_ms", percentile(latencies_ms, 0.50), "ms", "lower"),
        Figure(
            "verify_latency_p95_ms",
            percentile(latencies_ms, 0.95),
            "ms",
            "lower",
            note="OTP submit -> status visible in the database (polled every 25 ms)",
        ),
    ]
