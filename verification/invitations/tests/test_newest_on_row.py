"""The newest invitation's channel and sending, kept on the employee's row (what the directory
shows without a subquery): set by inviting, sending and printing, left alone by an older
invitation, filled in by migration 0016 for invitations made before it, organization by
organization."""

from __future__ import annotations

import importlib
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from verification.invitations.services import invitation_create, invitation_send, invitation_sent_on_employee
from verification.letters.services import letters_issue
from verification.models import Channel, Employee, Invitation
from verification.tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db

BACKFILL = importlib.import_module("verification.migrations.0016_employee_newest_invitation").BACKFILL


def _row(employee: Employee) -> tuple[str, datetime | None]:
    fields = Employee.objects.values_list("last_invitation_channel", "last_invitation_sent_at")
    channel, sent_at = fields.get(pk=employee.pk)
    return channel, sent_at


def test_inviting_sending_and_inviting_again_follow_the_newest(org_a, org_b):
    with tenant_context(org_a.get()):
        employee = EmployeeFactory.create(mobile="9876543210")
        assert _row(employee) == ("", None)

        first = invitation_create(employee=employee)
        assert _row(employee) == (Channel.EMAIL, None)  # queued: not sent yet
        assert invitation_send(invitation=first)
        first.refresh_from_db()
        assert first.sent_at is not None
        assert _row(employee) == (Channel.EMAIL, first.sent_at)

        second = invitation_create(employee=employee, channel=Channel.SMS)
        assert _row(employee) == (Channel.SMS, None)
        # The first one going out late (a task retried after the second was made) does not
        # make the row say the newest went out.
        first.sent_at = timezone.now()
        invitation_sent_on_employee(first)
        assert _row(employee) == (Channel.SMS, None)
        assert second.sent_at is None

    with tenant_context(org_b.get()):
        # Another organization's employee with the same id is not touched.
        other = EmployeeFactory.create()
        assert _row(other) == ("", None)


def test_a_printed_letter_is_sent_when_printed(org_a):
    with tenant_context(org_a.get()):
        employee = EmployeeFactory.create(email="")
        before = timezone.now()
        (_page,) = letters_issue(employees=[employee], actor=None)
        channel, sent_at = _row(employee)
        assert channel == Channel.LETTER
        assert sent_at is not None and sent_at >= before
        assert sent_at == Invitation.objects.get(employee=employee, revoked_at__isnull=True).sent_at


def test_the_migration_copies_each_employees_newest_invitation(org_a, org_b):
    with tenant_context(org_a.get()):
        twice = EmployeeFactory.create(mobile="9876543210")
        older = invitation_create(employee=twice)
        newer = invitation_create(employee=twice, channel=Channel.SMS)
        sent = timezone.now() - timedelta(hours=2)
        Invitation.objects.filter(pk=older.pk).update(sent_at=sent - timedelta(days=1))
        Invitation.objects.filter(pk=newer.pk).update(sent_at=sent)
        queued = EmployeeFactory.create()
        invitation_create(employee=queued)
        never = EmployeeFactory.create()
        # As rows were before the migration: nothing on them.
        Employee.objects.update(last_invitation_channel="", last_invitation_sent_at=None)
    with tenant_context(org_b.get()):
        theirs = EmployeeFactory.create()
        invitation_create(employee=theirs)
        Employee.objects.update(last_invitation_channel="", last_invitation_sent_at=None)

    with schema_context(org_a.schema_name), connection.cursor() as cursor:
        cursor.execute(BACKFILL)
        assert cursor.rowcount == 2
        cursor.execute(BACKFILL)
        assert cursor.rowcount == 0  # again: nothing left to change

    with tenant_context(org_a.get()):
        assert _row(twice) == (Channel.SMS, sent)
        assert _row(queued) == (Channel.EMAIL, None)
        assert _row(never) == ("", None)
    with tenant_context(org_b.get()):
        assert _row(theirs) == ("", None)  # each organization's schema is migrated by itself


def test_the_resync_command_fixes_what_a_previous_release_left_in_every_organization(org_a, org_b, capsys):
    rows = []
    for org in (org_a, org_b):
        with tenant_context(org.get()):
            employee = EmployeeFactory.create()
            invitation = invitation_create(employee=employee)
            # Sent by a worker of the release before (the invitation written, the row not).
            Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now())
            rows.append((org, employee, Invitation.objects.get(pk=invitation.pk).sent_at))
            assert _row(employee) == (Channel.EMAIL, None)

    # As the README says to run it: every organization's schema (the public one has no employees).
    call_command("all_tenants_command", "invitations_resync", no_public=True)

    out = capsys.readouterr().out
    assert f"{org_a.schema_name}: 1 employee's row brought in line" in out
    assert f"{org_b.schema_name}: 1 employee's row brought in line" in out
    for org, employee, sent_at in rows:
        with tenant_context(org.get()):
            assert _row(employee) == (Channel.EMAIL, sent_at)
