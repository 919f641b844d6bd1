"""Invitations: the link an employee opens to give or decline consent."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from tenants.selectors import organization_current, organization_site_url
from verification import events
from verification.events import Actor
from verification.mail import mail_send
from verification.models import Employee, Invitation, Progress

TOKEN_BYTES = 32  # 256 bits


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def access_invitation(token: str) -> Invitation:
    """The invitation behind a link token, in the current organization; 404 otherwise.

    Any token (another organization's, a tampered one) gives the same "not found".
    """
    if not token or len(token) > 100:
        raise Http404
    invitation = Invitation.objects.select_related("employee").filter(token_hash=token_digest(token)).first()
    if invitation is None:
        raise Http404
    return invitation


def invitation_link(invitation: Invitation) -> str:
    organization = organization_current()
    if organization is None:
        raise RuntimeError("invitation_link() needs an organization's schema")
    return organization_site_url(organization, f"/c/{invitation.token}/")


def invitation_create(*, employee: Employee, actor: Actor = None) -> Invitation:
    """A new invitation for ``employee`` (replacing any earlier one), e-mailed after commit."""
    from verification.tasks import invitation_send_task

    organization = organization_current()
    days = organization.invitation_expiry_days if organization else 14
    token = secrets.token_urlsafe(TOKEN_BYTES)
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
        transaction.on_commit(lambda: invitation_send_task.delay(invitation.pk))
    return invitation


def invitations_create(*, employees: Iterable[Employee], actor: Actor = None) -> list[Invitation]:
    """Invite several employees (active ones only); each gets its own link and e-mail."""
    return [invitation_create(employee=e, actor=actor) for e in employees if e.is_active]


def _send(*, to: str, template: str, context: dict[str, object]) -> None:
    mail_send(to=to, name=template, context=context)


def invitation_email_send(invitation: Invitation, *, template: str) -> None:
    """E-mail the employee their link with ``template`` (invitation or reminder)."""
    _send(
        to=invitation.employee.email,
        template=template,
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
        events.invitation_sent(invitation)
    return True


#: Receipts: what the employee did (verified, declined, withdrawn), a status through another
#: number now awaiting HR's review, and HR's answer (approved, rejected).
RECEIPT_KINDS = ("verified", "declined", "withdrawn", "review", "approved", "rejected")


def receipt_send(*, invitation: Invitation, kind: str) -> None:
    """E-mail the employee a receipt (``RECEIPT_KINDS``), always to the address on file."""
    _send(
        to=invitation.employee.email,
        template=f"receipt_{kind}",
        context={
            "organization": organization_current(),
            "employee": invitation.employee,
            "link": invitation_link(invitation),
        },
    )


def view_code_email_send(*, invitation: Invitation, code: str, expires_at: object) -> None:
    """E-mail the one-time code that shows the status and data, to the address on file."""
    _send(
        to=invitation.employee.email,
        template="view_code",
        context={
            "organization": organization_current(),
            "employee": invitation.employee,
            "code": code,
            "minutes": settings.VIEW_CODE_TTL_S // 60,
            "expires_at": expires_at,
        },
    )
