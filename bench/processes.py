"""Child processes of the benchmarks (Celery workers, web servers): each in a process group of
its own with its output in a log file, and always stopped, its children too."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

STOP_TIMEOUT_S = 20


@dataclass
class Child:
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])


def child_start(
    command: Sequence[str], *, env: Mapping[str, str], log_prefix: str
) -> tuple[subprocess.Popen[bytes], Path]:
    """Start ``command`` in the project's folder with ``env``; stdout and stderr go to a new
    temporary log file. Its own session, so that ``child_stop`` can kill what it forked."""
    log_fd, log_name = tempfile.mkstemp(prefix=log_prefix, suffix=".log")
    with os.fdopen(log_fd, "wb") as log_file:
        process = subprocess.Popen(
            command,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=dict(env),
            cwd=settings.BASE_DIR,
            start_new_session=True,
        )
    return process, Path(log_name)


def child_stop(child: Child, *, keep_log: bool, what: str) -> None:
    """Graceful stop (SIGTERM, up to ``STOP_TIMEOUT_S``), then SIGKILL to the whole process
    group (a pool's children left behind); the log is kept only if asked (something failed)."""
    process = child.process
    if process.poll() is None:
        process.terminate()
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_TIMEOUT_S)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    if keep_log:
        print(f"bench: {what} log kept at {child.log_path}", file=sys.stderr)
    else:
        child.log_path.unlink(missing_ok=True)
