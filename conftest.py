"""Test fixtures shared by every app.

The test database gets, once per session: the public site, the template schema, and two
organizations, "alpha" and "bravo", each with an owner. Tests activate the organization they
need explicitly (django-tenants otherwise leaves the connection on whatever schema the last
request used).

Here: those organizations (``org_a``, ``org_b``), the default-language and public-schema rules
of every test, the public site's client, the live server, the CoWIN sandbox over HTTP, one real
Celery worker and ``committed_db``. Fixtures of one app or room live in a conftest.py beside its
tests; plain helpers (clients of an organization's site, ``signed_in``) in portal/testing.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from portal.testing import OWNER_PASSWORD, OrgFixture, host_client, org_fixture


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    from django.test.utils import setup_databases, teardown_databases

    from tenants.services import organization_create, platform_ensure, template_ensure

    own_setup = None
    if not connection.settings_dict["NAME"].startswith("test_"):
        # pytest-django creates the test database only when a collected test is marked
        # django_db; a run of worker tests alone would otherwise write to the dev database.
        with django_db_blocker.unblock():
            own_setup = setup_databases(verbosity=0, interactive=False, aliases={"default"})  # type: ignore[arg-type]
    assert connection.settings_dict["NAME"].startswith("test_")

    with django_db_blocker.unblock():
        platform_ensure(hosts=[settings.BASE_DOMAIN])
        template_ensure()
        for slug in ("alpha", "bravo"):
            organization_create(
                name=slug.title(),
                slug=slug,
                owner_name=f"{slug.title()} Owner",
                owner_email=f"owner@{slug}.example",
                owner_password=OWNER_PASSWORD,
            )
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        # The live server's request threads and worker processes may still hold connections;
        # end them so the test database can be dropped.
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    if own_setup is not None:
        with django_db_blocker.unblock():
            teardown_databases(own_setup, verbosity=0)


@pytest.fixture
def org_a() -> OrgFixture:
    return org_fixture("alpha")


@pytest.fixture
def org_b() -> OrgFixture:
    return org_fixture("bravo")


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Every test starts in the default language. A request through the test client runs in
    the test's own thread, and LocaleMiddleware leaves the language it activated (Hindi after
    a language switch) active in that thread after the response."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _public_schema_between_tests() -> Iterator[None]:
    """Every test starts and ends in the public schema, whatever a request switched to."""
    yield
    if hasattr(connection, "set_schema_to_public"):
        connection.set_schema_to_public()


@pytest.fixture
def public_client() -> Client:
    return host_client(settings.BASE_DOMAIN)


# --- Real Celery worker --------------------------------------------------------------------


@dataclass
class WorkerProcess:
    process: object
    log_path: object
    queue: str

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, live_server_url, tmp_path_factory):  # type: ignore[no-untyped-def]
    """One real `celery worker` process (prefork, concurrency 1) on the test database.

    It consumes a queue of its own, so a dev worker running at the same time never takes the
    suite's tasks. The test process sends to that queue. It calls the sandbox served by
    `live_server_url` and shares the test process's Redis prefixes (inbox, limits, cache).
    """
    import os
    import subprocess
    import sys
    import time

    from portal.celery import app

    queue = settings.CELERY_TASK_DEFAULT_QUEUE  # unique to this test run
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_NAME": connection.settings_dict["NAME"],
        "CELERY_QUEUE": queue,
        "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
        "KYCVS_SANDBOX_REDIS_PREFIX": settings.KYCVS_SANDBOX_REDIS_PREFIX,
        "RATE_LIMIT_PREFIX": settings.RATE_LIMIT_PREFIX,
        "KYCVS_BASE_URL": f"{live_server_url}/sandbox/cowin",
        "KYCVS_VERIFY_KEY": f"{live_server_url}/sandbox/cowin/.well-known/jwks.json",
        "PUBLIC_PORT": live_server_url.rsplit(":", 1)[1],
        # Short, so that fault tests see real client timeouts quickly.
        "KYCVS_TIMEOUT_S": "2",
    }
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "--queues",
                queue,
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
                "--include",
                "portal.tests.celery_probe",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--hostname",
                f"{queue}@%h",
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=settings.BASE_DIR,
        )
    worker = WorkerProcess(process=process, log_path=log_path, queue=queue)
    deadline = time.monotonic() + 60
    while " ready." not in worker.log():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"Celery worker did not start:\n{worker.log()}")
        time.sleep(0.1)
    yield worker
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    with app.connection_for_write() as conn:
        conn.default_channel.queue_delete(queue)


@pytest.fixture
def committed_db(django_db_blocker):  # type: ignore[no-untyped-def]
    """Database access outside a test transaction, for work a separate process must see.

    Whatever a test writes this way it must remove itself.
    """
    with django_db_blocker.unblock():
        yield


# --- A live HTTP server of the project (the sandbox is part of it) -------------------------


@pytest.fixture(scope="session")
def live_server_url(django_db_setup):  # type: ignore[no-untyped-def]
    """The project served over real HTTP from a thread of the test process, on a free port.

    pytest-django's own `live_server` forces `transactional_db`, whose flush would wipe the
    session's organizations; this one needs no database of its own. Tests that make it touch
    the database (every request resolves the organization) must be marked django_db, which
    lets the server thread reach the database while they run.
    """
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    # Static files from the finders (static/ and apps), as in development.
    thread = LiveServerThread(settings.BASE_DOMAIN, StaticFilesHandler, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://{settings.BASE_DOMAIN}:{thread.port}"
    thread.terminate()


# --- The CoWIN sandbox, served by the live server ------------------------------------------


@dataclass(frozen=True)
class Sandbox:
    """The sandbox served by the live server, and what a test needs to drive it."""

    url: str  # the public site, e.g. http://localhost:PORT
    api_key: str

    @property
    def base_url(self) -> str:
        return f"{self.url}/sandbox/cowin"

    @property
    def jwks_url(self) -> str:
        return f"{self.base_url}/.well-known/jwks.json"

    def client(self, **overrides):  # type: ignore[no-untyped-def]
        from verification.providers.kycvs.client import CowinClient

        options = {"base_url": self.base_url, "api_key": self.api_key, "verify_key": self.jwks_url}
        return CowinClient(**{**options, **overrides})

    def inbox(self, **params: str) -> list[dict]:
        response = httpx.get(f"{self.url}/sandbox/inbox.json", params=params, timeout=10)
        response.raise_for_status()
        return response.json()["messages"]

    def last_otp(self, mobile: str) -> str:
        """The OTP in the newest SMS to this 10-digit number, as the person would read it."""
        messages = self.inbox(to=f"+91{mobile}", kind="sms")
        assert messages, f"no SMS in the dev inbox for the number ending {mobile[-4:]}"
        match = re.search(r"\b(\d{6})\b", messages[0]["text"])
        assert match, "the SMS carries no 6-digit OTP"
        return match.group(1)

    def set_faults(self, **faults: float) -> None:
        response = httpx.put(
            f"{self.url}/sandbox/control/faults",
            json=faults,
            headers={"x-api-key": self.api_key},
            timeout=10,
        )
        response.raise_for_status()


@pytest.fixture
def sandbox(live_server_url, settings) -> Iterator[Sandbox]:  # type: ignore[no-untyped-def]
    """The sandbox over real HTTP, fresh for each test; the app's settings point at it.

    The live server reaches the database only while the test may (mark it django_db, or use
    committed_db when a worker process must see the data).
    """
    sandbox = Sandbox(url=live_server_url, api_key=settings.KYCVS_SANDBOX_API_KEY)
    settings.KYCVS_BASE_URL = sandbox.base_url
    settings.KYCVS_VERIFY_KEY = sandbox.jwks_url
    from verification.providers.sandbox import store

    store.reset()
    yield sandbox
    store.reset()
