"""Helpers of tests that walk the employee's pages (not a test file).

``verify_through_the_pages``: an employee who verified through their link's pages, without a
worker: the browser's steps go through the real pages; the worker's two steps (CoWIN sent the
SMS; CoWIN confirmed the OTP and answered) are written the way the worker writes them.

``Journey``: the whole journey with a real Celery worker and the sandbox over HTTP (the
``journey`` fixture, verification/conftest.py), as HR and the employee go through it.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from portal.testing import OrgFixture, host_client
from verification.attempts.worker import attempt_status_record
from verification.models import Employee, Invitation, VerificationAttempt
from verification.providers.base import VaccinationStatus as ProviderStatus
from verification.providers.kycvs.protocol import SignedStatus
from verification.tests.factories import EmployeeFactory, InvitationFactory

State = VerificationAttempt.State


@dataclass(frozen=True)
class Verified:
    employee: Employee
    invitation: Invitation
    attempt: VerificationAttempt

    @property
    def token(self) -> str:
        return self.invitation.token


def invited(org: OrgFixture, *, name: str = "Ravi Kumar", mobile: str | None = "9000000001") -> Invitation:
    tag = uuid.uuid4().hex[:8]
    return InvitationFactory.create(
        org=org,
        employee__code=f"EF-{tag}",
        employee__full_name=name,
        employee__email=f"{tag}@staff.example",
        employee__mobile=mobile,
    )


def verify_through_the_pages(
    org: OrgFixture,
    client: Client,
    *,
    name: str = "Ravi Kumar",
    mobile: str | None = "9000000001",
    other_mobile: str | None = None,
    given_name: str | None = None,
    status: int = 2,
) -> Verified:
    """Invite an employee (``name``, ``mobile`` on file); in ``client``'s browser agree, send
    the details (the number on file, or ``other_mobile``) and submit an OTP; then record the
    signed status as the worker does."""
    invitation = invited(org, name=name, mobile=mobile)
    token = invitation.token
    assert client.post(f"/c/{token}/agree/", {"agree": "on"})["Location"] == f"/c/{token}/verify/"
    details = {
        "full_name": given_name or name,
        "number": "other" if other_mobile else "on_file",
        "mobile": other_mobile or "",
    }
    response = client.post(f"/c/{token}/details/", details)
    assert response.status_code == 302, response.content.decode()[:3000]
    now = timezone.now()
    with schema_context(org.schema_name):
        attempt = VerificationAttempt.objects.get(consent__invitation=invitation)
        # The worker, once CoWIN has sent the SMS:
        VerificationAttempt.objects.filter(pk=attempt.pk).update(
            state=State.OTP_SENT, txn_id="txn", otp_sent_at=now, otp_expires_at=now + timedelta(minutes=3)
        )
    assert client.post(f"/c/{token}/otp/", {"otp": "123456"})["Location"] == f"/c/{token}/otp/"
    with schema_context(org.schema_name):
        # The worker, once CoWIN confirmed the OTP and answered with the signed status:
        VerificationAttempt.objects.filter(pk=attempt.pk).update(token="access-token")
        attempt_status_record(
            attempt_id=attempt.pk,
            signed=SignedStatus(
                status=ProviderStatus(status), evidence="h.p.s", key_id="k1", issued_at=now, claims={}
            ),
        )
        attempt.refresh_from_db()
        invitation = Invitation.objects.select_related("employee").get(pk=invitation.pk)
        return Verified(employee=invitation.employee, invitation=invitation, attempt=attempt)


def verify_through_another_number(org, client=None, **kwargs) -> Verified:  # type: ignore[no-untyped-def]
    """Ravi Kumar, 9000000099 on file, verified through 9000000001 typed in instead."""
    defaults = {"name": "Ravi Kumar", "mobile": "9000000099", "other_mobile": "9000000001"}
    return verify_through_the_pages(org, client or host_client(org.host), **{**defaults, **kwargs})


def employee_now(org, v: Verified) -> Employee:  # type: ignore[no-untyped-def]
    with schema_context(org.schema_name):
        return Employee.objects.get(pk=v.employee.pk)


class Journey:
    """One employee's journey (or several) in ``org``, with a real worker and the sandbox; the
    employees it made are removed by ``cleanup``."""

    def __init__(self, sandbox, org, worker) -> None:  # type: ignore[no-untyped-def]
        self.worker = worker
        self.sandbox = sandbox
        self.org = org
        self.client = host_client(org.host)
        self.employee_ids: list[int] = []

    # --- set-up, as HR would ---------------------------------------------------------------

    def employee(self, mobile: str, name: str) -> Employee:
        employee = EmployeeFactory.create(
            org=self.org,
            code=f"E-{uuid.uuid4().hex[:8]}",
            full_name=name,
            email=f"{uuid.uuid4().hex[:10]}@staff.example",
            mobile=mobile,
        )
        self.employee_ids.append(employee.pk)
        return employee

    def invite(self, employee: Employee) -> str:
        """Invite; wait for the e-mail in the dev inbox; return the link's token."""
        InvitationFactory.create(org=self.org, employee=employee)
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

    def consent_and_send_otp(self, token: str, mobile: str, name: str, *, number: str = "on_file") -> None:
        """Consent, then send the details: the number on file (``mobile`` is that number, as
        the person knows it), or with ``number="other"`` ``mobile`` typed in instead."""
        assert self.client.get(f"/c/{token}/").status_code == 200
        assert self.client.post(f"/c/{token}/agree/", {"agree": "on"})["Location"] == f"/c/{token}/verify/"
        details = {"full_name": name, "number": number, "mobile": mobile if number == "other" else ""}
        response = self.client.post(f"/c/{token}/details/", details)
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

    def verify(self, token: str, mobile: str, name: str, *, number: str = "on_file") -> str:
        """Consent, enter the right OTP, wait for the result page; return its HTML."""
        self.consent_and_send_otp(token, mobile, name, number=number)
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
