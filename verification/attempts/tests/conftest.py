"""Fixtures of the attempts' tests."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from verification.attempts.steps import attempt_start
from verification.consent.services import consent_give
from verification.models import Employee, VerificationAttempt
from verification.tests.factories import EmployeeFactory, InvitationFactory


@pytest.fixture
def flow(committed_db, sandbox, org_a):  # type: ignore[no-untyped-def]
    """An employee who consented, in org A, driven through the services in this process."""
    created: list[int] = []

    def make(
        mobile: str = "9000000001", name: str = "Ravi Kumar", *, message_lost: bool = False
    ) -> VerificationAttempt:
        with schema_context(org_a.schema_name):
            employee = EmployeeFactory.create(
                code=f"F-{uuid.uuid4().hex[:8]}",
                full_name=name,
                email=f"{uuid.uuid4().hex[:8]}@x.example",
                mobile=mobile,
            )
            created.append(employee.pk)
            invitation = InvitationFactory.create(employee=employee)
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
