"""Invitations: the link an employee opens to give or decline consent, how it reaches them
(e-mail, SMS or a printed letter), and the receipts."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from tenants.duework import Kind as DueKind
from tenants.duework import due_work_mark
from tenants.selectors import organization_current, organization_site_url
from verification import events
from verification.crypto import link_token_new, token_digest
from verification.events import Actor
from verification.mail import mail_send
from verification.models import Channel, Employee, Invitation, Progress, VerificationAttempt
from verification.providers.base import Method
from verification.queue import Task, enqueue
from verification.sms import SMS_MAX_CHARS, sms_send

#: Links that travel by SMS or on paper are typed or scanned: 128 random bits (22 characters)
#: keep them short and still unguessable; e-mailed links keep crypto.TOKEN_BYTES.
SHORT_TOKEN_BYTES = 16


class ChannelUnavailable(Exception):
    """The employee cannot be invited that way (no e-mail, no mobile, no SMS gateway)."""


def sms_enabled() -> bool:
    """Whether this deployment has an SMS gateway (settings.SMS_BACKEND)."""
    return bool(settings.SMS_BACKEND)


def channels_available(employee: Employee) -> list[Channel]:
    """The ways ``employee`` can be invited here: e-mail if they have one, SMS if they have a
    mobile and there is a gateway, and always a printed letter."""
    channels = []
    if employee.email:
        channels.append(Channel.EMAIL)
    if employee.mobile_last4 and sms_enabled():
        channels.append(Channel.SMS)
    channels.append(Channel.LETTER)
    return channels


def channel_default(employee: Employee) -> Channel:
    """How an invitation reaches ``employee`` unless HR chooses: e-mail, else SMS, else a letter."""
    return channels_available(employee)[0]


def invitation_link(invitation: Invitation) -> str:
    organization = organization_current()
    if organization is None:
        raise RuntimeError("invitation_link() needs an organization's schema")
    return organization_site_url(organization, f"/c/{invitation.token}/")


def invitation_create(
    *, employee: Employee, actor: Actor = None, channel: Channel | None = None
) -> Invitation:
    """A new invitation for ``employee`` (replacing any earlier one), sent after commit by
    ``channel`` (default: ``channel_default``): e-mail or SMS by the worker; a letter is sent
    by nobody, HR prints it (``verification.letters``). ChannelUnavailable if the employee
    cannot be reached that way."""
    channel = Channel(channel) if channel else channel_default(employee)
    if channel not in channels_available(employee):
        raise ChannelUnavailable(channel)
    organization = organization_current()
    days = organization.invitation_expiry_days if organization else 14
    token = link_token_new() if channel == Channel.EMAIL else secrets.token_urlsafe(SHORT_TOKEN_BYTES)
    now = timezone.now()
    with transaction.atomic():
        Invitation.objects.filter(employee=employee, revoked_at__isnull=True, used_at__isnull=True).update(
            revoked_at=now
        )
        invitation = Invitation.objects.create(
            employee=employee,
            token_hash=token_digest(token),
            token=token,
            expires_at=now + timedelta(days=days),
            channel=channel,
            created_by=actor if actor is not None and actor.is_authenticated else None,  # type: ignore[misc]
        )
        changes: dict[str, object] = {
            "last_invited_at": invitation.created_at,
            "last_invitation_channel": channel,
            "last_invitation_sent_at": None,
        }
        if employee.progress in (
            Progress.NOT_INVITED,
            Progress.DECLINED,
            Progress.WITHDRAWN,
            Progress.FAILED,
        ):
            changes["progress"] = Progress.INVITED
        Employee.objects.filter(pk=employee.pk).update(**changes)
        for name, value in changes.items():
            setattr(employee, name, value)
        events.invitation_created(invitation, actor=actor)
        if channel != Channel.LETTER:
            enqueue(Task.INVITATION_SEND, invitation.pk)
    return invitation


def invitations_create(*, employees: Iterable[Employee], actor: Actor = None) -> list[Invitation]:
    """Invite several employees (active ones only), each by e-mail, or by SMS where they have
    no e-mail; each gets its own link. Those who can be reached by neither are left out: their
    letter is printed (``verification.letters``), never made unseen."""
    return [
        invitation_create(employee=e, actor=actor)
        for e in employees
        if e.is_active and channel_default(e) != Channel.LETTER
    ]


def invitation_sms_text(invitation: Invitation, *, template: str) -> str:
    """The SMS of ``template`` (invitation or reminder): one SMS of plain English (Hindi would
    take Unicode SMS of 70 characters; the page behind the link is in both languages). The
    organization's name is shortened, never the link, to stay within SMS_MAX_CHARS."""
    organization = organization_current()
    link = invitation_link(invitation)
    name = organization.name if organization else ""
    with translation.override("en"):
        for size in (len(name), 40, 24, 12, 0):
            shown = name if len(name) <= size else name[: max(size - 1, 0)].rstrip() + ("…" if size else "")
            text = " ".join(
                render_to_string(f"sms/{template}.txt", {"organization_name": shown, "link": link}).split()
            )
            if len(text) <= SMS_MAX_CHARS:
                break
    return text


def invitation_deliver(invitation: Invitation, *, template: str) -> None:
    """Send the employee their link with ``template`` (invitation or reminder) by the
    invitation's channel: e-mail, or SMS to the mobile on file."""
    if invitation.channel == Channel.SMS:
        mobile = invitation.employee.mobile
        if not mobile:
            raise ChannelUnavailable(Channel.SMS)
        sms_send(to=mobile, text=invitation_sms_text(invitation, template=template))
    else:
        invitation_email_send(invitation, template=template)


def invitation_email_send(invitation: Invitation, *, template: str) -> None:
    """E-mail the employee their link with ``template`` (invitation or reminder)."""
    mail_send(
        to=invitation.employee.email,
        name=template,
        context={
            "organization": organization_current(),
            "employee": invitation.employee,
            "link": invitation_link(invitation),
            "expires_at": invitation.expires_at,
        },
    )


def invitation_sent_on_employee(invitation: Invitation) -> None:
    """Record on the employee's row that ``invitation`` went out (``sent_at``), if it is
    still their newest (one created later has reset the row, and says what it shows)."""
    Employee.objects.filter(pk=invitation.employee_id, last_invited_at=invitation.created_at).update(
        last_invitation_sent_at=invitation.sent_at
    )


def invitation_send(*, invitation: Invitation) -> bool:
    """E-mail or text the invitation link, once (a letter is printed, never sent). Returns
    False if there was nothing to send, or no longer a way to send it (the e-mail or mobile
    was removed since)."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().select_related("employee").get(pk=invitation.pk)
        if invitation.sent_at or invitation.revoked_at or invitation.used_at:
            return False
        if invitation.channel == Channel.LETTER or invitation.channel not in channels_available(
            invitation.employee
        ):
            return False
        invitation_deliver(invitation, template="invitation")
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at"])
        invitation_sent_on_employee(invitation)
        # No reminder comes sooner than a day after the invitation (reminders.MIN_GAP).
        due_work_mark(kind=DueKind.REMINDERS, at=invitation.sent_at + timedelta(days=1))
        events.invitation_sent(invitation)
    return True


#: Receipts: what the employee did (verified, declined, withdrawn), a status through another
#: number now awaiting HR's review, and HR's answer (approved, rejected).
RECEIPT_KINDS = ("verified", "declined", "withdrawn", "review", "approved", "rejected")


def receipt_send(*, invitation: Invitation, kind: str) -> None:
    """E-mail the employee a receipt (``RECEIPT_KINDS``), always to the address on file; it
    says how they verified (a certificate or KYC-VS) where that matters."""
    if not invitation.employee.email:
        return  # invited by SMS or letter, no e-mail on file: the page itself is the receipt
    latest_method = (
        VerificationAttempt.objects.filter(consent__invitation=invitation)
        .order_by("-created_at", "-pk")
        .values_list("method", flat=True)
        .first()
    )
    mail_send(
        to=invitation.employee.email,
        name=f"receipt_{kind}",
        context={
            "organization": organization_current(),
            "employee": invitation.employee,
            "link": invitation_link(invitation),
            "by_certificate": latest_method == Method.CERTIFICATE,
        },
    )


def view_code_email_send(*, invitation: Invitation, code: str, expires_at: object) -> None:
    """E-mail the one-time code that shows the status and data, to the address on file; to
    someone with no e-mail on file, by SMS to the mobile on file."""
    employee = invitation.employee
    if not employee.email and not employee.mobile:
        return  # nothing on file to send it to (a letter-only employee): the code is never seen
    if not employee.email and employee.mobile:
        organization = organization_current()
        with translation.override("en"):
            text = render_to_string(
                "sms/view_code.txt",
                {
                    "code": code,
                    "organization_name": (organization.name if organization else "")[:40],
                    "minutes": settings.VIEW_CODE_TTL_S // 60,
                },
            )
        sms_send(to=employee.mobile, text=text)
        return
    mail_send(
        to=invitation.employee.email,
        name="view_code",
        context={
            "organization": organization_current(),
            "employee": invitation.employee,
            "code": code,
            "minutes": settings.VIEW_CODE_TTL_S // 60,
            "expires_at": expires_at,
        },
    )
