"""Invitations: the link an employee opens to give or decline consent, its e-mails and receipts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tenants.duework import Kind as DueKind
from tenants.duework import due_work_mark
from tenants.selectors import organization_current, organization_site_url
from verification import events
from verification.crypto import link_token_new, token_digest
from verification.events import Actor
from verification.mail import mail_send
from verification.models import Employee, Invitation, Progress, VerificationAttempt
from verification.providers.base import Method
from verification.queue import Task, enqueue


def invitation_link(invitation: Invitation) -> str:
    organization = organization_current()
    if organization is None:
        raise RuntimeError("invitation_link() needs an organization's schema")
    return organization_site_url(organization, f"/c/{invitation.token}/")


def invitation_create(*, employee: Employee, actor: Actor = None) -> Invitation:
    """A new invitation for ``employee`` (replacing any earlier one), e-mailed after commit."""
    organization = organization_current()
    days = organization.invitation_expiry_days if organization else 14
    token = link_token_new()
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
            created_by=actor if actor is not None and actor.is_authenticated else None,  # type: ignore[misc]
        )
        changes: dict[str, object] = {"last_invited_at": invitation.created_at}
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
        enqueue(Task.INVITATION_SEND, invitation.pk)
    return invitation


def invitations_create(*, employees: Iterable[Employee], actor: Actor = None) -> list[Invitation]:
    """Invite several employees (active ones only); each gets its own link and e-mail."""
    return [invitation_create(employee=e, actor=actor) for e in employees if e.is_active]


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


def invitation_send(*, invitation: Invitation) -> bool:
    """E-mail the invitation link, once. Returns False if there was nothing to send."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().select_related("employee").get(pk=invitation.pk)
        if invitation.sent_at or invitation.revoked_at or invitation.used_at:
            return False
        invitation_email_send(invitation, template="invitation")
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at"])
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
    latest = (
        VerificationAttempt.objects.filter(consent__invitation=invitation)
        .order_by("-created_at", "-pk")
        .first()
    )
    mail_send(
        to=invitation.employee.email,
        name=f"receipt_{kind}",
        context={
            "organization": organization_current(),
            "employee": invitation.employee,
            "link": invitation_link(invitation),
            "by_certificate": latest is not None and latest.method == Method.CERTIFICATE,
        },
    )


def view_code_email_send(*, invitation: Invitation, code: str, expires_at: object) -> None:
    """E-mail the one-time code that shows the status and data, to the address on file."""
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
