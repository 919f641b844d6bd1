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

That run is a burst: all 200 OTPs arrive within about a second, so its latency is mostly the
time to drain the queue. Then, open loop, as employees really arrive: another batch (same
organization, worker and sandbox), whose OTPs are submitted at a steady Poisson rate, by a
thread of their own, each at its time whatever the pipeline is doing (``STEADY``: 80
employees at 5/s, then 160 at 20/s, each batch made just before its run); the database is polled as above.

* ``verify_steady5_p95_ms`` / ``verify_steady20_p95_ms``: submit -> status visible, 95th
  percentile, at 5 and 20 submissions a second (p50 in the note). Goal: 500 ms at 20/s.

The provider's quota (``KYCVS_RATE_LIMIT``), the sandbox's own rate limit and the per-employee
OTP limit are raised for the server, the worker and this process; the sandbox and the rate
limits use Redis key prefixes of this run, so development data is untouched.
"""

from __future__ import annotations

import random
import secrets
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection
from django.test.utils import override_settings
from django_tenants.utils import tenant_context

from bench import Figure
from bench.pipeline import (
    Batch,
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
from verification.attempts.steps import attempt_submit_otp
from verification.models import VerificationAttempt

EMPLOYEES = 200
CONCURRENCY = 4
BASELINE_TASKS = 2000
TIMEOUT_S = 300
#: (submissions a second, how many): 5/s for about 16 s, 20/s for about 8 s.
STEADY = ((5.0, 80), (20.0, 160))
STEADY_SEED = 15  # the same arrival times in every run


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


def submit_at_rate(
    batch: Batch, otps: dict[str, str], rate_per_s: float
) -> tuple[threading.Thread, list[BaseException]]:
    """Submit each attempt's OTP of ``batch`` at Poisson arrival times of ``rate_per_s``, in a
    thread (open loop: an arrival never waits for an earlier one to end). Returns the started
    thread and the list its error (if any) lands in."""
    rng = random.Random(STEADY_SEED + int(rate_per_s))  # noqa: S311 (arrival times, not secrets)
    gaps = [rng.expovariate(rate_per_s) for _ in batch.ids]
    with tenant_context(batch.organization):
        attempts = {a.pk: a for a in VerificationAttempt.objects.filter(pk__in=batch.ids)}
    errors: list[BaseException] = []

    def submitter() -> None:
        try:
            with tenant_context(batch.organization):
                due = time.perf_counter()
                for pk, gap in zip(batch.ids, gaps, strict=True):
                    due += gap
                    time.sleep(max(0.0, due - time.perf_counter()))
                    batch.submitted[pk] = time.perf_counter()
                    attempt_submit_otp(attempt=attempts[pk], otp=otps[batch.mobiles[pk]], ip="127.0.0.1")
        except BaseException as exc:  # re-raised by the caller through ``errors``
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=submitter, name=f"submit-{rate_per_s:g}/s", daemon=True)
    thread.start()
    return thread, errors


def steady_run(
    batch: Batch, otps: dict[str, str], rate_per_s: float, check: Callable[[], None]
) -> list[float]:
    """Latencies (ms, submit -> status visible) of ``batch`` submitted at ``rate_per_s``."""
    thread, errors = submit_at_rate(batch, otps, rate_per_s)
    ended = wait_terminal(batch, timeout=TIMEOUT_S, check=check)
    thread.join(TIMEOUT_S)
    if errors:
        raise RuntimeError(f"submitting at {rate_per_s:g}/s failed") from errors[0]
    states = batch.states()
    verified = sum(state == State.VERIFIED for state in states.values())
    if not ended or verified != len(batch.ids):
        raise RuntimeError(f"at {rate_per_s:g}/s: {verified} of {len(batch.ids)} verified ({states})")
    return [(batch.ended[pk] - batch.submitted[pk]) * 1000 for pk in batch.ids]


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
            # Open loop: a batch per rate, made just before its run (its OTPs live 3 minutes),
            # numbered after the ones before it.
            steady_ms, first = {}, EMPLOYEES
            for rate, count in STEADY:
                steady = batch_start(organization, count, first=first)
                first += count
                wait_until(lambda: otps_sent(steady), timeout=TIMEOUT_S, what="OTPs sent", check=worker.check)  # noqa: B023
                steady_ms[rate] = steady_run(steady, sandbox.otps(), rate, worker.check)
            steady_stats = sandbox.stats()
        finally:
            sandbox.reset()  # the run's sandbox keys (inbox, transactions) go
    verified = [pk for pk, state in states.items() if state == State.VERIFIED]
    if len(verified) != EMPLOYEES or stats["repeat_confirms"] or steady_stats["repeat_confirms"]:
        raise RuntimeError(f"{len(verified)} of {EMPLOYEES} verified, sandbox stats {steady_stats}")
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
            note="burst (all submitted at once): OTP submit -> status visible (database polled every 25 ms)",
        ),
        *(
            Figure(
                f"verify_steady{rate:g}_p95_ms",
                percentile(values, 0.95),
                "ms",
                "lower",
                note=(
                    f"open loop, Poisson {rate:g}/s, {len(values)} employees: submit -> status visible; "
                    f"p50 {percentile(values, 0.50):.0f} ms, max {max(values):.0f} ms; goal at 20/s <= 500 ms"
                ),
            )
            for rate, values in steady_ms.items()
        ),
    ]
