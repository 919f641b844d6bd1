"""What the reminders' tests share (not a test file): an employee invited at a fixed time, and
the days after it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings
from django_tenants.utils import tenant_context

from portal.testing import OrgFixture
from verification.invitations.services import invitation_send
from verification.models import Invitation
from verification.tests.factories import EmployeeFactory, InvitationFactory

SENT = datetime(2026, 11, 2, 10, 0, tzinfo=ZoneInfo(settings.TIME_ZONE))


def invited_at_sent(org: OrgFixture, code: str = "R1") -> Invitation:
    """An employee invited (and e-mailed) at SENT."""
    with tenant_context(org.get()), time_machine.travel(SENT, tick=False):
        employee = EmployeeFactory.create(
            code=code, full_name=f"Asha {code}", email=f"{code.lower()}@staff.example"
        )
        invitation = InvitationFactory.create(employee=employee)
        assert invitation_send(invitation=invitation)
        return Invitation.objects.select_related("employee").get(pk=invitation.pk)


def day_after(days: float, hours: float = 0) -> datetime:
    return SENT + timedelta(days=days, hours=hours)
