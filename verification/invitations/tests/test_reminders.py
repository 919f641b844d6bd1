"""Reminders with a frozen clock: by each organization's schedule, at most one e-mail a day,
never after an answer, an expiry or a revocation; HR's button follows the same rules."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.core import mail
from django_tenants.utils import schema_context, tenant_context

from portal.testing import OrgFixture
from verification.consent.services import consent_decline, consent_give
from verification.invitations.reminders import invitations_to_remind, reminder_days_clean, reminders_send
from verification.invitations.services import invitation_create, invitation_send
from verification.invitations.tests.helpers import day_after, invited_at_sent
from verification.models import AuditEvent, Invitation

pytestmark = pytest.mark.django_db


def _remind_at(org: OrgFixture, when: datetime, *, manual: bool = False) -> int:
    with tenant_context(org.get()), time_machine.travel(when, tick=False):
        return reminders_send(manual=manual)


def _reminders(to: str) -> list[mail.EmailMultiAlternatives]:
    """The reminder e-mails sent to ``to`` (pytest-django keeps e-mails in mail.outbox)."""
    return [
        m
        for m in mail.outbox
        if isinstance(m, mail.EmailMultiAlternatives) and m.to == [to] and m.subject.startswith("Reminder:")
    ]


def test_reminders_go_out_on_day_3_and_day_7_and_never_twice_a_day(org_a):
    invitation = invited_at_sent(org_a)
    email = invitation.employee.email

    assert _remind_at(org_a, day_after(1)) == 0
    assert _remind_at(org_a, day_after(3, hours=-1)) == 0
    assert _remind_at(org_a, day_after(3, hours=0.25)) == 1
    # The beat runs every 15 minutes: the same day sends nothing more.
    assert _remind_at(org_a, day_after(3, hours=0.5)) == 0
    assert _remind_at(org_a, day_after(3, hours=13)) == 0
    for day in (4, 5, 6):
        assert _remind_at(org_a, day_after(day)) == 0
    assert _remind_at(org_a, day_after(7, hours=0.1)) == 1
    for day in (8, 10, 13):
        assert _remind_at(org_a, day_after(day)) == 0

    with schema_context(org_a.schema_name):
        invitation = Invitation.objects.select_related("employee").get(pk=invitation.pk)
        assert invitation.reminder_count == 2
        assert invitation.last_reminded_at == day_after(7, hours=0.1)
        events = list(AuditEvent.objects.filter(action="invitation.reminded").order_by("at"))
    assert [(e.data["reminder"], e.data["manual"], e.actor_kind) for e in events] == [
        (1, False, "system"),
        (2, False, "system"),
    ]
    assert all(e.employee_id == invitation.employee_id for e in events)
    sent = _reminders(email)
    assert len(sent) == 2
    # English and Hindi, with the personal link and no one else's details.
    text, html = sent[0].body, str(sent[0].alternatives[0][0])
    assert f"/c/{invitation.token}/" in text and f"/c/{invitation.token}/" in html
    assert "A reminder:" in text and "याद दिलाने के लिए" in text and 'lang="hi"' in html


def test_missed_schedule_days_collapse_into_one_reminder(org_a):
    invitation = invited_at_sent(org_a)
    # Beat was down until day 8: one reminder, not one per missed day.
    assert _remind_at(org_a, day_after(8)) == 1
    assert _remind_at(org_a, day_after(9)) == 0
    assert _remind_at(org_a, day_after(12)) == 0
    assert len(_reminders(invitation.employee.email)) == 1


def test_no_reminder_after_the_employee_declined_or_consented(org_a):
    declined = invited_at_sent(org_a, "R1")
    consented = invited_at_sent(org_a, "R2")
    with tenant_context(org_a.get()), time_machine.travel(day_after(2), tick=False):
        consent_decline(invitation=declined, language="en", ip=None, user_agent="")
        consent_give(invitation=consented, language="en", ip=None, user_agent="")

    for when in (day_after(3, hours=1), day_after(7, hours=1)):
        assert _remind_at(org_a, when) == 0
        assert _remind_at(org_a, when, manual=True) == 0
    assert not _reminders(declined.employee.email) and not _reminders(consented.employee.email)


def test_no_reminder_after_the_invitation_expired_or_was_replaced(org_a):
    expiring = invited_at_sent(org_a, "R1")
    replaced = invited_at_sent(org_a, "R2")
    with tenant_context(org_a.get()):
        Invitation.objects.filter(pk=expiring.pk).update(expires_at=day_after(5))
    assert _remind_at(org_a, day_after(3, hours=1)) == 2

    with tenant_context(org_a.get()), time_machine.travel(day_after(6), tick=False):
        # A new invitation revokes the old one; it gets its own e-mail and schedule.
        newer = invitation_create(employee=replaced.employee)
        invitation_send(invitation=newer)
    assert _remind_at(org_a, day_after(6, hours=20), manual=True) == 0  # R2's new e-mail is hours old
    assert _remind_at(org_a, day_after(7, hours=1)) == 0  # R1 expired; R2's old link revoked
    assert _remind_at(org_a, day_after(6 + 3, hours=1)) == 1  # day 3 of R2's new invitation
    with schema_context(org_a.schema_name):
        assert Invitation.objects.get(pk=newer.pk).reminder_count == 1
        assert Invitation.objects.get(pk=replaced.pk).reminder_count == 1
        assert Invitation.objects.get(pk=expiring.pk).reminder_count == 1


def test_no_reminder_for_an_inactive_employee(org_a):
    invitation = invited_at_sent(org_a)
    with schema_context(org_a.schema_name):
        invitation.employee.__class__.objects.filter(pk=invitation.employee_id).update(is_active=False)
    assert _remind_at(org_a, day_after(3, hours=1)) == 0


def test_the_button_skips_the_schedule_but_not_the_one_a_day_rule(org_a):
    invitation = invited_at_sent(org_a)
    # Within a day of the invitation e-mail: nothing.
    assert _remind_at(org_a, day_after(0, hours=20), manual=True) == 0
    assert _remind_at(org_a, day_after(1, hours=1), manual=True) == 1
    assert _remind_at(org_a, day_after(1, hours=2), manual=True) == 0
    # The schedule's day 3 still comes (more than a day later).
    assert _remind_at(org_a, day_after(3, hours=1)) == 1
    assert _remind_at(org_a, day_after(3, hours=2), manual=True) == 0
    assert len(_reminders(invitation.employee.email)) == 2


def test_each_organization_has_its_own_schedule(org_a, org_b):
    a = invited_at_sent(org_a, "RA")
    b = invited_at_sent(org_b, "RB")
    organization = org_b.get()
    organization.reminder_days = [1, 2]
    organization.save(update_fields=["reminder_days"])
    try:
        assert _remind_at(org_b, day_after(1, hours=1)) == 1
        assert _remind_at(org_a, day_after(1, hours=1)) == 0
        assert _remind_at(org_b, day_after(2, hours=1)) == 1
        assert _remind_at(org_b, day_after(3, hours=1)) == 0
        assert _remind_at(org_a, day_after(3, hours=1)) == 1
    finally:
        organization.reminder_days = [3, 7]
        organization.save(update_fields=["reminder_days"])
    assert len(_reminders(a.employee.email)) == 1
    assert len(_reminders(b.employee.email)) == 2


def test_reminder_days_are_cleaned():
    assert reminder_days_clean([7, "3", 3, 0, -1, 400, "x", None]) == [3, 7]
    assert reminder_days_clean(None) == []
    assert reminder_days_clean("3,7") == []


def test_an_empty_schedule_sends_nothing_by_itself(org_a):
    invited_at_sent(org_a)
    organization = org_a.get()
    organization.reminder_days = []
    organization.save(update_fields=["reminder_days"])
    try:
        assert _remind_at(org_a, day_after(3, hours=1)) == 0
        with tenant_context(org_a.get()), time_machine.travel(day_after(3, hours=1), tick=False):
            assert invitations_to_remind(manual=True).count() == 1
    finally:
        organization.reminder_days = [3, 7]
        organization.save(update_fields=["reminder_days"])
