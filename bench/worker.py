"""A real `celery -A portal worker` subprocess on a queue of its own, always stopped afterwards."""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection

from bench.processes import Child, child_start, child_stop


class WorkerError(RuntimeError):
    """The worker died, or did not do its work in time."""


@dataclass
class Worker(Child):
    queue: str

    def check(self) -> None:
        """Raise if the worker process has exited."""
        if self.process.poll() is not None:
            raise WorkerError(f"the worker exited ({self.process.returncode}):\n{self.log_tail()}")

    def wait_until(self, condition: Callable[[], bool], *, timeout: float, what: str) -> None:
        """Poll ``condition`` until it holds; raise if the worker dies or time runs out."""
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process.poll() is not None:
                raise WorkerError(f"the worker exited ({self.process.returncode}):\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise WorkerError(f"{what}: not done after {timeout:.0f} s. Worker log:\n{self.log_tail()}")
            time.sleep(0.02)


def new_queue() -> str:
    return f"tika-bench-{uuid.uuid4().hex[:10]}"


@contextmanager
def celery_worker(
    *,
    include: str,
    concurrency: int = 2,
    env: Mapping[str, str] | None = None,
    loglevel: str = "WARNING",
) -> Iterator[Worker]:
    """Start a prefork worker consuming only a fresh queue; stop it and delete the queue after.

    The worker uses this process's settings module and database (``DATABASE_NAME``), plus
    ``env``, and its default queue is its own (``CELERY_QUEUE``), so neither a dev worker nor
    the test-suite's worker ever takes its tasks. Send to it with ``queue=worker.queue``.
    """
    queue = new_queue()
    worker = worker_start(queue=queue, include=include, concurrency=concurrency, env=env, loglevel=loglevel)
    failed = True
    try:
        yield worker
        failed = False
    finally:
        worker_stop(worker, keep_log=failed)
        queue_delete(queue)


def worker_start(
    *,
    queue: str,
    include: str = "",
    concurrency: int = 2,
    env: Mapping[str, str] | None = None,
    loglevel: str = "WARNING",
) -> Worker:
    """Start a prefork worker on ``queue`` (also its default queue); stop it with ``worker_stop``.

    For callers that stop workers themselves (the fault harness kills one and starts the next
    on the same queue); everyone else uses ``celery_worker()``.
    """
    full_env = {
        **os.environ,
        "DATABASE_NAME": connection.settings_dict["NAME"],
        "CELERY_QUEUE": queue,
        **(env or {}),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "portal", "worker",
        "--pool", "prefork", "--concurrency", str(concurrency),
        "--queues", queue, *(["--include", include] if include else []),
        "--hostname", f"{queue}-{uuid.uuid4().hex[:4]}@%h", "--loglevel", loglevel,
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    # Its own process group, so that the pool's children are stopped with it.
    process, log_path = child_start(command, env=full_env, log_prefix=f"{queue}-")
    return Worker(process=process, log_path=log_path, queue=queue)


def worker_stop(worker: Worker, *, keep_log: bool = False) -> None:
    """Stop the worker and its pool; keep its log only if asked (something failed)."""
    child_stop(worker, keep_log=keep_log, what="worker")


def queue_delete(queue: str) -> None:
    """Remove the queue, its binding and whatever messages are left in it from the broker."""
    from kombu import Exchange, Queue

    from portal.celery import app

    # Declared the way Celery creates a missing queue, so that the channel knows its binding.
    declared = Queue(queue, Exchange(queue, "direct"), routing_key=queue)
    with app.connection_for_write() as broker:
        bound = declared.bind(broker.default_channel)
        bound.declare()
        bound.delete()
