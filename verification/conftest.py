"""Fixtures of the tests of several rooms of verification/ (those of one room live beside its
tests; those of every app in the root conftest.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from verification.tests.employee_flow import Journey


@pytest.fixture
def fresh_limits(settings):  # type: ignore[no-untyped-def]
    """Rate limits of this test only (a Redis prefix of its own); returns ``settings``."""
    settings.RATE_LIMIT_PREFIX = f"tika-rl-test-{uuid.uuid4().hex[:8]}"
    return settings


@pytest.fixture
def journey(celery_worker_process, committed_db, sandbox, org_a) -> Iterator[Journey]:  # type: ignore[no-untyped-def]
    """An employee's journey in organization A with the real worker and the sandbox; what it
    made is removed afterwards."""
    j = Journey(sandbox=sandbox, org=org_a, worker=celery_worker_process)
    yield j
    j.cleanup()
