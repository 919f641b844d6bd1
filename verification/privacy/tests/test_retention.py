"""Retention: what is held about a withdrawn employee's vaccination is erased after the
organization's days, and a record of it is left."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_tenants.utils import schema_context

from verification.models import AuditEvent, Consent, Employee, Progress, StatusRecord, VerificationAttempt
from verification.privacy.retention import retention_erase
from verification.tests.factories import (
    ConsentFactory,
    EmployeeFactory,
    InvitationFactory,
    StatusRecordFactory,
    VerificationAttemptFactory,
)

pytestmark = pytest.mark.django_db


def test_retention_erases_after_the_set_days_and_leaves_a_record(org_a):
    with schema_context(org_a.schema_name):
        employee = EmployeeFactory.create(
            code="RET-1", full_name="A B", email="a@b.example", mobile="9000000001"
        )
        invitation = InvitationFactory.create(employee=employee)
        consent = ConsentFactory.create(invitation=invitation, notice_version="x")
        attempt = VerificationAttemptFactory.create(consent=consent, mobile="+919000000001")
        StatusRecordFactory.create(attempt=attempt, evidence="x.y.z")
        Consent.objects.filter(pk=consent.pk).update(withdrawn_at=timezone.now())
        Employee.objects.filter(pk=employee.pk).update(progress=Progress.WITHDRAWN)
        with time_machine.travel(timezone.now() + timedelta(days=29)):
            assert retention_erase() == 0
        with time_machine.travel(timezone.now() + timedelta(days=31)):
            assert retention_erase() == 1
            assert retention_erase() == 0  # nothing left to erase
        row = Employee.objects.get(pk=employee.pk)
        assert (row.mobile, row.mobile_last4) == (None, "")
        assert not StatusRecord.objects.filter(employee=employee).exists()
        assert VerificationAttempt.objects.get(pk=attempt.pk).mobile is None
        assert (
            AuditEvent.objects.get(action="retention.erased", employee_id=employee.pk).data[
                "status_records_erased"
            ]
            == 1
        )
