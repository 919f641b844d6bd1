"""A real web server (gunicorn, loopback only) serving the project and its sandbox, always stopped.

Benchmarks and the fault harness that need HTTP (the CoWIN sandbox, the employee pages) start
one with ``web_server()``. It serves this process's settings module and database
(``DATABASE_NAME``) on a free port of 127.0.0.1, with ``PUBLIC_PORT`` set to that port, so the
sandbox's address (``KYCVS_BASE_URL``), e-mail links and the organization sites
(``http://<slug>.localhost:<port>/``) all point at it. Workers that must call the same sandbox
get ``Server.env`` in their environment.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import httpx
from django.conf import settings
from django.db import connection

from bench.processes import Child, child_start, child_stop

START_TIMEOUT_S = 60


class ServerError(RuntimeError):
    """The server died or did not start in time."""


@dataclass
class Server(Child):
    port: int
    #: Environment that points another process (a Celery worker) at this server's sandbox.
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """The public site, e.g. ``http://localhost:41234``."""
        return f"http://{settings.BASE_DOMAIN}:{self.port}"

    def site(self, host: str) -> str:
        """An organization's site: ``host`` is its domain (``acme.localhost``)."""
        return f"http://{host}:{self.port}"

    def client(self, host: str | None = None, **kwargs: Any) -> httpx.Client:
        """An HTTP client for the public site or the organization at ``host``.

        It connects to 127.0.0.1 and names the site in the Host header: the system resolver
        does not know ``<slug>.localhost`` (browsers do).
        """
        name = host or settings.BASE_DOMAIN
        return httpx.Client(
            base_url=f"http://127.0.0.1:{self.port}", headers={"Host": f"{name}:{self.port}"}, **kwargs
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def web_server(
    *,
    workers: int = 2,
    threads: int = 1,
    env: Mapping[str, str] | None = None,
) -> Iterator[Server]:
    """Start gunicorn on 127.0.0.1:<free port>; yield once it answers; stop it afterwards.

    ``DEBUG`` is off (as in production: no query log, no debug pages); static files are served
    by WhiteNoise from the app directories. ``env`` is added to the server's environment and
    to ``Server.env``.
    """
    port = free_port()
    shared = {
        "DATABASE_NAME": connection.settings_dict["NAME"],
        "PUBLIC_PORT": str(port),
        **(env or {}),
    }
    full_env = {**os.environ, "DEBUG": "false", **shared}
    command = [
        sys.executable, "-m", "gunicorn", "portal.wsgi",
        "--config", "python:portal.gunicorn_conf",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--threads", str(threads),
        "--worker-class", "gthread" if threads > 1 else "sync",
        "--timeout", "120", "--graceful-timeout", "5",
        "--log-level", "warning",
    ]  # fmt: skip
    process, log_path = child_start(command, env=full_env, log_prefix=f"tika-bench-web-{port}-")
    server = Server(process=process, port=port, log_path=log_path, env=shared)
    failed = True
    try:
        _wait_ready(server)
        yield server
        failed = False
    finally:
        child_stop(server, keep_log=failed, what="web server")


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if server.process.poll() is not None:
            raise ServerError(f"gunicorn exited ({server.process.returncode}):\n{server.log_tail()}")
        with suppress(httpx.HTTPError):
            if httpx.get(f"{server.url}/", timeout=2).status_code == 200:
                return
        if time.monotonic() > deadline:
            raise ServerError(f"gunicorn did not answer within {START_TIMEOUT_S} s:\n{server.log_tail()}")
        time.sleep(0.1)
