"""Reminder tasks: the same rules as the reminders themselves, and through a real worker beat's
fan-out into each organization and HR's button."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from portal.testing import OrgFixture, signed_in
from tenants.tasks import for_each_organization
from verification.invitations.tasks import reminders_plan_task, reminders_send_task
from verification.invitations.tests.helpers import day_after, invited_at_sent
from verification.models import AuditEvent, Employee, Invitation
from verification.tests.factories import EmployeeFactory, InvitationFactory


@pytest.mark.django_db
def test_tasks_apply_the_same_rules_and_record_who_pressed_the_button(org_a):
    from django.contrib.auth.models import User

    invitation = invited_at_sent(org_a)
    with tenant_context(org_a.get()), time_machine.travel(day_after(3, hours=1), tick=False):
        assert reminders_plan_task.apply().get() == 1
        owner = User.objects.get(username=org_a.owner_email)
        assert reminders_send_task.apply(args=([invitation.pk], True, owner.pk)).get() == 1
        # Queued twice (beat and button): sent once.
        assert reminders_send_task.apply(args=([invitation.pk], False, None)).get() == 0
        event = AuditEvent.objects.get(action="invitation.reminded")
    assert event.actor_kind == "staff" and event.actor_user_id == owner.pk and event.data["manual"] is True


@pytest.fixture
def invite(celery_worker_process, committed_db, sandbox) -> Iterator:  # type: ignore[no-untyped-def,type-arg]
    """Invite someone of an organization, e-mailed ``days_ago`` days ago (committed, so the
    worker sees it); everything made is removed afterwards."""
    made: list[tuple[str, int]] = []

    def make(org: OrgFixture, days_ago: float) -> str:
        email = f"{uuid.uuid4().hex[:10]}@staff.example"
        with schema_context(org.schema_name):
            employee = EmployeeFactory.create(
                code=f"RW-{uuid.uuid4().hex[:6]}", full_name="Remind Me", email=email
            )
            made.append((org.schema_name, employee.pk))
            sent = timezone.now() - timedelta(days=days_ago)
            # The invitation e-mail itself is not what is tested here; record it as sent then.
            invitation = InvitationFactory.create(employee=employee)
            Invitation.objects.filter(pk=invitation.pk).update(sent_at=sent, created_at=sent)
        return email

    yield make
    for schema, pk in made:
        with schema_context(schema):
            Employee.objects.filter(pk=pk).delete()


def _reminders(sandbox, email: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return [m for m in sandbox.inbox(to=email, kind="email") if m["subject"].startswith("Reminder:")]


def _wait(probe, timeout: float = 30.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not (value := probe()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)
    return value


@pytest.mark.worker
def test_beat_fan_out_reminds_by_each_organizations_schedule(invite, sandbox, org_a, org_b):
    due_a = invite(org_a, days_ago=3.1)
    early_b = invite(org_b, days_ago=1.1)
    due_b = invite(org_b, days_ago=7.2)

    assert for_each_organization.apply(args=["verification.tasks.reminders_plan_task"]).get() >= 2
    _wait(lambda: _reminders(sandbox, due_a) and _reminders(sandbox, due_b))
    # Once more, as beat would 15 minutes later: nobody gets a second e-mail today.
    for_each_organization.apply(args=["verification.tasks.reminders_plan_task"]).get()
    time.sleep(2)  # the worker takes one task at a time; give a wrong second e-mail time to land
    assert len(_reminders(sandbox, due_a)) == 1 and len(_reminders(sandbox, due_b)) == 1
    assert _reminders(sandbox, early_b) == []
    message = _reminders(sandbox, due_a)[0]
    assert f"{org_a.host}:" in message["text"] and org_b.host not in message["text"]


@pytest.mark.worker
def test_the_button_reminds_right_away_through_the_worker(invite, sandbox, org_a):
    email = invite(org_a, days_ago=1.5)  # not due by the schedule (day 3), but unanswered
    client = signed_in(org_a)
    response = client.post("/dashboard/remind/")
    assert response.status_code == 302
    message = _wait(lambda: _reminders(sandbox, email))[0]
    assert "/c/" in message["text"]
    with schema_context(org_a.schema_name):
        invitation = Invitation.objects.get(employee__email=email)
        assert invitation.reminder_count == 1
