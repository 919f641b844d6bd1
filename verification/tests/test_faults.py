"""Failures: duplicate and concurrent deliveries, provider faults, a lost broker message."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta

import httpx
import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from conftest import host_client
from tenants.tasks import for_each_organization
from verification.attempts.steps import attempt_start
from verification.attempts.sweep import attempts_sweep
from verification.attempts.worker import attempt_confirm_otp, attempt_send_otp
from verification.consent.services import consent_give
from verification.employees.services import employee_create
from verification.invitations.services import invitation_create
from verification.models import Employee, Progress, StatusRecord, VerificationAttempt
from verification.tests.test_journey import Journey

State = VerificationAttempt.State


def _stats(sandbox) -> dict[str, int]:  # type: ignore[no-untyped-def]
    response = httpx.get(f"{sandbox.url}/sandbox/control/stats", headers={"x-api-key": sandbox.api_key})
    return response.json()["stats"]


@pytest.fixture
def flow(committed_db, sandbox, org_a):  # type: ignore[no-untyped-def]
    """An employee who consented, in org A, driven through the services in this process."""
    created: list[int] = []

    def make(
        mobile: str = "9000000001", name: str = "Ravi Kumar", *, message_lost: bool = False
    ) -> VerificationAttempt:
        with schema_context(org_a.schema_name):
            employee = employee_create(
                code=f"F-{uuid.uuid4().hex[:8]}",
                full_name=name,
                email=f"{uuid.uuid4().hex[:8]}@x.example",
                mobile=mobile,
            )
            created.append(employee.pk)
            invitation = invitation_create(employee=employee)
            given = consent_give(invitation=invitation, language="en", ip="127.0.0.1", user_agent="t")
            if message_lost:
                # The row attempt_start() writes, without the message the broker then lost.
                return VerificationAttempt.objects.create(
                    employee=employee,
                    consent=given,
                    mobile=f"+91{mobile}",
                    full_name=name,
                    next_action_at=timezone.now(),
                )
            return attempt_start(consent=given, mobile=mobile, full_name=name, ip="127.0.0.1")

    yield make
    with schema_context(org_a.schema_name):
        Employee.objects.filter(pk__in=created).delete()


def _submit_right_otp(sandbox, org, attempt: VerificationAttempt, mobile: str) -> None:  # type: ignore[no-untyped-def]
    """As the web would, but without any message to a worker: the OTP is on the row."""
    with schema_context(org.schema_name):
        assert attempt_send_otp(attempt_id=attempt.pk) is None
        VerificationAttempt.objects.filter(pk=attempt.pk).update(
            state=State.OTP_SUBMITTED, otp_submitted_at=timezone.now(), next_action_at=timezone.now()
        )
        row = VerificationAttempt.objects.get(pk=attempt.pk)
        row.otp = sandbox.last_otp(mobile)
        row.save(update_fields=["otp"])


def test_the_same_confirm_run_twice_concurrently_confirms_once_and_records_once(flow, sandbox, org_a):
    attempt = flow()
    _submit_right_otp(sandbox, org_a, attempt, "9000000001")
    before = _stats(sandbox)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def deliver() -> None:
        from django.db import connection

        try:
            with schema_context(org_a.schema_name):
                start.wait()
                attempt_confirm_otp(attempt_id=attempt.pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    after = _stats(sandbox)
    assert after["confirm_calls"] - before["confirm_calls"] == 1
    assert after["repeat_confirms"] == before["repeat_confirms"] == 0
    with schema_context(org_a.schema_name):
        assert StatusRecord.objects.filter(attempt=attempt).count() == 1
        assert VerificationAttempt.objects.get(pk=attempt.pk).state == State.VERIFIED


@pytest.mark.worker
def test_a_confirm_task_delivered_twice_to_the_worker_confirms_once(
    celery_worker_process, flow, sandbox, org_a
):
    from verification.attempts.tasks import attempt_confirm_otp_task

    attempt = flow("9000000011", "Imran Khan")
    _submit_right_otp(sandbox, org_a, attempt, "9000000011")
    with schema_context(org_a.schema_name):
        attempt_confirm_otp_task.delay(attempt.pk)
        attempt_confirm_otp_task.delay(attempt.pk)
    deadline = time.monotonic() + 30
    while True:
        with schema_context(org_a.schema_name):
            if VerificationAttempt.objects.get(pk=attempt.pk).state == State.VERIFIED:
                break
        assert time.monotonic() < deadline, celery_worker_process.log()[-3000:]
        time.sleep(0.1)
    time.sleep(1)  # let the second delivery run too
    assert _stats(sandbox) == {"confirm_calls": 1, "repeat_confirms": 0}
    with schema_context(org_a.schema_name):
        assert StatusRecord.objects.filter(employee=attempt.employee).count() == 1


@pytest.fixture
def journey(celery_worker_process, committed_db, sandbox, org_a):  # type: ignore[no-untyped-def]
    j = Journey(sandbox=sandbox, org=org_a, worker=celery_worker_process)
    yield j
    j.cleanup()


@pytest.mark.worker
@pytest.mark.parametrize(
    "faults",
    # Bursts, not rates: the next N calls fail, so the test is the same every run (random
    # rates are make faults' business). Set before the OTP is sent and again before it is
    # confirmed, so that both steps meet the fault.
    [{"burst_503": 3}, {"burst_429": 3}, {"burst_timeout": 2, "timeout_s": 3}],
    ids=["5xx", "429-burst", "timeouts"],
)
def test_provider_faults_end_in_success(journey, faults):
    employee = journey.employee("9000000001", "Ravi Kumar")
    token = journey.invite(employee)
    journey.sandbox.set_faults(**faults)
    journey.consent_and_send_otp(token, "9000000001", "Ravi Kumar")
    journey.wait(lambda: journey.panel(token)[0] == State.OTP_SENT, timeout=90)
    journey.sandbox.set_faults(**faults)
    journey.submit_otp(token, journey.sandbox.last_otp("9000000001"))
    assert journey.wait(lambda: journey.panel(token)[0].startswith("redirect:"), timeout=90)
    assert journey.employee_row(employee).vaccination_status == 2
    with schema_context(journey.org.schema_name):
        assert StatusRecord.objects.filter(employee=employee).count() == 1
    assert _stats(journey.sandbox)["repeat_confirms"] == 0


@pytest.mark.django_db
def test_a_lasting_outage_ends_in_an_explicit_failed_state(sandbox, settings, org_a):
    settings.VERIFICATION_SEND_DEADLINE_S = 0  # give up at once instead of after 15 minutes
    sandbox.set_faults(error_rate=1)
    with schema_context(org_a.schema_name):
        employee = employee_create(
            code="OUT-1", full_name="Ravi Kumar", email="r@x.example", mobile="9000000001"
        )
        invitation = invitation_create(employee=employee)
        given = consent_give(invitation=invitation, language="en", ip=None, user_agent="")
        attempt = attempt_start(consent=given, mobile="9000000001", full_name="Ravi Kumar", ip=None)
        assert attempt_send_otp(attempt_id=attempt.pk) is None
        attempt.refresh_from_db()
        employee.refresh_from_db()
    assert (attempt.state, attempt.error_code) == (State.FAILED, "service_busy")
    assert employee.progress == Progress.FAILED  # what HR sees
    page = host_client(org_a.host).get(f"/c/{invitation.token}/details/").content.decode()
    assert "CoWIN is busy" in page  # what the employee sees, with the form to try again
    assert 'name="mobile"' in page


@pytest.mark.django_db
def test_a_busy_provider_is_retried_with_backoff_before_the_deadline(sandbox, org_a):
    sandbox.set_faults(error_rate=1)
    with schema_context(org_a.schema_name):
        employee = employee_create(
            code="BUSY-1", full_name="Ravi Kumar", email="r@x.example", mobile="9000000001"
        )
        invitation = invitation_create(employee=employee)
        given = consent_give(invitation=invitation, language="en", ip=None, user_agent="")
        attempt = attempt_start(consent=given, mobile="9000000001", full_name="Ravi Kumar", ip=None)
        retries = [attempt_send_otp(attempt_id=attempt.pk) for _ in range(4)]
        delays = [r.delay_s for r in retries if r is not None]
        attempt.refresh_from_db()
    assert len(delays) == 4
    assert attempt.state == State.CREATED and attempt.error_code == "service_busy" and attempt.retries == 4
    assert all(0.5 <= d <= 60 for d in delays) and max(delays) > min(delays)


@pytest.mark.worker
def test_lost_broker_messages_are_recovered_by_the_sweep(
    celery_worker_process, flow, sandbox, org_a, settings
):
    # An attempt waiting for its OTP to be sent, and one waiting for its OTP to be confirmed,
    # whose messages the broker lost (flushed): only the database knows about them.
    past = timezone.now() - timedelta(seconds=settings.VERIFICATION_SWEEP_GRACE_S + 5)
    waiting_send = flow("9000000002", "Priya Sharma", message_lost=True)
    waiting_confirm = flow("9000000012", "Lakshmi Iyer")
    _submit_right_otp(sandbox, org_a, waiting_confirm, "9000000012")
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
        employee = employee_create(
            code="SW-1", full_name="Ravi Kumar", email="r@x.example", mobile="9000000001"
        )
        invitation = invitation_create(employee=employee)
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
