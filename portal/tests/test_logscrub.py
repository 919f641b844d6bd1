"""No consent, join or password-reset token in any log line: Django's own records (404s, CSRF
refusals), django-axes' sign-in lines, tracebacks, a request attached to a record, Celery's
worker log. (gunicorn's access log: portal/tests/test_web_process.py.)"""

from __future__ import annotations

import io
import logging
import re
import time
import uuid
from collections.abc import Iterator

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from portal.logscrub import MARKER, TokenScrubFilter, scrub
from portal.testing import OrgFixture, host_client, signed_in
from verification.tests.factories import EmployeeFactory, InvitationFactory


class _Records(logging.Handler):
    """Collects records after the configured handlers (the console's filter runs first)."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """What settings.LOGGING's console handler writes, while the test runs."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(previous)  # type: ignore[arg-type]


@pytest.fixture
def records() -> Iterator[_Records]:
    collector = _Records()
    root = logging.getLogger()
    root.addHandler(collector)
    try:
        yield collector
    finally:
        root.removeHandler(collector)


def _consent_token(org: OrgFixture) -> str:
    with schema_context(org.schema_name):
        employee = EmployeeFactory.create(
            code=f"LOG-{uuid.uuid4().hex[:6]}", full_name="Log Me", email="log@a.example"
        )
        return InvitationFactory.create(employee=employee).token


def test_every_configured_handler_scrubs():
    handlers = set(logging.getLogger().handlers)
    for name in list(logging.root.manager.loggerDict):
        logger = logging.getLogger(name)
        handlers.update(logger.handlers)
    # pytest's capture handlers are not the project's; a NullHandler writes nothing.
    ours = [
        h
        for h in handlers
        if not type(h).__module__.startswith("_pytest") and not isinstance(h, logging.NullHandler)
    ]
    assert {h.get_name() for h in ours} >= {"console", "django.server"}
    for handler in ours:
        assert any(isinstance(f, TokenScrubFilter) for f in handler.filters), handler


@pytest.mark.django_db
def test_a_404_of_a_valid_consent_link_is_logged_without_its_token(org_a, console, records):
    token = _consent_token(org_a)
    response = host_client(org_a.host).get(f"/c/{token}/no-such-step/?next=/c/{token}/")
    assert response.status_code == 404
    written = console.getvalue()
    assert "Not Found: /c/[redacted]/no-such-step/" in written
    assert token not in written
    (record,) = [r for r in records.records if r.name == "django.request"]
    assert token not in record.getMessage()
    # The request handed to handlers (an error-mail handler would print it) is scrubbed too;
    # the request being served was not touched.
    assert record.request.path == "/c/[redacted]/no-such-step/"  # type: ignore[attr-defined]
    assert token not in record.request.get_full_path()  # type: ignore[attr-defined]
    assert token not in str(record.request.META)  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_a_csrf_refusal_on_a_consent_page_is_logged_without_its_token(org_a, console):
    token = _consent_token(org_a)
    client = Client(HTTP_HOST=org_a.host, enforce_csrf_checks=True)
    assert client.post(f"/c/{token}/agree/", {"agree": "on"}).status_code == 403
    written = console.getvalue()
    assert "Forbidden (CSRF cookie not set.): /c/[redacted]/agree/" in written
    assert token not in written


@pytest.mark.django_db
def test_the_axes_line_of_joining_the_team_has_no_join_token(org_a, console, mailoutbox):
    signed_in(org_a).post("/account/team/", {"email": "logged@alpha.example", "role": "viewer"})
    path = re.search(r"https?://[^/]+(/account/join/[^/\s]+/)", mailoutbox[0].body).group(1)  # type: ignore[union-attr]
    token = path.split("/")[3]
    joined = host_client(org_a.host).post(
        path, {"full_name": "Lo Gged", "password": "a-long-unusual-passphrase-9"}
    )
    assert joined.status_code == 302
    written = console.getvalue()
    assert "AXES: Successful login by" in written and "/account/join/[redacted]/" in written
    assert token not in written


def test_arguments_mappings_and_tracebacks_are_scrubbed(console):
    token = "s3cr3t-" + uuid.uuid4().hex
    logger = logging.getLogger("verification.tests.logscrub")
    logger.warning("%s %s", "GET", f"/c/{token}/otp/")
    logger.warning("%(r)s", {"r": f"GET /account/join/{token}/ HTTP/1.1"})  # gunicorn's access log
    try:
        raise ValueError(f"no page at /accounts/password-reset/MTIz/{token}/")
    except ValueError:
        logger.exception("failed")
    written = console.getvalue()
    assert token not in written
    assert "GET /c/[redacted]/otp/" in written and "GET /account/join/[redacted]/ HTTP/1.1" in written
    assert "ValueError: no page at /accounts/password-reset/[redacted]/[redacted]/" in written


def test_scrub_leaves_other_paths_alone():
    for path in (
        "/accounts/login/",
        "/accounts/password-reset/sent/",
        "/static/css/app.css",
        "/employees/12/",
    ):
        assert scrub(path) == path
    assert (
        scrub("/account/2fa/setup/?next=%2Fc%2Fabc%2Fotp%2F")
        == f"/account/2fa/setup/?next=%2Fc%2F{MARKER}%2Fotp%2F"
    )


@pytest.mark.worker
def test_the_worker_log_has_no_token(celery_worker_process, committed_db):
    from portal.tests.celery_probe import log_line

    token = "w0rker-" + uuid.uuid4().hex
    log_line.delay(f"/c/{token}/done/")
    deadline = time.monotonic() + 30
    while "probe says" not in celery_worker_process.log():
        assert time.monotonic() < deadline, celery_worker_process.log()[-2000:]
        time.sleep(0.1)
    log = celery_worker_process.log()
    assert token not in log
    assert "probe says /c/[redacted]/done/" in log


def test_the_sign_up_sign_in_ticket_is_scrubbed():
    token = "k3yT0ken_-AbCdEf"
    assert scrub(f"GET /account/welcome/{token}/ HTTP/1.1") == f"GET /account/welcome/{MARKER}/ HTTP/1.1"
    assert scrub(f"Location: http://newco.localhost/account/welcome/{token}/") == (
        f"Location: http://newco.localhost/account/welcome/{MARKER}/"
    )
