"""The worker's steps under failure: duplicate and concurrent deliveries, provider faults, a
lasting outage, a busy provider retried with backoff."""

from __future__ import annotations

import threading
import time

import pytest
from django_tenants.utils import schema_context

from portal.testing import host_client
from verification.attempts.steps import attempt_start
from verification.attempts.tests.helpers import provider_stats, submit_right_otp
from verification.attempts.worker import attempt_confirm_otp, attempt_send_otp
from verification.consent.services import consent_give
from verification.models import Progress, StatusRecord, VerificationAttempt
from verification.tests.factories import EmployeeFactory, InvitationFactory

State = VerificationAttempt.State


def test_the_same_confirm_run_twice_concurrently_confirms_once_and_records_once(flow, sandbox, org_a):
    attempt = flow()
    submit_right_otp(sandbox, org_a, attempt, "9000000001")
    before = provider_stats(sandbox)
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
    after = provider_stats(sandbox)
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
    submit_right_otp(sandbox, org_a, attempt, "9000000011")
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
    assert provider_stats(sandbox) == {"confirm_calls": 1, "repeat_confirms": 0}
    with schema_context(org_a.schema_name):
        assert StatusRecord.objects.filter(employee=attempt.employee).count() == 1


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
    assert provider_stats(journey.sandbox)["repeat_confirms"] == 0


@pytest.mark.django_db
def test_a_lasting_outage_ends_in_an_explicit_failed_state(sandbox, settings, org_a):
    settings.VERIFICATION_SEND_DEADLINE_S = 0  # give up at once instead of after 15 minutes
    sandbox.set_faults(error_rate=1)
    with schema_context(org_a.schema_name):
        employee = EmployeeFactory.create(
            code="OUT-1", full_name="Ravi Kumar", email="r@x.example", mobile="9000000001"
        )
        invitation = InvitationFactory.create(employee=employee)
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
        employee = EmployeeFactory.create(
            code="BUSY-1", full_name="Ravi Kumar", email="r@x.example", mobile="9000000001"
        )
        invitation = InvitationFactory.create(employee=employee)
        given = consent_give(invitation=invitation, language="en", ip=None, user_agent="")
        attempt = attempt_start(consent=given, mobile="9000000001", full_name="Ravi Kumar", ip=None)
        retries = [attempt_send_otp(attempt_id=attempt.pk) for _ in range(4)]
        delays = [r.delay_s for r in retries if r is not None]
        attempt.refresh_from_db()
    assert len(delays) == 4
    assert attempt.state == State.CREATED and attempt.error_code == "service_busy" and attempt.retries == 4
    assert all(0.5 <= d <= 60 for d in delays) and max(delays) > min(delays)


def test_a_number_cowin_will_not_send_an_otp_to_fails_at_once_and_says_what_to_do(flow, sandbox, org_a):
    """CoWIN's USRAUT0018 ("Generate OTP failed", a throttled or blocked number; the sandbox's
    9000000090): no retry loop for fifteen minutes, the employee is told to try later or use
    their certificate, and HR sees the reason in words."""
    attempt = flow("9000000090", "Sam Blocked")
    with schema_context(org_a.schema_name):
        assert attempt_send_otp(attempt_id=attempt.pk) is None
        attempt.refresh_from_db()
        assert (attempt.state, attempt.error_code) == (State.FAILED, "otp_not_sent")
        assert attempt.employee.progress == Progress.FAILED
    from verification.errors import message_for

    assert "verify with your vaccination certificate" in message_for(attempt.error_code)
    assert not sandbox.inbox(to="+919000000090", kind="sms")


def _terminate_backend(pid: int) -> None:
    """``pg_terminate_backend`` of ``pid`` from a connection of its own, as a DBA (or a
    failover) would."""
    import psycopg
    from django.db import connection

    params = connection.settings_dict
    with psycopg.connect(
        dbname=params["NAME"],
        user=params["USER"],
        password=params["PASSWORD"] or None,
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_a_token_held_when_the_database_connection_drops_is_saved_on_a_new_connection(
    flow, sandbox, org_a, monkeypatch
):
    """The worker's connection is terminated while the provider confirms the OTP: the token
    the provider gave (the OTP cannot be confirmed again) is saved on a new connection and
    the status is recorded, with one confirm at the provider."""
    from django.db import connection

    from verification.providers.kycvs import get_provider

    attempt = flow()
    submit_right_otp(sandbox, org_a, attempt, "9000000001")
    before = provider_stats(sandbox)
    with schema_context(org_a.schema_name):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()
        provider = get_provider()
        real_confirm = provider.confirm_otp

        def confirm_then_drop(**kwargs: str):  # type: ignore[no-untyped-def]
            access = real_confirm(**kwargs)
            _terminate_backend(pid)  # while the token is only in the worker's memory
            return access

        monkeypatch.setattr(provider, "confirm_otp", confirm_then_drop)
        assert attempt_confirm_otp(attempt_id=attempt.pk) is None
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (new_pid,) = cursor.fetchone()
        row = VerificationAttempt.objects.get(pk=attempt.pk)
        assert new_pid != pid  # the drop did happen, and the step went on on a new connection
        assert row.state == State.VERIFIED
        assert StatusRecord.objects.filter(attempt=attempt).count() == 1
    after = provider_stats(sandbox)
    assert after["confirm_calls"] - before["confirm_calls"] == 1
    assert after["repeat_confirms"] == 0


def test_confirming_an_otp_records_everything_in_a_bounded_number_of_queries(flow, sandbox, org_a):
    """What one verification costs the worker beyond the two provider calls: the claim, the
    token saved, then one transaction (the status record, the employee's row, the attempt,
    the link used, one audit row). A change that adds a query per verification shows here."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import tenant_context

    from verification.attempts.tasks import attempt_confirm_otp_task
    from verification.audit import AuditAction
    from verification.models import AuditEvent, Invitation

    attempt = flow()
    submit_right_otp(sandbox, org_a, attempt, "9000000001")
    with tenant_context(org_a):
        # Through the task, as a worker runs it (in the organization the message names). The
        # switch to the organization is not counted (every task has it, the trivial ones too),
        # nor the organization's row (a worker has it cached: tenant-schemas-celery).
        with CaptureQueriesContext(connection) as queries:
            attempt_confirm_otp_task.apply(args=(attempt.pk,), throw=True)
        steps = [
            q["sql"]
            for q in queries.captured_queries
            if '"tenants_organization"' not in q["sql"] and not q["sql"].startswith("SET search_path")
        ]
        assert len(steps) <= 13, "\n".join(steps)
        row = VerificationAttempt.objects.get(pk=attempt.pk)
        assert (row.state, row.token, row.otp, row.next_action_at) == (State.VERIFIED, None, None, None)
        assert row.finished_at is not None and row.confirm_started_at is not None
        record = StatusRecord.objects.get(attempt=attempt)
        assert record.key_id and record.evidence.count(".") == 2  # the JWS as the provider signed it
        employee = row.employee
        assert employee.progress == Progress.VERIFIED
        assert (employee.vaccination_status, employee.status_method) == (record.status, "kycvs")
        assert Invitation.objects.get(pk=row.consent.invitation_id).used_at is not None
        succeeded = AuditEvent.objects.filter(
            action=AuditAction.VERIFICATION_SUCCEEDED, data__attempt_id=attempt.pk
        )
        assert [(e.employee_id, e.data["key_id"]) for e in succeeded] == [(employee.pk, record.key_id)]
