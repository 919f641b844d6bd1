"""Helpers of tests that need an employee who verified through their link's pages, without a
worker: the browser's steps go through the real pages; the worker's two steps (CoWIN sent the
SMS; CoWIN confirmed the OTP and answered) are written the way the worker writes them.

Journeys with a real worker and the sandbox over HTTP are in test_journey.py.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from conftest import OrgFixture
from verification.attempts.worker import attempt_status_record
from verification.employees.services import employee_create
from verification.invitations.services import invitation_create
from verification.models import Employee, Invitation, VerificationAttempt
from verification.providers.base import VaccinationStatus as ProviderStatus
from verification.providers.kycvs.protocol import SignedStatus

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
    with schema_context(org.schema_name):
        employee = employee_create(
            code=f"EF-{tag}", full_name=name, email=f"{tag}@staff.example", mobile=mobile
        )
        return invitation_create(employee=employee)


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
    assert client.post(f"/c/{token}/agree/", {"agree": "on"})["Location"] == f"/c/{token}/details/"
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
