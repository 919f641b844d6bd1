"""Rate limits: the provider's quota shared by the fleet, and the abuse limits (``fresh_limits``:
verification/conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings
from django_tenants.utils import schema_context

from portal.testing import host_client
from verification import ratelimit
from verification.tests.factories import EmployeeFactory, InvitationFactory


def test_calls_beyond_the_quota_wait_for_a_free_slot(fresh_limits):
    fresh_limits.KYCVS_RATE_LIMIT = "2/second"
    assert ratelimit.provider_slot(max_wait_s=0) and ratelimit.provider_slot(max_wait_s=0)
    assert not ratelimit.provider_slot(max_wait_s=0.05)  # full: does not call, reschedules
    started = time.monotonic()
    assert ratelimit.provider_slot(max_wait_s=3)  # waits for the window to move on
    assert 0.3 < time.monotonic() - started < 2.5


def test_the_quota_is_one_budget_for_every_worker_process(fresh_limits):
    fresh_limits.KYCVS_RATE_LIMIT = "3/minute"
    for _ in range(3):
        assert ratelimit.provider_slot(max_wait_s=0)
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "settings.KYCVS_RATE_LIMIT = '3/minute'; "
        "from verification import ratelimit; print(ratelimit.provider_slot(max_wait_s=0))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "RATE_LIMIT_PREFIX": fresh_limits.RATE_LIMIT_PREFIX,
    }
    other_process = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert other_process.stdout.strip() == "False", other_process.stderr


@pytest.mark.django_db
def test_otp_sends_per_employee_per_hour_are_capped_per_organization(fresh_limits, org_a, org_b):
    with schema_context(org_a.schema_name):
        assert [ratelimit.otp_send_allowed(7) for _ in range(4)] == [True, True, True, False]
        assert ratelimit.otp_send_allowed(8)
    with schema_context(org_b.schema_name):
        assert ratelimit.otp_send_allowed(7)  # employee 7 of another organization is someone else


@pytest.mark.django_db
def test_employee_pages_are_limited_per_address(fresh_limits, org_a):
    fresh_limits.EMPLOYEE_PAGES_RATE = "2/minute"
    with schema_context(org_a.schema_name):
        employee = EmployeeFactory.create(code="RL-1", full_name="A B", email="a@b.example")
        invitation = InvitationFactory.create(employee=employee)
    client = host_client(org_a.host)
    assert client.get(f"/c/{invitation.token}/").status_code == 200
    assert client.get("/c/not-a-real-token/").status_code == 404  # counts too: no token guessing
    response = client.get(f"/c/{invitation.token}/")
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "Too many requests" in response.content.decode()
