"""Invitations without an e-mail: by SMS through the configured gateway (the sandbox's dev inbox
here), the channel each employee gets, reminders by the same channel, and the audit."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_tenants.utils import tenant_context

from verification.invitations.reminders import invitations_to_remind, reminder_send
from verification.invitations.services import (
    ChannelUnavailable,
    channel_default,
    channels_available,
    invitation_create,
    invitation_send,
    invitation_sms_text,
    invitations_create,
)
from verification.models import AuditEvent, Channel, Employee, Invitation
from verification.providers.sandbox import store
from verification.sms import SMS_MAX_CHARS
from verification.tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db


def _mobile() -> str:
    # A number of this test only: the dev inbox lives in Redis for the whole session.
    return f"9{uuid.uuid4().int % 10**9:09d}"


def _sms(mobile: str) -> list[dict]:
    return store.inbox_list(to=f"+91{mobile}", kind="sms")


def _shop_floor(org, **kwargs) -> tuple[Employee, str]:  # type: ignore[no-untyped-def]
    mobile = _mobile()
    employee = EmployeeFactory.create(org=org, email="", mobile=mobile, full_name="Ramesh Yadav", **kwargs)
    return employee, mobile


def test_the_channel_follows_what_is_on_file(org_a, settings):
    with tenant_context(org_a.get()):
        both = EmployeeFactory.create(email="both@example.com", mobile=_mobile())
        sms_only, _ = _shop_floor(org_a)
        neither = EmployeeFactory.create(email="")
        assert channels_available(both) == [Channel.EMAIL, Channel.SMS, Channel.LETTER]
        assert channel_default(both) == Channel.EMAIL
        assert channel_default(sms_only) == Channel.SMS
        assert channel_default(neither) == Channel.LETTER
        settings.SMS_BACKEND = ""  # no gateway: SMS is not offered
        assert channels_available(sms_only) == [Channel.LETTER]
        with pytest.raises(ChannelUnavailable):
            invitation_create(employee=sms_only, channel=Channel.SMS)


def test_an_employee_without_e_mail_is_invited_by_a_short_sms(org_a, mailoutbox):
    with tenant_context(org_a.get()):
        employee, mobile = _shop_floor(org_a)
        invitation = invitation_create(employee=employee)
        assert invitation.channel == Channel.SMS
        assert invitation_send(invitation=invitation)
        assert not invitation_send(invitation=invitation)  # once
        (message,) = _sms(mobile)
        link = re.search(r"http://alpha\.localhost:8000/c/([\w-]+)/", message["text"])
        assert link, message["text"]
        assert link.group(1) == invitation.token and len(invitation.token) == 22
        assert message["text"].startswith(
            "Alpha asks for your COVID-19 vaccination status, only if you agree."
        )
        assert len(message["text"]) <= SMS_MAX_CHARS
        assert mailoutbox == []
        actions = list(
            AuditEvent.objects.filter(employee_id=employee.pk).values_list("action", "data__channel")
        )
        assert ("invitation.created", "sms") in actions
        assert ("invitation.texted", "sms") in actions
        # The audit never holds the number or the link.
        for data in AuditEvent.objects.filter(employee_id=employee.pk).values_list("data", flat=True):
            assert mobile not in str(data) and invitation.token not in str(data)


def test_the_sms_stays_one_message_with_a_long_organization_name(org_a):
    organization = org_a.get()
    organization.name = "Shree Ganesh Textile Mills and Garment Exports Private Limited of Tiruppur"
    with tenant_context(organization):
        employee, _ = _shop_floor(org_a)
        invitation = invitation_create(employee=employee)
        text = invitation_sms_text(invitation, template="invitation")
        assert len(text) <= SMS_MAX_CHARS
        assert text.startswith("Shree Ganesh Textile")
        assert f"/c/{invitation.token}/" in text
        # The name is shortened, never the link.
        assert text.endswith(f"/c/{invitation.token}/")


def test_reminders_go_by_sms_too_and_letters_get_none(org_a):
    with tenant_context(org_a.get()):
        employee, mobile = _shop_floor(org_a)
        invitation = invitation_create(employee=employee)
        invitation_send(invitation=invitation)
        letter_person = EmployeeFactory.create(email="")
        letter = invitation_create(employee=letter_person)
        assert letter.channel == Channel.LETTER
        Invitation.objects.filter(pk=letter.pk).update(sent_at=timezone.now())
        with time_machine.travel(timezone.now() + timedelta(days=3, hours=1)):
            due = set(invitations_to_remind(manual=True).values_list("pk", flat=True))
            assert invitation.pk in due and letter.pk not in due
            assert reminder_send(invitation_id=invitation.pk, manual=True)
        texts = [m["text"] for m in _sms(mobile)]
        assert texts[0].startswith("Reminder: Alpha asks")
        event = AuditEvent.objects.get(action="invitation.reminded", employee_id=employee.pk)
        assert event.data["channel"] == "sms"


def test_inviting_several_leaves_out_those_only_a_letter_reaches(org_a):
    with tenant_context(org_a.get()):
        by_mail = EmployeeFactory.create()
        by_sms, _ = _shop_floor(org_a)
        nobody = EmployeeFactory.create(email="")
        made = invitations_create(employees=[by_mail, by_sms, nobody])
        assert [(i.employee_id, i.channel) for i in made] == [(by_mail.pk, "email"), (by_sms.pk, "sms")]
        assert not Invitation.objects.filter(employee=nobody).exists()


def test_hr_chooses_sms_on_the_employees_page(org_a):
    from portal.testing import signed_in

    with tenant_context(org_a.get()):
        employee = EmployeeFactory.create(email="both@example.com", mobile=_mobile())
    client = signed_in(org_a)
    page = client.get(f"/employees/{employee.pk}/").content.decode()
    assert 'data-invite="email"' in page and 'data-invite="sms"' in page and 'data-invite="letter"' in page
    response = client.post(f"/employees/{employee.pk}/invite/", {"channel": "sms"}, follow=True)
    assert "Invitation sent to Person" in response.content.decode() and "by SMS" in response.content.decode()
    with tenant_context(org_a.get()):
        assert Invitation.objects.get(employee=employee).channel == Channel.SMS
    refused = client.post(f"/employees/{employee.pk}/invite/", {"channel": "pigeon"}, follow=True)
    assert "cannot be reached that way" in refused.content.decode()


def test_an_employee_without_mobile_or_gateway_is_not_offered_sms(org_a, settings):
    from portal.testing import signed_in

    with tenant_context(org_a.get()):
        employee = EmployeeFactory.create(email="only@example.com")
    client = signed_in(org_a)
    page = client.get(f"/employees/{employee.pk}/").content.decode()
    assert 'data-invite="sms"' not in page
    assert (
        "cannot be reached"
        in client.post(f"/employees/{employee.pk}/invite/", {"channel": "sms"}, follow=True).content.decode()
    )


def test_without_e_mail_the_view_code_comes_by_sms_and_receipts_are_skipped(org_a, mailoutbox):
    from verification.invitations.services import receipt_send, view_code_email_send

    with tenant_context(org_a.get()):
        employee, mobile = _shop_floor(org_a)
        invitation = invitation_create(employee=employee)
        view_code_email_send(invitation=invitation, code="482913", expires_at=timezone.now())
        (message,) = _sms(mobile)
        assert message["text"].startswith(
            "482913 is your code to see your vaccination status and data at Alpha."
        )
        receipt_send(invitation=invitation, kind="verified")
        assert mailoutbox == []
