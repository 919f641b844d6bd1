"""The employee's whole journey with a real Celery worker and the sandbox over HTTP:
invitation e-mail -> consent -> details -> OTP from the SMS inbox -> signed status.

Data here is committed (the worker is another process), so each test cleans up its employees.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from conftest import host_client
from verification.models import (
    AuditEvent,
    Consent,
    Employee,
    Invitation,
    Progress,
    StatusRecord,
    VerificationAttempt,
)
from verification.services.employees import employee_create
from verification.services.invitations import invitation_create

pytestmark = [pytest.mark.worker]
State = VerificationAttempt.State


@pytest.fixture
def journey(celery_worker_process, committed_db, sandbox, org_a) -> Iterator[Journey]:  # type: ignore[no-untyped-def]
    j = Journey(sandbox=sandbox, org=org_a, worker=celery_worker_process)
    yield j
    j.cleanup()


class Journey:
    def __init__(self, sandbox, org, worker) -> None:  # type: ignore[no-untyped-def]
        self.worker = worker
        self.sandbox = sandbox
        self.org = org
        self.client = host_client(org.host)
        self.employee_ids: list[int] = []

    # --- set-up, as HR would ---------------------------------------------------------------

    def employee(self, mobile: str, name: str) -> Employee:
        with schema_context(self.org.schema_name):
            employee = employee_create(
                code=f"E-{uuid.uuid4().hex[:8]}",
                full_name=name,
                email=f"{uuid.uuid4().hex[:10]}@staff.example",
                mobile=mobile,
            )
        self.employee_ids.append(employee.pk)
        return employee

    def invite(self, employee: Employee) -> str:
        """Invite; wait for the e-mail in the dev inbox; return the link's token."""
        with schema_context(self.org.schema_name):
            invitation_create(employee=employee)
        message = self.wait(lambda: (self.sandbox.inbox(to=employee.email, kind="email") or [None])[0])
        assert "/c/" in message["text"] and message["html"]
        link = re.search(r"https?://\S+/c/([\w-]+)/", message["text"])
        assert link, message["text"]
        assert link.group(0).startswith(f"http://{self.org.host}:")
        return link.group(1)

    def cleanup(self) -> None:
        with schema_context(self.org.schema_name):
            Employee.objects.filter(pk__in=self.employee_ids).delete()

    # --- the employee ----------------------------------------------------------------------

    def wait(self, probe, timeout: float = 30.0):  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while True:
            value = probe()
            if value:
                return value
            assert time.monotonic() < deadline, f"timed out; worker log ends:\n{self.worker.log()[-3000:]}"
            time.sleep(0.1)

    def consent_and_send_otp(self, token: str, mobile: str, name: str) -> None:
        assert self.client.get(f"/c/{token}/").status_code == 200
        assert self.client.post(f"/c/{token}/agree/", {"agree": "on"})["Location"] == f"/c/{token}/details/"
        response = self.client.post(f"/c/{token}/details/", {"mobile": mobile, "full_name": name})
        assert response["Location"] == f"/c/{token}/otp/", response.content.decode()[:2000]

    def panel(self, token: str) -> tuple[str, str]:
        """(state, html) of the OTP panel, as the page's polling sees it; state 'redirect:<url>'."""
        response = self.client.get(f"/c/{token}/otp/state/")
        if "HX-Redirect" in response:
            return f"redirect:{response['HX-Redirect']}", ""
        html = response.content.decode()
        match = re.search(r'data-state="(\w+)"', html)
        assert match, html
        return match.group(1), html

    def wait_panel(self, token: str, *states: str) -> str:
        """Poll the panel until its state starts with one of ``states``; return its HTML (or
        the 'redirect:<url>' marker)."""

        def probe() -> str | None:
            state, html = self.panel(token)
            return (html or state) if state.startswith(states) else None

        return self.wait(probe)

    def submit_otp(self, token: str, otp: str) -> None:
        assert self.client.post(f"/c/{token}/otp/", {"otp": otp}).status_code == 302

    def verify(self, token: str, mobile: str, name: str) -> str:
        """Consent, enter the right OTP, wait for the result page; return its HTML."""
        self.consent_and_send_otp(token, mobile, name)
        self.wait_panel(token, State.OTP_SENT)
        self.submit_otp(token, self.sandbox.last_otp(mobile))
        redirect = self.wait_panel(token, "redirect:")
        assert redirect == f"redirect:/c/{token}/done/" or redirect.endswith(f"/c/{token}/done/")
        page = self.client.get(f"/c/{token}/done/")
        assert page.status_code == 200
        return page.content.decode()

    def employee_row(self, employee: Employee) -> Employee:
        with schema_context(self.org.schema_name):
            return Employee.objects.get(pk=employee.pk)


@pytest.mark.parametrize(
    "mobile, name, status, label",
    [
        ("9000000001", "Ravi Kumar", 2, "Fully vaccinated"),
        ("9000000011", "Imran Khan", 1, "Partially vaccinated"),
        ("9000000021", "Sunil Das", 0, "Not vaccinated"),
    ],
)
def test_each_status_end_to_end(journey, mobile, name, status, label):
    employee = journey.employee(mobile, name)
    token = journey.invite(employee)
    page = journey.verify(token, mobile, name)
    assert label in page

    row = journey.employee_row(employee)
    assert (row.progress, row.vaccination_status) == (Progress.VERIFIED, status)
    with schema_context(journey.org.schema_name):
        record = StatusRecord.objects.get(employee=employee)
        assert record.status == status and record.evidence.count(".") == 2
        attempt = record.attempt
        assert attempt.otp is None and attempt.token is None  # nothing of the person left in flight
        assert Invitation.objects.get(employee=employee).used_at is not None
        actions = list(
            AuditEvent.objects.filter(employee_id=employee.pk)
            .order_by("at", "id")
            .values_list("action", flat=True)
        )
        assert actions[:2] == ["employee.created", "invitation.created"]
        for action in (
            "invitation.sent",
            "invitation.opened",
            "consent.given",
            "otp.sent",
            "otp.submitted",
            "verification.succeeded",
        ):
            assert action in actions
    receipt = journey.wait(
        lambda: [
            m for m in journey.sandbox.inbox(to=employee.email, kind="email") if "shared" in m["subject"]
        ]
    )
    assert token in receipt[0]["text"]  # the receipt carries the link, to withdraw later
    assert label not in receipt[0]["text"]  # but not the status itself

    # Nothing personal in Celery messages, worker logs or the audit trail.
    otps = [m["text"][:6] for m in journey.sandbox.inbox(to=f"+91{mobile}", kind="sms")]
    worker_log = journey.worker.log()
    with schema_context(journey.org.schema_name):
        audit = str(list(AuditEvent.objects.filter(employee_id=employee.pk).values_list("data", flat=True)))
    for secret in (mobile, name, employee.email, token, *otps):
        assert secret not in worker_log
        assert secret not in audit


def test_the_hr_record_mobile_is_masked_and_corrected_details_are_kept(journey):
    employee = journey.employee("9000000099", "Ravi  Kumar")
    token = journey.invite(employee)
    details = journey.client.get(f"/c/{token}/")
    assert "9000000099" not in details.content.decode()
    journey.verify(token, "9000000001", "Ravi Kumar")  # corrected number and spacing
    row = journey.employee_row(employee)
    assert row.mobile == "+919000000001" and row.mobile_last4 == "0001" and row.full_name == "Ravi Kumar"
    with schema_context(journey.org.schema_name):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT mobile FROM verification_employee WHERE id = %s", [employee.pk])
            stored = cursor.fetchone()[0]
    assert "9000000001" not in stored  # encrypted at rest


def test_decline_is_recorded_and_the_link_stops_working(journey):
    employee = journey.employee("9000000002", "Priya Sharma")
    token = journey.invite(employee)
    assert journey.client.post(f"/c/{token}/decline/")["Location"] == f"/c/{token}/"
    page = journey.client.get(f"/c/{token}/").content.decode()
    assert "You declined" in page
    # the link can no longer be used to consent
    assert journey.client.post(f"/c/{token}/agree/", {"agree": "on"})["Location"] == f"/c/{token}/"
    with schema_context(journey.org.schema_name):
        assert [c.decision for c in Consent.objects.filter(employee=employee)] == ["declined"]
    assert journey.employee_row(employee).progress == Progress.DECLINED
    journey.wait(
        lambda: [
            m for m in journey.sandbox.inbox(to=employee.email, kind="email") if "declined" in m["subject"]
        ]
    )


def test_withdraw_erases_status_and_evidence(journey):
    employee = journey.employee("9000000003", "Anjali Gupta")
    token = journey.invite(employee)
    journey.verify(token, "9000000003", "Anjali Gupta")

    assert "Withdraw your consent" in journey.client.get(f"/c/{token}/withdraw/").content.decode()
    assert journey.client.post(f"/c/{token}/withdraw/").status_code == 302
    page = journey.client.get(f"/c/{token}/").content.decode()
    assert "You have withdrawn your consent" in page

    row = journey.employee_row(employee)
    assert (row.progress, row.vaccination_status, row.status_verified_at) == (Progress.WITHDRAWN, None, None)
    with schema_context(journey.org.schema_name):
        assert not StatusRecord.objects.filter(employee=employee).exists()
        assert not VerificationAttempt.objects.filter(employee=employee, mobile__isnull=False).exists()
        withdrawn = AuditEvent.objects.get(employee_id=employee.pk, action="consent.withdrawn")
        assert withdrawn.data["status_records_erased"] == 1
    receipt = journey.wait(
        lambda: [
            m for m in journey.sandbox.inbox(to=employee.email, kind="email") if "withdrew" in m["subject"]
        ]
    )
    assert "erased" in receipt[0]["text"]


def test_wrong_otp_then_right(journey):
    employee = journey.employee("9000000012", "Lakshmi Iyer")
    token = journey.invite(employee)
    journey.consent_and_send_otp(token, "9000000012", "Lakshmi Iyer")
    journey.wait_panel(token, State.OTP_SENT)
    real = journey.sandbox.last_otp("9000000012")
    journey.submit_otp(token, f"{(int(real) + 1) % 10**6:06d}")

    def rejected() -> str | None:
        state, html = journey.panel(token)
        return html if state == State.OTP_SENT and "not right" in html else None

    html = journey.wait(rejected)
    assert "2 more tries" in html
    journey.submit_otp(token, real)
    assert journey.wait_panel(token, "redirect:").endswith("/done/")
    assert journey.employee_row(employee).vaccination_status == 1


def test_expired_otp_offers_a_new_one(journey, settings):
    settings.KYCVS_SANDBOX_OTP_TTL_S = 1  # the sandbox (served from this process) expires it fast
    employee = journey.employee("9000000022", "Meera Nair")
    token = journey.invite(employee)
    journey.consent_and_send_otp(token, "9000000022", "Meera Nair")
    journey.wait_panel(token, State.OTP_SENT)
    otp = journey.sandbox.last_otp("9000000022")
    time.sleep(1.3)
    journey.submit_otp(token, otp)
    html = journey.wait_panel(token, State.EXPIRED)
    assert "expired" in html.lower()
    assert "seconds" in html  # resend cooldown shown, counting down


def test_expired_link(journey):
    employee = journey.employee("9000000001", "Ravi Kumar")
    token = journey.invite(employee)
    with schema_context(journey.org.schema_name):
        Invitation.objects.filter(employee=employee).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = journey.client.get(f"/c/{token}/")
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert journey.client.post(f"/c/{token}/agree/", {"agree": "on"})["Location"] == f"/c/{token}/"
    with schema_context(journey.org.schema_name):
        assert not Consent.objects.filter(employee=employee).exists()


def test_reused_link_after_finishing_shows_the_result_not_the_notice(journey):
    employee = journey.employee("9000000001", "Ravi Kumar")
    token = journey.invite(employee)
    journey.verify(token, "9000000001", "Ravi Kumar")
    response = journey.client.get(f"/c/{token}/")
    assert response["Location"] == f"/c/{token}/done/"
    journey.client.post(f"/c/{token}/agree/", {"agree": "on"})
    journey.client.post(f"/c/{token}/details/", {"mobile": "9000000001", "full_name": "Ravi Kumar"})
    with schema_context(journey.org.schema_name):
        assert Consent.objects.filter(employee=employee).count() == 1
        assert VerificationAttempt.objects.filter(employee=employee).count() == 1


def test_tampered_and_cross_tenant_tokens_are_not_found(journey, org_b):
    employee = journey.employee("9000000001", "Ravi Kumar")
    token = journey.invite(employee)
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    for client, path in (
        (journey.client, f"/c/{tampered}/"),
        (host_client(org_b.host), f"/c/{token}/"),  # a real token, on another organization's site
        (host_client(org_b.host), f"/c/{token}/withdraw/"),
    ):
        response = client.get(path)
        assert response.status_code == 404
        assert "This link is not valid" in response.content.decode()
    with schema_context(journey.org.schema_name):
        assert Invitation.objects.get(employee=employee).opened_at is None
