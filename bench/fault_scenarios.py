"""The scenarios of ``make faults`` (``bench.faults`` sets up the environment and runs these).

Every scenario: reset the sandbox, make a fresh bench organization, set the sandbox faults of
the scenario, start N verifications (``bench.pipeline``), submit every OTP that arrived, and
provoke the scenario's fault when a given share of the attempts has ended (so that confirms
are in flight). Then wait until every attempt has ended, or ``SCENARIO_TIMEOUT_S`` passed
(what has not ended then is "stuck"), and count.

How each fault is provoked:

* ``kill9_worker``: SIGKILL to the worker's whole process group (main process and pool)
  while confirms are in flight (the sandbox answers after 200 ms); a new worker is started on
  the same queue.
* ``redis_flush``: FLUSHALL on our Redis (queue, unacked messages, bindings, rate limits).
* ``redis_restart``: our redis-server killed, started again empty on the same port 2 s later.
* ``sandbox_5xx``: 30% of the sandbox's answers are 503, from the first OTP request on.
* ``sandbox_timeouts``: 20% of its answers take 3 s, longer than the client's read timeout
  (``KYCVS_TIMEOUT_S`` = 1.5 s), and then are a 504; the call did nothing at the provider.
* ``sandbox_429_burst``: the next 20 answers are 429 (during the OTP requests), and a second
  burst of 40 once confirms run.
* ``db_connection_dropped``: ``pg_terminate_backend`` on every database connection of the
  workers (found by their ``application_name``, set through ``PGAPPNAME``), three times.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection
from django_tenants.utils import tenant_context

from bench.faults import PrivateRedis
from bench.pipeline import (
    Batch,
    SandboxControl,
    batch_start,
    otps_sent,
    otps_submit,
    outcome,
    wait_terminal,
    wait_until,
)
from bench.server import Server, web_server
from bench.throwaway import bench_organization
from bench.worker import Worker, worker_start, worker_stop
from tenants.models import Organization
from verification.models import VerificationAttempt

CONCURRENCY = 4
SETUP_TIMEOUT_S = 120
SCENARIO_TIMEOUT_S = 150
INVARIANTS = ("stuck", "duplicate_status_records", "repeat_confirms")


class Harness:
    """The server, the current worker and the sweep, shared by the scenarios of one run."""

    def __init__(self, server: Server, ours: PrivateRedis, run: str) -> None:
        self.server = server
        self.ours = ours
        self.sandbox = SandboxControl(server)
        self.queue = os.environ["CELERY_QUEUE"]
        self.application_name = f"tika-faults-worker-{run}"
        self.worker = self.worker_start()
        self.organization: Organization | None = None  # swept while set
        self.batch: Batch | None = None  # the current scenario's attempts
        self.worker_restarts = 0  # by check(), in the current scenario
        self.kills_inside_confirm = 0  # by kill9_worker(), in the current scenario

    def worker_start(self) -> Worker:
        env = {**self.server.env, "PGAPPNAME": self.application_name}
        return worker_start(queue=self.queue, concurrency=CONCURRENCY, env=env)

    def check(self) -> None:
        """Restart a worker that exited, as a supervisor would (compose: restart policy)."""
        if self.worker.process.poll() is None:
            return
        last = self.worker.log_tail(lines=1)
        print(f"faults:   the worker exited ({self.worker.process.returncode}: {last}); restarted")
        worker_stop(self.worker, keep_log=True)
        self.worker = self.worker_start()
        self.worker_restarts += 1

    # --- the faults ---------------------------------------------------------------------------

    def kill9_worker(self) -> None:
        os.killpg(self.worker.process.pid, signal.SIGKILL)
        self.worker.process.wait()
        self.kills_inside_confirm += self.confirms_in_flight()
        worker_stop(self.worker)
        self.worker = self.worker_start()

    def confirms_in_flight(self) -> int:
        """Attempts of the current batch whose confirm is claimed and has no token saved: with
        the worker dead, the ones it killed inside the provider's confirm call (the step
        reads everything before its claim, so the call follows the claim at once). Their
        OTP may have been used: they can only end as interrupted."""
        if self.batch is None or self.organization is None:
            return 0
        with tenant_context(self.organization):
            return VerificationAttempt.objects.filter(
                pk__in=self.batch.ids,
                state=VerificationAttempt.State.OTP_SUBMITTED,
                confirm_started_at__isnull=False,
                token__isnull=True,
            ).count()

    def redis_flush(self) -> None:
        self.ours.flushall()

    def redis_restart(self) -> None:
        self.ours.kill()
        time.sleep(2)
        self.ours.start()

    def db_connections_drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = %s",
                [self.application_name],
            )
            (dropped,) = cursor.fetchone()
        print(f"faults:   dropped {dropped} worker database connection(s)", flush=True)

    # --- the sweep, the way beat sends it -------------------------------------------------------

    @contextmanager
    def sweeping(self, every_s: float) -> Iterator[None]:
        """Send ``attempts_sweep`` into the current organization every ``every_s`` seconds."""
        stop = threading.Event()

        def loop() -> None:
            from verification.attempts.tasks import attempts_sweep_task

            try:
                while not stop.wait(every_s):
                    organization = self.organization
                    if organization is None:
                        continue
                    try:
                        with tenant_context(organization):
                            attempts_sweep_task.delay()
                    except Exception as exc:  # the broker may be down: beat would retry too
                        print(f"faults:   sweep not sent ({type(exc).__name__})", flush=True)
            finally:
                connection.close()

        thread = threading.Thread(target=loop, name="sweep", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(30)


@dataclass
class Scenario:
    name: str
    #: Sandbox faults from the first OTP request on.
    faults: dict[str, float] = field(default_factory=dict)
    #: (share of attempts ended, what to do then), each done once.
    triggers: list[tuple[float, Callable[[Harness], None]]] = field(default_factory=list)
    #: Sandbox faults set once the OTPs are submitted.
    faults_later: dict[str, float] = field(default_factory=dict)


SCENARIOS = [
    Scenario("kill9_worker", {"latency_ms": 200}, [(0.2, Harness.kill9_worker)]),
    Scenario("redis_flush", {"latency_ms": 100}, [(0.25, Harness.redis_flush)]),
    Scenario("redis_restart", {"latency_ms": 100}, [(0.25, Harness.redis_restart)]),
    Scenario("sandbox_5xx", {"error_rate": 0.3}),
    Scenario("sandbox_timeouts", {"timeout_rate": 0.2, "timeout_s": 3}),
    Scenario("sandbox_429_burst", {"burst_429": 20}, faults_later={"burst_429": 40}),
    Scenario(
        "db_connection_dropped",
        {"latency_ms": 100},
        [(share, Harness.db_connections_drop) for share in (0.15, 0.35, 0.55)],
    ),
]


def scenario_run(harness: Harness, scenario: Scenario, count: int) -> dict[str, Any]:
    """Run one scenario in a fresh bench organization; return its counts."""
    started = time.monotonic()
    harness.sandbox.reset()
    harness.worker_restarts = 0
    harness.kills_inside_confirm = 0
    with bench_organization() as organization:
        harness.organization = organization
        try:
            if scenario.faults:
                harness.sandbox.faults(**scenario.faults)
            batch = harness.batch = batch_start(organization, count)
            wait_until(lambda: otps_sent(batch), timeout=SETUP_TIMEOUT_S, what="OTPs", check=harness.check)
            otps_submit(batch, harness.sandbox.otps())
            if scenario.faults_later:
                harness.sandbox.faults(**scenario.faults_later)
            pending = sorted(scenario.triggers, key=lambda t: t[0])

            def tick() -> None:
                while pending and len(batch.ended) >= pending[0][0] * count:
                    _, action = pending.pop(0)
                    print(f"faults:   {action.__name__} at {len(batch.ended)}/{count} ended", flush=True)
                    action(harness)

            wait_terminal(batch, timeout=SCENARIO_TIMEOUT_S, check=harness.check, tick=tick)
            harness.sandbox.faults()
            counts = _counts(batch, harness.sandbox.stats())
            counts["worker_restarts"] = harness.worker_restarts
            if Harness.kill9_worker in (action for _, action in scenario.triggers):
                counts["kills_inside_confirm"] = harness.kills_inside_confirm
        finally:
            harness.organization = None
            harness.batch = None
    counts["seconds"] = round(time.monotonic() - started, 1)
    return counts


def _counts(batch: Batch, stats: dict[str, int]) -> dict[str, Any]:
    counts = outcome(batch)
    counts["repeat_confirms"] = stats["repeat_confirms"]
    counts["confirm_calls"] = stats["confirm_calls"]
    return counts


def _failures(counts: dict[str, Any]) -> list[str]:
    broken = [key for key in INVARIANTS if counts.get(key, 1)]
    if counts["completed"] + counts["failed"] != counts["started"]:
        broken.append("completed+failed != started")
    if counts["status_records"] != counts["completed"]:
        broken.append("status_records != completed")
    return broken


def table(results: dict[str, dict[str, Any]]) -> str:
    columns = (
        "started",
        "completed",
        "failed",
        "stuck",
        "duplicate_status_records",
        "repeat_confirms",
        "worker_restarts",
    )
    header = ("scenario", *columns, "seconds", "ok")
    rows: list[tuple[str, ...]] = [header]
    for name, counts in results.items():
        broken = counts.get("broken", [])
        ok = "error" if "error" in counts else ("yes" if not broken else "NO: " + ", ".join(broken))
        rows.append((name, *(str(counts.get(c, "-")) for c in columns), str(counts.get("seconds", "-")), ok))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    for name, counts in results.items():
        if counts.get("failure_codes"):
            lines.append(f"  {name} failed/expired: {counts['failure_codes']}")
        if "error" in counts:
            lines.append(f"  {name} error: {counts['error']}")
    return "\n".join(lines)


def run(*, names: list[str], count: int, ours: PrivateRedis, out_file: Path, sweep_every_s: float) -> int:
    chosen = [s for s in SCENARIOS if not names or s.name in names]
    unknown = set(names) - {s.name for s in SCENARIOS}
    if unknown:
        raise SystemExit(f"unknown scenario(s) {', '.join(sorted(unknown))}")
    results: dict[str, dict[str, Any]] = {}
    run_id = os.environ["CELERY_QUEUE"].rsplit("-", 1)[-1]
    # Threads: a timed-out answer holds one for 3 s.
    with web_server(workers=2, threads=16) as server:
        harness = Harness(server, ours, run_id)
        try:
            with harness.sweeping(sweep_every_s):
                for scenario in chosen:
                    print(f"faults: {scenario.name} ({count} verifications) ...", flush=True)
                    try:
                        counts = scenario_run(harness, scenario, count)
                        counts["broken"] = _failures(counts)
                    except Exception as exc:
                        counts = {"error": f"{type(exc).__name__}: {exc}"[:2000], "broken": ["error"]}
                    results[scenario.name] = counts
                    print(f"faults:   {json.dumps(counts)}", flush=True)
        finally:
            worker_stop(harness.worker, keep_log=any(c["broken"] for c in results.values()))
    print(table(results))
    out_file.parent.mkdir(exist_ok=True)
    out_file.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(f"\nWritten to {out_file}")
    return 1 if any(c["broken"] for c in results.values()) else 0
