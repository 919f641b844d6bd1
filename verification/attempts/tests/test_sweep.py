"""The sweep: attempts whose broker messages were lost are found in the database and run again;
unentered OTPs and interrupted confirms expire."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tenants.tasks import for_each_organization
from verification.attempts.steps import attempt_start
from verification.attempts.sweep import attempts_sweep
from verification.attempts.tests.helpers import submit_right_otp
from verification.consent.services import consent_give
from verification.models import VerificationAttempt
from verification.tests.factories import EmployeeFactory, InvitationFactory

State = VerificationAttempt.State


@pytest.mark.worker
def test_lost_broker_messages_are_recovered_by_the_sweep(
    celery_worker_process, flow, sandbox, org_a, settings
):
    # An attempt waiting for its OTP to be sent, and one waiting for its OTP to be confirmed,
    # whose messages the broker lost (flushed): only the database knows about them.
    past = timezone.now() - timedelta(seconds=settings.VERIFICATION_SWEEP_GRACE_S + 5)
    waiting_send = flow("9000000002", "Priya Sharma", message_lost=True)
    waiting_confirm = flow("9000000012", "Lakshmi Iyer")
    submit_right_otp(sandbox, org_a, waiting_confirm, "9000000012")
    with schema_context(org_a.schema_name):
        VerificationAttempt.objects.filter(pk__in=[waiting_send.pk, waiting_confirm.pk]).update(
            next_action_at=past
        )
        assert VerificationAttempt.objects.get(pk=waiting_send.pk).state == State.CREATED

    assert for_each_organization.apply(args=("verification.tasks.attempts_sweep",)).get() >= 1
    deadline = time.monotonic() + 30
    while True:
        with schema_context(org_a.schema_name):
            states = dict(
                VerificationAttempt.objects.filter(pk__in=[waiting_send.pk, waiting_confirm.pk]).values_list(
                    "pk", "state"
                )
            )
        if states == {waiting_send.pk: State.OTP_SENT, waiting_confirm.pk: State.VERIFIED}:
            break
        assert time.monotonic() < deadline, (states, celery_worker_process.log()[-3000:])
        time.sleep(0.1)


@pytest.mark.django_db
def test_sweep_expires_unentered_otps_and_interrupted_confirms(sandbox, org_a, settings):
    with schema_context(org_a.schema_name):
        employee = EmployeeFactory.create(
            code="SW-1", full_name="Ravi Kumar", email="r@x.example", mobile="9000000001"
        )
        invitation = InvitationFactory.create(employee=employee)
        given = consent_give(invitation=invitation, language="en", ip=None, user_agent="")
        old = attempt_start(consent=given, mobile="9000000001", full_name="Ravi Kumar", ip=None)
        VerificationAttempt.objects.filter(pk=old.pk).update(
            state=State.OTP_SENT, otp_expires_at=timezone.now() - timedelta(seconds=1)
        )
        interrupted = VerificationAttempt.objects.create(
            employee=employee,
            consent=given,
            full_name="Ravi Kumar",
            state=State.OTP_SUBMITTED,
            confirm_started_at=timezone.now() - timedelta(seconds=settings.VERIFICATION_CONFIRM_CLAIM_S + 1),
        )
        counts = attempts_sweep()
        assert counts["expired"] == 1 and counts["interrupted"] == 1
        assert VerificationAttempt.objects.get(pk=old.pk).state == State.EXPIRED
        # never confirmed again: the OTP may already have been used
        assert VerificationAttempt.objects.get(pk=interrupted.pk).state == State.EXPIRED
