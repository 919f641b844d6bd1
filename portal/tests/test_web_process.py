"""`make run`'s web process, started from the Procfile's own line (dev settings): a burst of
concurrent requests gets no 5xx and holds a bounded number of database connections; its
access log carries no link token; static files are served."""

from __future__ import annotations

import asyncio
import os
import re
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import connection

from bench.processes import Child, child_start, child_stop
from bench.server import free_port

BURST = 200
# The web process's share of the connection budget (README, "Connection budget").
WEB_CONNECTIONS_MAX = 8


def _procfile_web() -> str:
    for line in (Path(settings.BASE_DIR) / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError("the Procfile has no web process")


class WebProcess(Child):
    port: int
    app_name: str

    def get(self, path: str, host: str = "localhost") -> httpx.Response:
        return httpx.get(
            f"http://127.0.0.1:{self.port}{path}", headers={"Host": f"{host}:{self.port}"}, timeout=30
        )


@pytest.fixture(scope="module")
def web(django_db_setup, django_db_blocker) -> Iterator[WebProcess]:  # type: ignore[no-untyped-def]
    """The Procfile's web line run by a shell as honcho runs it, on a free port, against the
    test database; its database connections are named so that they can be counted."""
    port = free_port()
    app_name = f"tika-web-test-{uuid.uuid4().hex[:8]}"
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},  # as `make run`: dev
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PUBLIC_PORT": str(port),
        "DATABASE_NAME": connection.settings_dict["NAME"],
        "PGAPPNAME": app_name,  # libpq names every connection of the process
        "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
        "RATE_LIMIT_PREFIX": settings.RATE_LIMIT_PREFIX,
        "KYCVS_SANDBOX_REDIS_PREFIX": settings.KYCVS_SANDBOX_REDIS_PREFIX,
    }
    process, log_path = child_start(["sh", "-c", _procfile_web()], env=env, log_prefix="tika-test-web-")
    server = WebProcess(process=process, log_path=log_path)
    server.port, server.app_name = port, app_name
    failed = True
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, server.log_tail()
            try:
                if server.get("/").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, server.log_tail()
            time.sleep(0.2)
        yield server
        failed = False
    finally:
        child_stop(server, keep_log=failed, what="web process")


def _connections(app_name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = %s",
            [app_name],
        )
        return int(cursor.fetchone()[0])


async def _burst(port: int, n: int, app_name: str) -> tuple[list[int], int]:
    """``n`` clients at once, each keeping its HTTP connection open afterwards as browsers do
    (a thread-per-connection server keeps a thread, and its database connection, for each);
    the statuses, and the database connections counted while the clients are still there."""
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", headers={"Host": f"localhost:{port}"}, limits=limits, timeout=60
    ) as client:
        responses = await asyncio.gather(*(client.get("/") for _ in range(n)), return_exceptions=True)
        await asyncio.sleep(0.3)
        held = await asyncio.to_thread(_connections, app_name)
    return [r.status_code if isinstance(r, httpx.Response) else 599 for r in responses], held


@pytest.mark.django_db
def test_a_burst_of_requests_gets_no_errors_and_bounded_connections(web):
    command = _procfile_web()
    assert "gunicorn" in command and "--reload" in command  # auto-reload kept for development
    workers = int(re.search(r"--workers\s+(\d+)", command).group(1))  # type: ignore[union-attr]
    threads = int(re.search(r"--threads\s+(\d+)", command).group(1))  # type: ignore[union-attr]
    assert workers * threads <= WEB_CONNECTIONS_MAX

    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        from django.db import connections

        try:
            while not done.is_set():
                peak = max(peak, _connections(web.app_name))
                time.sleep(0.02)
        finally:
            connections.close_all()

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.monotonic()
    try:
        statuses, held = asyncio.run(_burst(web.port, BURST, web.app_name))
    finally:
        elapsed = time.monotonic() - started
        done.set()
        sampler.join()
    print(f"\n{BURST} concurrent GET / in {elapsed:.2f} s; database connections: peak {peak}, held {held}")
    assert [s for s in statuses if s != 200] == [], web.log_tail()
    assert max(peak, held) <= workers * threads


def test_static_files_are_served(web):
    response = web.get("/static/css/app.css")
    assert response.status_code == 200 and "text/css" in response.headers["content-type"]


@pytest.mark.django_db
def test_the_access_log_has_no_link_token(web, org_a):
    token = "acc3ss-" + uuid.uuid4().hex
    assert web.get(f"/c/{token}/otp/", host=org_a.host).status_code == 404
    assert web.get(f"/account/join/{token}/", host=org_a.host).status_code == 404
    time.sleep(0.5)  # the access log line is written after the response
    log = web.log_path.read_text(errors="replace")
    assert '"GET /c/[redacted]/otp/ HTTP/1.1" 404' in log, log[-3000:]
    assert '"GET /account/join/[redacted]/ HTTP/1.1" 404' in log
    assert token not in log
